"""Prometheus text exposition format, for node_exporter's textfile collector.

Families (every one a gauge):

- `srvdoctor_check_status{check,target,playbook}`: 0 ok, 1 warn, 2 fail, 3 error, -1 skip
- `srvdoctor_check_duration_seconds{check,target}`
- `srvdoctor_last_run_timestamp_seconds`, `srvdoctor_run_duration_seconds`,
  `srvdoctor_run_status` (the worst status, same values), `srvdoctor_build_info{version}`
- one gauge per number in a result's `data`, named `srvdoctor_<area>_<key>` with the unit
  in the name in base units: `used_percent` becomes `srvdoctor_disk_used_ratio` (divided by
  100), `percent_of_filesystem` becomes `..._ratio_of_filesystem`, `rtt_ms` becomes
  `..._rtt_seconds` (divided by 1000), a rate `swap_in_bytes_s` becomes
  `..._swap_in_bytes_per_second`, `*_bytes` stays bytes; `count`/`sum`/`bucket` endings
  (reserved for histograms and summaries) get `_value`. Labels `{check,target}`, so two
  checks of one area reporting the same key stay apart; an `[[expect.*]]` result adds
  `expectation` (its index in the config), so two expectations on one target stay two
  series, and its index is a label, not a measurement.

Every family keeps one label set, and no series appears twice: node_exporter rejects the
whole file otherwise. Written with `--output DIR/NAME.prom`, every series also carries
`run="NAME"`, so two runs writing into one textfile directory (a schedule and a GPU-only
cron job, say) never produce the same series twice.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import field

from srvdoctor.lazyre import lazy
from srvdoctor.model import Report, Status
from srvdoctor.record import dataclass
from srvdoctor.redact import redact_report
from srvdoctor.render import numeric_data

#: The naming schema of the metrics: 2 since data names follow promtool's rules (rates
#: `_per_second`, `_ratio_of_`, no `_count` on gauges, expectations' index as a label).
METRICS_SCHEMA = 2

#: srvdoctor_check_status values.
STATUS_VALUE = {Status.OK: 0, Status.WARN: 1, Status.FAIL: 2, Status.ERROR: 3, Status.SKIP: -1}

#: key suffix -> (suffix in the metric name, factor to base units). Longest suffix wins.
UNIT_SUFFIXES: Mapping[str, tuple[str, float]] = {
    "percent": ("ratio", 0.01),
    "pct": ("ratio", 0.01),
    "ratio": ("ratio", 1.0),
    "ns": ("seconds", 1e-9),
    "us": ("seconds", 1e-6),
    "ms": ("seconds", 1e-3),
    "s": ("seconds", 1.0),
    "sec": ("seconds", 1.0),
    "secs": ("seconds", 1.0),
    "seconds": ("seconds", 1.0),
    "bytes": ("bytes", 1.0),
    "kib": ("bytes", 1024.0),
    "mib": ("bytes", 1024.0**2),
    "gib": ("bytes", 1024.0**3),
    "mhz": ("hertz", 1e6),
    "hz": ("hertz", 1.0),
    "mw": ("watts", 1e-3),
    "w": ("watts", 1.0),
    "watts": ("watts", 1.0),
    "c": ("celsius", 1.0),
    "celsius": ("celsius", 1.0),
}

_INVALID = lazy(r"[^a-zA-Z0-9_]")
_FIXED = frozenset(
    {
        "srvdoctor_check_status",
        "srvdoctor_check_duration_seconds",
        "srvdoctor_last_run_timestamp_seconds",
        "srvdoctor_run_duration_seconds",
        "srvdoctor_run_status",
        "srvdoctor_build_info",
    }
)
_STATUS_HELP = "0 ok, 1 warn, 2 fail, 3 error, -1 skip"


def metric_name(*parts: str) -> str:
    """Join parts into a valid, lower-case metric name (`[a-zA-Z_][a-zA-Z0-9_]*`)."""
    name = "_".join(_INVALID.sub("_", p) for p in parts if p).lower()
    name = re.sub(r"_+", "_", name).strip("_")
    return name if re.match(r"[a-z_]", name) else "_" + name


#: per-second rate endings of a `data` key: `swap_in_bytes_s`, `reads_per_s`, `bytes_per_sec`.
_RATE = lazy(r"^(?P<stem>.+?)_(?:per_)?(?:s|sec|second)$")
#: `X_percent_of_Y`: a percentage of something named after it.
_PERCENT_OF = lazy(r"(^|_)(?:percent|pct)_of_")
#: endings promtool reserves for histograms and summaries (and counters).
_RESERVED_ENDINGS = ("_count", "_sum", "_bucket", "_total", "_created", "_info")


def data_metric(area: str, key: str) -> tuple[str, float, str]:
    """(metric name, factor to base units, unit word) for a `data` key of a check in `area`.

    >>> data_metric("disk", "used_percent")
    ('srvdoctor_disk_used_ratio', 0.01, 'ratio')
    >>> data_metric("load", "swap_in_bytes_s")
    ('srvdoctor_load_swap_in_bytes_per_second', 1.0, 'bytes per second')
    """
    clean = metric_name(key)
    stem, _, suffix = clean.rpartition("_")
    unit = ""
    factor = 1.0
    rate = _RATE.match(clean)
    if rate and rate["stem"].rpartition("_")[2] in ("bytes", "packets", "requests", "reads", "writes", "ops"):
        unit, clean = f"{rate['stem'].rpartition('_')[2]} per second", f"{rate['stem']}_per_second"
    elif _PERCENT_OF.search(clean):
        unit, factor = "ratio", 0.01
        clean = _PERCENT_OF.sub(lambda m: f"{m.group(1)}ratio_of_", clean)
    elif stem and suffix in UNIT_SUFFIXES:
        unit, factor = UNIT_SUFFIXES[suffix]
        clean = f"{stem}_{unit}"
    elif stem and suffix == "total":  # `_total` is for counters; these are gauges
        clean = stem
    area_part = metric_name(area) if area else ""
    if area_part and (clean == area_part or clean.startswith(area_part + "_")):
        area_part = ""
    name = metric_name("srvdoctor", area_part, clean)
    if name in _FIXED or name.endswith(_RESERVED_ENDINGS) or name == "srvdoctor_" + area_part:
        name += "_value"
    return name, factor, unit


def escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _labels(labels: Mapping[str, str]) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{k}="{escape_label(v)}"' for k, v in labels.items()) + "}"


def format_value(value: float) -> str:
    """A sample value: integers exact, floats to 15 significant digits, NaN and ±Inf spelled out."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == int(value) and abs(value) < 2**53:
        return str(int(value))
    return repr(float(f"{value:.15g}"))


