"""`srvdoctor report`: gather the environment facts into one dict, then redact it.

The dict is what `--format json` prints and what `render/envreport.py` turns into
Markdown. Redaction happens twice: values are redacted as they are gathered, and the
finished text passes through `redact.scrub` with every secret value of the environment.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from srvdoctor import __version__
from srvdoctor.model import Report, Status
from srvdoctor.probes import environment as envprobe
from srvdoctor.redact import anonymize_host, redact_env, scrub, secret_values


def _disks(timeout: float) -> list[dict[str, Any]]:
    from srvdoctor.probes.filesystems import Filesystem, filesystems

    out: list[dict[str, Any]] = []
    for fs in filesystems(timeout):
        if isinstance(fs, Filesystem):
            out.append(
                {
                    "mountpoint": fs.mountpoint,
                    "fstype": fs.fstype,
                    "size_bytes": fs.size_bytes,
                    "free_bytes": fs.avail_bytes,
                    "used_percent": round(fs.used_percent, 1),
                    "inodes_used_percent": round(fs.inodes_used_percent, 1) if fs.has_inodes else None,
                }
            )
        else:
            out.append({"mountpoint": fs.mountpoint, "fstype": fs.fstype, "error": fs.reason})
    return out


def _container() -> dict[str, Any] | None:
    """Where we run, the image where the runtime says it, and the cgroup's limits; None on a host."""
    from srvdoctor.probes.cgroup import read_limits
    from srvdoctor.probes.container import detect

    where = detect()
    if not where.inside:
        return None
    return {**where.to_dict(), "limits": read_limits().to_dict()}


def collect(
    *,
    timeout: float,
    packages: Sequence[str] = (),
    python: str | None = None,
    check_report: Report | None = None,
    with_env: bool = False,
    environ: Mapping[str, str] | None = None,
    lang: str = "en",
) -> dict[str, Any]:
    """Every fact of the report as plain JSON values (not yet anonymized or scrubbed); a `lang`
    other than English adds each problem's `localized` text (srvdoctor.messages)."""
    env = dict(os.environ if environ is None else environ)
    system = envprobe.system_info()
    cpu = envprobe.cpu_memory()
    py = envprobe.python_env(python, packages, timeout)
    gpu = envprobe.gpu_info(timeout)
    docker = envprobe.docker_info(timeout)
    data: dict[str, Any] = {
        "schema": 1,
        "tool": "srvdoctor",
        "version": __version__,
        "generated_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "system": dataclasses.asdict(system),
        "cpu": {
            "model": cpu.cpu_model,
            "cores_physical": cpu.cores_physical,
            "cores_logical": cpu.cores_logical,
            "load": [round(x, 2) for x in cpu.load],
        },
        "memory": {
            "total_bytes": cpu.mem_total_bytes,
            "available_bytes": cpu.mem_available_bytes,
            "swap_total_bytes": cpu.swap_total_bytes,
            "swap_used_bytes": cpu.swap_used_bytes,
        },
        "disks": _disks(timeout),
        "python": dataclasses.asdict(py),
        "gpu": dataclasses.asdict(gpu),
        "docker": dataclasses.asdict(docker),
        "container": _container(),
        "check": None,
    }
    if check_report is not None:
        problems = check_report.problems(Status.WARN)
        data["check"] = {
            "status": check_report.status.value,
            "counts": check_report.counts,
            "problems": [r.to_dict(lang) for r in problems],
        }
    if with_env:
        data["environment"] = redact_env(env)
    return data


def finish(
    text: str, *, hostname: str, anonymize_host_name: bool, environ: Mapping[str, str] | None = None
) -> str:
    """The last pass over the rendered text: secrets out, and with --anonymize the hostname and
    home directory out."""
    env = dict(os.environ if environ is None else environ)
    secrets = secret_values(env)
    import json

    escaped = [json.dumps(s)[1:-1] for s in secrets]
    out = scrub(text, [*secrets, *(e for e in escaped if e not in secrets)])
    if anonymize_host_name:
        home = str(Path.home())
        if hostname:
            word = re.compile(rf"(?<![\w.-]){re.escape(hostname)}(?![\w-])")
            out = word.sub(anonymize_host(hostname), out)
        if len(home) > 1:
            out = re.sub(rf"{re.escape(home)}(?![\w.-])", "~", out)
    return out
