"""The environment report as Markdown, to paste into a question or an issue."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from srvdoctor.render.safe import visible
from srvdoctor.units import naturalsize


def _cell(value: object) -> str:
    return visible(str(value)).replace("|", "\\|")


def _uptime(seconds: float) -> str:
    days, rest = divmod(int(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"


def _python_env(py: Mapping[str, Any]) -> str:
    if py.get("error"):
        return f"could not be read: {py['error']}"
    kind = py["kind"]
    if kind == "venv":
        where = f"virtualenv `{py['prefix']}`"
        if py.get("conda"):
            where += " (inside conda)"
    elif kind == "conda":
        where = f"conda env `{py.get('env_name') or py['prefix']}` (`{py['prefix']}`)"
    else:
        where = f"no virtualenv (system Python, `{py['prefix']}`)"
    if py.get("source") not in (None, "this interpreter"):
        where += f", from {py['source']}"
    return where


def _limits(lim: Mapping[str, Any]) -> str:
    """The container's cgroup limits in one line: memory, swap, CPU quota, cpuset, pids."""
    parts: list[str] = []
    memory = lim.get("memory_limit_bytes")
    if memory:
        used = lim.get("working_set_bytes")
        parts.append(
            f"memory {naturalsize(memory['value'])}" + (f" ({naturalsize(used)} in use)" if used else "")
        )
    swap = lim.get("swap_limit_bytes")
    if swap:
        parts.append(f"swap {naturalsize(swap['value'])}" if swap["value"] else "no swap")
    quota = lim.get("cpu_quota_cores")
    if quota:
        parts.append(f"CPU quota {quota['value']:g} CPUs")
    if lim.get("cpuset"):
        parts.append(f"{len(lim['cpuset'])} CPUs in its cpuset")
    pids = lim.get("pids_max")
    if pids:
        parts.append(f"pids {pids['value']:g}")
    return (", ".join(parts) or "none set") + f" (cgroup v{lim.get('version', '?')})"


def render(data: Mapping[str, Any]) -> str:
    """The report dict (see `srvdoctor.envreport.collect`) as Markdown."""
    sysinfo, cpu, mem, py = data["system"], data["cpu"], data["memory"], data["python"]
    lines = ["## Environment (srvdoctor report)", "", "| | |", "| --- | --- |"]

    def row(name: str, value: object) -> None:
        lines.append(f"| {name} | {_cell(value)} |")

    row(
        "OS",
        sysinfo["os_name"] + (f" (in a {sysinfo['container']} container)" if sysinfo["container"] else ""),
    )
    row("Kernel", f"{sysinfo['kernel']} {sysinfo['machine']}")
    row("Hostname", sysinfo["hostname"])
    row("Uptime", _uptime(sysinfo["uptime_s"]))
    cores = f"{cpu['cores_physical']} cores / {cpu['cores_logical']} threads"
    row("CPU", f"{cpu['model']}, {cores}, load {' '.join(f'{x:.2f}' for x in cpu['load'])}")
    swap = (
        f", swap {naturalsize(mem['swap_used_bytes'])} used of {naturalsize(mem['swap_total_bytes'])}"
        if mem["swap_total_bytes"]
        else ", no swap"
    )
    row(
        "Memory",
        f"{naturalsize(mem['available_bytes'])} available of {naturalsize(mem['total_bytes'])}{swap}",
    )
    ctr = data.get("container")
    if ctr:
        ident = f", id {ctr['id'][:12]}" if ctr.get("id") else ""
        name = f", name {ctr['name']}" if ctr.get("name") else ""
        row(
            "Container",
            f"{ctr['runtime']}{name}{ident}, image {ctr.get('image') or 'not visible from inside'}",
        )
        row("Limits", _limits(ctr.get("limits") or {}))
    if py.get("error"):
        row("Python", f"`{py['executable']}`")
    else:
        row("Python", f"{py['version']} ({py['implementation']}) `{py['executable']}`")
    row("Environment", _python_env(py))
    gpu = data["gpu"]
    if gpu.get("driver"):
        row("NVIDIA driver", f"{gpu['driver']} (CUDA {gpu.get('cuda') or 'n/a'})")
        names = [f"{d['name']} ({naturalsize(d['memory_total_bytes'])})" for d in gpu["devices"]]
        row("GPUs", ", ".join(names) or "none")
    else:
        row("NVIDIA driver", f"none ({gpu.get('reason')})")
    docker = data["docker"]
    if docker.get("version"):
        row("Docker engine", f"{docker['version']} (API {docker['api_version']})")
    else:
        row("Docker engine", f"not reachable ({docker.get('reason')})")
    for note in py.get("notes") or ():
        lines.append(f"\nNote: {visible(note)}")

    packages = py.get("packages", {})
    lines += ["", "### Packages", "", "| package | version |", "| --- | --- |"]
    for name, version in packages.items():
        if version:
            lines.append(f"| {_cell(name)} | {_cell(version)} |")
    missing = [name for name, version in packages.items() if not version]
    if missing:
        lines += ["", f"Not installed: {', '.join(missing)}."]

    lines += ["", "### Disks", "", "| mount | type | size | free | used | inodes used |",
              "| --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    for d in data["disks"]:
        if "error" in d:
            lines.append(
                f"| {_cell(d['mountpoint'])} | {d['fstype']} | could not be read: {_cell(d['error'])} | | | |"
            )
            continue
        inodes = "n/a" if d["inodes_used_percent"] is None else f"{d['inodes_used_percent']:.0f}%"
        lines.append(
            f"| {_cell(d['mountpoint'])} | {d['fstype']} | {naturalsize(d['size_bytes'])} | "
            f"{naturalsize(d['free_bytes'])} | {d['used_percent']:.0f}% | {inodes} |"
        )

    check = data.get("check")
    if check is not None:
        lines += ["", "### Problems found by `srvdoctor check`", ""]
        if not check["problems"]:
            tally = ", ".join(f"{n} {s}" for s, n in check["counts"].items() if n)
            lines.append(f"None ({tally or 'nothing checked'}).")
        for r in check["problems"]:
            shown = r["target"] not in ("-", "") and not r["summary"].startswith(r["target"])
            target = f" {visible(r['target'])}" if shown else ""
            playbook = f" (playbook: `{r['playbook']}`)" if r.get("playbook") else ""
            lines.append(f"- **{r['status']}** `{r['check']}`{target}: {visible(r['summary'])}{playbook}")

    if "environment" in data:
        lines += ["", "### Environment variables", "", "Secrets are shown as `***`.", "", "```text"]
        for name, value in data["environment"].items():
            shown = value if len(value) <= 160 else value[:157] + "..."
            lines.append(f"{visible(name)}={visible(shown)}")
        lines.append("```")
    lines += ["", f"<sub>srvdoctor {data['version']}, {data['generated_at']}</sub>", ""]
    return "\n".join(lines)