@dataclass
class _Family:
    help: str
    samples: list[str] = field(default_factory=list)


def _area_of(check: str, area: str) -> str:
    return area or check.split(".", 1)[0]


def render(report: Report, timestamp: float, run: str | None = None) -> str:
    """The exposition text; `run` (the textfile's name) labels every series when given."""
    report = redact_report(report)
    families: dict[str, _Family] = {}
    seen: set[tuple[str, str]] = set()

    def add(name: str, help_text: str, labels: Mapping[str, str], value: float) -> None:
        labels_text = _labels({**labels, "run": run} if run is not None else labels)
        if (name, labels_text) in seen:  # a duplicate series would void the whole file
            return
        seen.add((name, labels_text))
        families.setdefault(name, _Family(help_text)).samples.append(
            f"{name}{labels_text} {format_value(value)}"
        )

    for r in report.results:
        base = {"check": r.check, "target": r.target}
        expectation = r.data.get("index") if r.check.startswith("expect.") else None
        if isinstance(expectation, int) and not isinstance(expectation, bool):
            base["expectation"] = str(expectation)
        add(
            "srvdoctor_check_status",
            f"Status of one srvdoctor check on one target: {_STATUS_HELP}.",
            {**base, "playbook": r.playbook or ""},
            STATUS_VALUE[r.status],
        )
        add("srvdoctor_check_duration_seconds", "Seconds the check took.", base, r.duration_s)
        area = _area_of(r.check, r.area)
        for key, value in numeric_data(r.data).items():
            if "expectation" in base and key == "index":
                continue  # a position in the config, carried as the `expectation` label
            name, factor, unit = data_metric(area, key)
            in_unit = f", in {unit}" if unit and unit != "ratio" else ", as a ratio (0-1)" if unit else ""
            add(name, f"`{key}` in the data of srvdoctor's {area} checks{in_unit}.", base, value * factor)
    add("srvdoctor_run_status", f"Worst status of the last run: {_STATUS_HELP}.", {},
        STATUS_VALUE[report.status])  # fmt: skip
    add("srvdoctor_last_run_timestamp_seconds", "Unix time the last run finished.", {}, timestamp)
    add("srvdoctor_run_duration_seconds", "Seconds the whole run took.", {}, report.duration_s)
    add("srvdoctor_build_info", "The srvdoctor version that wrote these metrics, and their naming schema.",
        {"version": report.version, "metrics_schema": str(METRICS_SCHEMA)}, 1)  # fmt: skip
    lines: list[str] = []
    for name, family in families.items():
        lines.append(f"# HELP {name} {_escape_help(family.help)}")
        lines.append(f"# TYPE {name} gauge")
        lines.extend(family.samples)
    return "\n".join(lines) + "\n"
