"""Compact dashboards for `srvdoctor load` and `srvdoctor gpu`: a rich renderable per reading."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from srvdoctor.probes.nvml import GpuSample
from srvdoctor.probes.system import LoadReadings
from srvdoctor.render.safe import markup as escape
from srvdoctor.units import naturalsize

BAR_WIDTH = 30


def bar(percent: float, width: int = BAR_WIDTH) -> Text:
    """A horizontal bar, green → yellow → red as it fills: '█████░░░░░  52%'."""
    percent = max(0.0, min(100.0, percent))
    filled = round(width * percent / 100)
    style = "red" if percent >= 90 else "yellow" if percent >= 70 else "green"
    text = Text()
    text.append("█" * filled, style=style)
    text.append("░" * (width - filled), style="dim")
    text.append(f" {percent:3.0f}%")
    return text


def load_dashboard(r: LoadReadings, top: int = 5) -> RenderableType:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    grid.add_column(style="dim")
    if r.container is not None and r.container.inside:
        grid.add_row("where", Text(r.container.describe()), "")
    cpu = r.cpu
    for i, pct in enumerate(cpu.per_core_percent):
        grid.add_row(f"cpu{i}", bar(pct), "")
    grid.add_row(
        "cpu",
        bar(cpu.total_percent),
        f"iowait {cpu.iowait_percent:.0f}%  steal {cpu.steal_percent:.0f}%  "
        f"load {r.load.avg1:.2f} {r.load.avg5:.2f} {r.load.avg15:.2f} ({r.load.cpus} CPUs)",
    )
    mem = r.memory
    used_pct = 100.0 - mem.available_percent
    grid.add_row(
        "mem",
        bar(used_pct),
        f"{naturalsize(mem.total_bytes - mem.available_bytes)} used, "
        f"{naturalsize(mem.available_bytes)} available of {naturalsize(mem.total_bytes)}",
    )
    lim = r.limits
    if lim is not None and lim.memory_limit is not None and lim.working_set is not None:
        value = lim.memory_limit.value
        grid.add_row(
            "limit",
            bar(100.0 * lim.working_set / value if value else 100.0),
            f"{naturalsize(lim.working_set)} used of the cgroup's {naturalsize(value)} memory limit",
        )
    if lim is not None and lim.cpu_quota is not None and cpu.cgroup_cpu_cores is not None:
        quota = lim.cpu_quota.value
        grid.add_row(
            "quota",
            bar(100.0 * cpu.cgroup_cpu_cores / quota if quota else 100.0),
            f"{cpu.cgroup_cpu_cores:.2f} of the cgroup's {quota:g}-CPU quota",
        )
    if mem.swap_total_bytes:
        grid.add_row(
            "swap",
            bar(mem.swap_used_percent),
            f"{naturalsize(mem.swap_used_bytes)} of {naturalsize(mem.swap_total_bytes)}, "
            f"in {naturalsize(cpu.swap_in_per_s)}/s out {naturalsize(cpu.swap_out_per_s)}/s",
        )
    else:
        grid.add_row("swap", Text("none configured", style="dim"), "")
    if r.pressure:
        psi = "  ".join(
            f"{res} some {kinds.get('some', {}).get('avg10', 0.0):.1f}%"
            + (f" full {kinds['full'].get('avg10', 0.0):.1f}%" if "full" in kinds and res != "cpu" else "")
            for res, kinds in r.pressure.items()
        )
        grid.add_row("psi", Text("pressure, avg10"), psi)

    procs = Table(box=None, header_style="bold", pad_edge=False)
    procs.add_column("pid", justify="right", no_wrap=True, min_width=7)
    procs.add_column("user", no_wrap=True, min_width=8, max_width=12, overflow="ellipsis")
    procs.add_column("cpu%", justify="right", no_wrap=True, min_width=4)
    procs.add_column("rss", justify="right", no_wrap=True, min_width=10)
    procs.add_column("command", no_wrap=True)
    seen: set[int] = set()
    busy = [p for p in cpu.top_cpu[:top] if p.cpu_percent >= 0.5]
    for p in (*busy, *cpu.top_mem[:top]):
        if p.pid in seen:
            continue
        seen.add(p.pid)
        command = p.cmdline or p.name
        command = escape(command if len(command) <= 60 else command[:59] + "…")
        procs.add_row(str(p.pid), escape(p.user), f"{p.cpu_percent:.0f}", naturalsize(p.rss_bytes), command)
    title = Text(f"top processes (by CPU, then memory; {cpu.interval_s:.2f} s sample)")
    return Group(grid, Text(""), title, procs)


def gpu_dashboard(sample: GpuSample) -> RenderableType:
    table = Table(box=None, header_style="bold", pad_edge=False)
    for col in ("gpu", "name", "memory", "util", "temp", "power", "pstate", "clocks"):
        table.add_column(col, no_wrap=True)
    for d in sample.devices:
        table.add_row(
            str(d.index),
            escape(d.name),
            f"{naturalsize(d.memory_used)} / {naturalsize(d.memory_total)}",
            f"{d.util_gpu}%" if d.util_gpu is not None else "n/a",
            f"{d.temperature} °C" if d.temperature is not None else "n/a",
            f"{d.power_mw / 1000:.0f} / {d.power_limit_mw / 1000:.0f} W"
            if d.power_mw is not None and d.power_limit_mw
            else "n/a",
            f"P{d.pstate}" if d.pstate is not None else "n/a",
            ", ".join(d.reasons) or "-",
        )
    procs = Table(box=None, header_style="bold", pad_edge=False)
    for col in ("gpu", "pid", "user", "gpu memory", "command"):
        procs.add_column(col, no_wrap=col != "command")
    for d in sample.devices:
        for p in d.processes:
            procs.add_row(
                str(d.index),
                str(p.pid),
                escape(p.user or "?"),
                naturalsize(p.used_bytes or 0),
                escape(p.cmdline or p.name or "(not visible here)"),
            )
    parts: list[RenderableType] = [
        Text(f"driver {sample.driver}, CUDA {sample.cuda_version or 'n/a'}", style="dim"),
        table,
    ]
    if procs.row_count:
        parts += [Text(""), procs]
    return Group(*parts)
