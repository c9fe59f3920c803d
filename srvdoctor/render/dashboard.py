"""Compact dashboards for `srvdoctor load` and `srvdoctor gpu`: a rich renderable per reading."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from srvdoctor.messages import _
from srvdoctor.probes.nvml import GpuSample
from srvdoctor.probes.system import LoadReadings, ProcInfo
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
        grid.add_row(_("where"), Text(r.container.describe()), "")
    cpu = r.cpu
    for i, pct in enumerate(cpu.per_core_percent):
        grid.add_row(f"cpu{i}", bar(pct), "")
    grid.add_row(
        _("cpu"),
        bar(cpu.total_percent),
        _("iowait {iowait:.0f}%  steal {steal:.0f}%").format(
            iowait=cpu.iowait_percent, steal=cpu.steal_percent
        ),
    )
    grid.add_row(
        _("load"),
        Text(f"{r.load.avg1:.2f} {r.load.avg5:.2f} {r.load.avg15:.2f}"),
        _("1, 5, 15 min ({cpus} CPUs)").format(cpus=r.load.cpus),
    )
    mem = r.memory
    used_pct = 100.0 - mem.available_percent
    grid.add_row(
        _("mem"),
        bar(used_pct),
        _("{available} available of {total}").format(
            available=naturalsize(mem.available_bytes), total=naturalsize(mem.total_bytes)
        ),
    )
    lim = r.limits
    if lim is not None and lim.memory_limit is not None and lim.working_set is not None:
        value = lim.memory_limit.value
        grid.add_row(
            _("limit"),
            bar(100.0 * lim.working_set / value if value else 100.0),
            _("{used} used of the cgroup's {limit} memory limit").format(
                used=naturalsize(lim.working_set), limit=naturalsize(value)
            ),
        )
    if lim is not None and lim.cpu_quota is not None and cpu.cgroup_cpu_cores is not None:
        quota = lim.cpu_quota.value
        grid.add_row(
            _("quota"),
            bar(100.0 * cpu.cgroup_cpu_cores / quota if quota else 100.0),
            _("{cores:.2f} of the cgroup's {quota:g}-CPU quota").format(
                cores=cpu.cgroup_cpu_cores, quota=quota
            ),
        )
    if mem.swap_total_bytes:
        grid.add_row(
            _("swap"),
            bar(mem.swap_used_percent),
            _("{used} of {total}, in {swap_in}/s out {swap_out}/s").format(
                used=naturalsize(mem.swap_used_bytes), total=naturalsize(mem.swap_total_bytes),
                swap_in=naturalsize(cpu.swap_in_per_s), swap_out=naturalsize(cpu.swap_out_per_s),
            ),
        )  # fmt: skip
    else:
        grid.add_row(_("swap"), Text(_("none configured"), style="dim"), "")
    if r.pressure:
        psi = "  ".join(
            f"{'mem' if res == 'memory' else res} {kinds.get('some', {}).get('avg10', 0.0):.1f}"
            + (f"/{kinds['full'].get('avg10', 0.0):.1f}" if "full" in kinds and res != "cpu" else "")
            + "%"
            for res, kinds in r.pressure.items()
        )
        grid.add_row(_("psi"), Text(_("pressure, avg10 some/full")), psi)

    busy = [p for p in cpu.top_cpu[:top] if p.cpu_percent >= 0.5]
    by_cpu = _process_table(busy, _("top by CPU"), _("{seconds:.2f} s sample").format(seconds=cpu.interval_s))
    by_mem = _process_table(list(cpu.top_mem[:top]), _("top by memory (resident)"), "")
    parts: list[RenderableType] = [grid, Text("")]
    if busy:
        parts += [by_cpu, Text("")]
    parts.append(by_mem)
    return Group(*parts)


#: Interpreters and launchers whose first argument that is not an option is the program.
_LAUNCHERS = frozenset({"python", "python2", "python3", "node", "bash", "sh", "ruby", "perl", "java",
                        "torchrun", "accelerate", "deepspeed", "uv", "poetry"})  # fmt: skip


def short_command(cmdline: str, name: str) -> str:
    """What a person calls the process: `python …/train.py --lr 3e-4` → `python train.py --lr 3e-4`.

    For an interpreter the script's base name is kept (the part that tells two jobs
    apart); `-m module` stays as written; other programs lose their directory.
    """
    words = cmdline.split()
    if not words:
        return name
    program = words[0].rsplit("/", 1)[-1]
    base = program.rstrip("0123456789.") or program
    rest = words[1:]
    if base in _LAUNCHERS:
        for i, word in enumerate(rest):
            if word in {"-m", "-c"}:
                break
            if not word.startswith("-"):
                rest = [*rest[:i], word.rsplit("/", 1)[-1], *rest[i + 1 :]]
                break
    return " ".join([program, *rest])


def _process_table(procs: list[ProcInfo], title: str, note: str) -> Table:
    table = Table(box=None, header_style="bold", pad_edge=False, title_justify="left",
                  title=f"{title}" + (f" ({note})" if note else ""), title_style="bold")  # fmt: skip
    table.add_column(_("pid"), justify="right", no_wrap=True, min_width=7)
    table.add_column(_("user"), no_wrap=True, min_width=4, max_width=10, overflow="ellipsis")
    table.add_column(_("cpu%"), justify="right", no_wrap=True, min_width=4)
    table.add_column(_("rss"), justify="right", no_wrap=True, min_width=9)
    table.add_column(_("command"), no_wrap=True, overflow="ellipsis", max_width=46)
    for p in procs:
        command = escape(short_command(p.cmdline or "", p.name))
        table.add_row(str(p.pid), escape(p.user), f"{p.cpu_percent:.0f}", naturalsize(p.rss_bytes), command)
    return table


def gpu_dashboard(sample: GpuSample) -> RenderableType:
    table = Table(box=None, header_style="bold", pad_edge=False)
    # the name and the throttle reasons wrap when the terminal is narrow (80 columns): the
    # numbers beside them stay whole, in every language
    for col, wrap in (
        (_("gpu"), False), (_("name"), True), (_("memory"), False), (_("util"), False), (_("temp"), False),
        (_("power"), False), (_("pstate"), False), (_("clocks"), True),
    ):  # fmt: skip
        table.add_column(col, no_wrap=not wrap, overflow="fold" if wrap else "ellipsis")
    na = _("n/a")
    for d in sample.devices:
        table.add_row(
            str(d.index),
            escape(d.name),
            f"{naturalsize(d.memory_used)} / {naturalsize(d.memory_total)}",
            f"{d.util_gpu}%" if d.util_gpu is not None else na,
            f"{d.temperature} °C" if d.temperature is not None else na,
            f"{d.power_mw / 1000:.0f} / {d.power_limit_mw / 1000:.0f} W"
            if d.power_mw is not None and d.power_limit_mw
            else na,
            f"P{d.pstate}" if d.pstate is not None else na,
            ", ".join(d.reasons) or "-",
        )
    procs = Table(box=None, header_style="bold", pad_edge=False)
    for col, wrap in ((_("gpu"), False), (_("pid"), False), (_("user"), False), (_("gpu memory"), False),
                      (_("command"), True)):  # fmt: skip
        procs.add_column(col, no_wrap=not wrap)
    for d in sample.devices:
        for p in d.processes:
            procs.add_row(
                str(d.index),
                str(p.pid),
                escape(p.user or "?"),
                naturalsize(p.used_bytes or 0),
                escape(p.cmdline or p.name or _("(not visible here)")),
            )
    parts: list[RenderableType] = [
        Text(
            _("driver {driver}, CUDA {cuda}").format(driver=sample.driver, cuda=sample.cuda_version or na),
            style="dim",
        ),
        table,
    ]
    if procs.row_count:
        parts += [Text(""), procs]
    return Group(*parts)
