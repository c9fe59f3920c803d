"""The environment report as Markdown, to paste into a question or an issue."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from srvdoctor.messages import N_, _
from srvdoctor.render.safe import visible
from srvdoctor.units import naturalsize


def _cell(value: object) -> str:
    return visible(str(value)).replace("|", "\\|")


def _uptime(seconds: float) -> str:
    days, rest = divmod(int(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return _("{days} d {hours} h").format(days=days, hours=hours)
    if hours:
        return _("{hours} h {minutes} min").format(hours=hours, minutes=minutes)
    return _("{minutes} min").format(minutes=minutes)


def _python_env(py: Mapping[str, Any]) -> str:
    if py.get("error"):
        return _("could not be read: {reason}").format(reason=py["error"])
    kind = py["kind"]
    if kind == "venv":
        where = _("virtualenv `{prefix}`").format(prefix=py["prefix"])
        if py.get("conda"):
            where += _(" (inside conda)")
    elif kind == "conda":
        where = _("conda env `{name}` (`{prefix}`)").format(
            name=py.get("env_name") or py["prefix"], prefix=py["prefix"]
        )
    else:
        where = _("no virtualenv (system Python, `{prefix}`)").format(prefix=py["prefix"])
    if py.get("source") not in (None, "this interpreter"):
        where += _(", from {source}").format(source=py["source"])
    return where


def _limits(lim: Mapping[str, Any]) -> str:
    """The container's cgroup limits in one line: memory, swap, CPU quota, cpuset, pids."""
    parts: list[str] = []
    memory = lim.get("memory_limit_bytes")
    if memory:
        used = lim.get("working_set_bytes")
        size = naturalsize(memory["value"])
        parts.append(
            _("memory {size} ({used} in use)").format(size=size, used=naturalsize(used))
            if used
            else _("memory {size}").format(size=size)
        )
    swap = lim.get("swap_limit_bytes")
    if swap:
        parts.append(
            _("swap {size}").format(size=naturalsize(swap["value"])) if swap["value"] else _("no swap")
        )
    quota = lim.get("cpu_quota_cores")
    if quota:
        parts.append(_("CPU quota {cpus:g} CPUs").format(cpus=quota["value"]))
    if lim.get("cpuset"):
        parts.append(_("{n} CPUs in its cpuset").format(n=len(lim["cpuset"])))
    pids = lim.get("pids_max")
    if pids:
        parts.append(f"pids {pids['value']:g}")
    return (", ".join(parts) or _("none set")) + f" (cgroup v{lim.get('version', '?')})"


