"""Prometheus text exposition format, for node_exporter's textfile collector."""

from __future__ import annotations

import re
from collections import defaultdict

from srvdoctor.model import Report, Status
from srvdoctor.render import numeric_data

#: srvdoctor_check_status values.
STATUS_VALUE = {Status.OK: 0, Status.WARN: 1, Status.FAIL: 2, Status.ERROR: 3, Status.SKIP: -1}

_INVALID = re.compile(r"[^a-zA-Z0-9_]")


def metric_name(*parts: str) -> str:
    name = "_".join(_INVALID.sub("_", p) for p in parts if p)
    name = re.sub(r"_+", "_", name).strip("_")
    return name if re.match(r"[a-zA-Z_]", name) else "_" + name


def escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(**labels: str) -> str:
    return "{" + ",".join(f'{k}="{escape_label(v)}"' for k, v in labels.items()) + "}"


def _number(value: float) -> str:
    if value == int(value) and abs(value) < 2**53:
        return repr(int(value))
    return repr(round(value, 6))


def render(report: Report, timestamp: float) -> str:
    families: dict[str, tuple[str, list[str]]] = {}
    samples: dict[str, list[str]] = defaultdict(list)

    def add(name: str, help_text: str, labels: str, value: float) -> None:
        families.setdefault(name, (help_text, []))
        samples[name].append(f"{name}{labels} {_number(value)}")

    for r in report.results:
        base = {"check": r.check, "target": r.target}
        add(
            "srvdoctor_check_status",
            "Check status: 0 ok, 1 warn, 2 fail, 3 error, -1 skip.",
            _labels(**base, playbook=r.playbook or ""),
            STATUS_VALUE[r.status],
        )
        add("srvdoctor_check_duration_seconds", "Seconds the check took.", _labels(**base), r.duration_s)
        for key, value in numeric_data(r.data).items():
            name = metric_name("srvdoctor", r.check, key)
            add(name, f"{key} reported by {r.check}.", _labels(**base), value)
    add("srvdoctor_last_run_timestamp_seconds", "Unix time of the last run.", "", timestamp)
    add("srvdoctor_run_duration_seconds", "Seconds the whole run took.", "", report.duration_s)
    lines: list[str] = []
    for name, (help_text, _) in families.items():
        lines.append(f"# HELP {name} {help_text}")
        lines.append(f"# TYPE {name} gauge")
        lines.extend(samples[name])
    return "\n".join(lines) + "\n"