def render(data: Mapping[str, Any]) -> str:
    """The report dict (see `srvdoctor.envreport.collect`) as Markdown."""
    sysinfo, cpu, mem, py = data["system"], data["cpu"], data["memory"], data["python"]
    lines = ["## " + _("Environment (srvdoctor report)"), "", "| | |", "| --- | --- |"]

    def row(name: str, value: object) -> None:
        lines.append(f"| {_(name)} | {_cell(value)} |")

    inside = (
        _(" (in a {runtime} container)").format(runtime=sysinfo["container"]) if sysinfo["container"] else ""
    )
    row(N_("OS"), sysinfo["os_name"] + inside)
    row(N_("Kernel"), f"{sysinfo['kernel']} {sysinfo['machine']}")
    row(N_("Hostname"), sysinfo["hostname"])
    row(N_("Uptime"), _uptime(sysinfo["uptime_s"]))
    cores = _("{cores} cores / {threads} threads").format(
        cores=cpu["cores_physical"], threads=cpu["cores_logical"]
    )
    load = " ".join(f"{x:.2f}" for x in cpu["load"])
    row(N_("CPU"), _("{model}, {cores}, load {load}").format(model=cpu["model"], cores=cores, load=load))
    swap = (
        _(", swap {used} used of {total}").format(
            used=naturalsize(mem["swap_used_bytes"]), total=naturalsize(mem["swap_total_bytes"])
        )
        if mem["swap_total_bytes"]
        else _(", no swap")
    )
    available = _("{available} available of {total}").format(
        available=naturalsize(mem["available_bytes"]), total=naturalsize(mem["total_bytes"])
    )
    row(N_("Memory"), available + swap)
    ctr = data.get("container")
    if ctr:
        ident = _(", id {id}").format(id=ctr["id"][:12]) if ctr.get("id") else ""
        name = _(", name {name}").format(name=ctr["name"]) if ctr.get("name") else ""
        image = ctr.get("image") or _("not visible from inside")
        row(N_("Container"), _("{runtime}{name}{id}, image {image}").format(
            runtime=ctr["runtime"], name=name, id=ident, image=image))  # fmt: skip
        row(N_("Limits"), _limits(ctr.get("limits") or {}))
    if py.get("error"):
        row(N_("Python"), f"`{py['executable']}`")
    else:
        row(N_("Python"), f"{py['version']} ({py['implementation']}) `{py['executable']}`")
    row(N_("Environment"), _python_env(py))
    gpu = data["gpu"]
    if gpu.get("driver"):
        row(N_("NVIDIA driver"), f"{gpu['driver']} (CUDA {gpu.get('cuda') or _('n/a')})")
        names = [f"{d['name']} ({naturalsize(d['memory_total_bytes'])})" for d in gpu["devices"]]
        row(N_("GPUs"), ", ".join(names) or _("none"))
    else:
        row(N_("NVIDIA driver"), _("none ({reason})").format(reason=gpu.get("reason")))
    docker = data["docker"]
    if docker.get("version"):
        row(N_("Docker engine"), f"{docker['version']} (API {docker['api_version']})")
    else:
        row(N_("Docker engine"), _("not reachable ({reason})").format(reason=docker.get("reason")))
    for note in py.get("notes") or ():
        lines.append("\n" + _("Note: {note}").format(note=visible(note)))

    packages = py.get("packages", {})
    lines += [
        "",
        "### " + _("Packages"),
        "",
        "| {} | {} |".format(_("package"), _("version")),
        "| --- | --- |",
    ]
    for name, version in packages.items():
        if version:
            lines.append(f"| {_cell(name)} | {_cell(version)} |")
    missing = [name for name, version in packages.items() if not version]
    if missing:
        lines += ["", _("Not installed: {names}.").format(names=", ".join(missing))]

    header = (_("mount"), _("type"), _("size"), _("free"), _("used"), _("inodes used"))
    lines += ["", "### " + _("Disks"), "", "| " + " | ".join(header) + " |",
              "| --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    for d in data["disks"]:
        if "error" in d:
            lines.append(
                f"| {_cell(d['mountpoint'])} | {d['fstype']} | "
                + _("could not be read: {reason}").format(reason=_cell(d["error"]))
                + " | | | |"
            )
            continue
        inodes = _("n/a") if d["inodes_used_percent"] is None else f"{d['inodes_used_percent']:.0f}%"
        lines.append(
            f"| {_cell(d['mountpoint'])} | {d['fstype']} | {naturalsize(d['size_bytes'])} | "
            f"{naturalsize(d['free_bytes'])} | {d['used_percent']:.0f}% | {inodes} |"
        )

    check = data.get("check")
    if check is not None:
        lines += ["", "### " + _("Problems found by `srvdoctor check`"), ""]
        if not check["problems"]:
            # status names are marked in render/table.py (STATUS_NAMES); not imported here: it loads rich
            each = _("{n} {status}")
            tally = ", ".join(each.format(n=n, status=_(s)) for s, n in check["counts"].items() if n)
            lines.append(_("None ({counts}).").format(counts=tally or _("nothing checked")))
        for r in check["problems"]:
            summary = (r.get("localized") or {}).get("summary") or r["summary"]  # the report's language
            shown = r["target"] not in ("-", "") and not summary.startswith(r["target"])
            target = f" {visible(r['target'])}" if shown else ""
            playbook = _(" (playbook: `{id}`)").format(id=r["playbook"]) if r.get("playbook") else ""
            lines.append(f"- **{_(r['status'])}** `{r['check']}`{target}: {visible(summary)}{playbook}")

    if "environment" in data:
        lines += [
            "",
            "### " + _("Environment variables"),
            "",
            _("Secrets are shown as `***`."),
            "",
            "```text",
        ]
        for name, value in data["environment"].items():
            shown = value if len(value) <= 160 else value[:157] + "..."
            lines.append(f"{visible(name)}={visible(shown)}")
        lines.append("```")
    lines += ["", f"<sub>srvdoctor {data['version']}, {data['generated_at']}</sub>", ""]
    return "\n".join(lines)
