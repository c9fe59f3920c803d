"""`srvdoctor disk [PATH]`: df (space and inodes), a du-style tree, largest files, space eaters."""

from __future__ import annotations

import dataclasses
import os
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from srvdoctor.commands.common import (
    ConfigOpt,
    FormatOpt,
    OutputOpt,
    TimeoutOpt,
    UsageError,
    check_format,
    check_timeout,
    console,
    flush_console,
    load,
    print_json,
)
from srvdoctor.constants import COMMAND_FORMATS
from srvdoctor.render.safe import visible
from srvdoctor.shellcmd import cmd, quote

if TYPE_CHECKING:
    from rich.console import Console

    from srvdoctor.model import Report
    from srvdoctor.probes.filesystems import Filesystem, FilesystemError
    from srvdoctor.probes.scan import Node, ScanResult

MAX_DEPTH = 64


def disk(
    path: Annotated[
        str | None,
        typer.Argument(metavar="[PATH]", help="Directory to measure (default: the fullest filesystem)."),
    ] = None,
    depth: Annotated[int, typer.Option("--depth", "-d", help="Directory levels to show.", metavar="N")] = 2,
    top: Annotated[
        int, typer.Option("--top", "-n", help="Largest entries per level, and files.", metavar="N")
    ] = 10,
    show_all: Annotated[
        bool, typer.Option("--all", help="Show pseudo filesystems in the df view too.")
    ] = False,
    apparent_size: Annotated[
        bool, typer.Option("--apparent-size", help="Byte lengths instead of allocated blocks (sparse files).")
    ] = False,
    cross_mounts: Annotated[
        bool, typer.Option("--cross-mounts", help="Descend into other filesystems mounted below PATH.")
    ] = False,
    max_time: Annotated[
        float | None,
        typer.Option(
            "--max-time", help="Stop the scan after SECONDS; show what was scanned.", metavar="SECONDS"
        ),
    ] = None,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    timeout: TimeoutOpt = None,
    config_path: ConfigOpt = None,
) -> None:
    """Where the space went: df, then du to --depth with the largest files and known space eaters."""
    check_format(fmt, COMMAND_FORMATS)
    if path is not None and (not path or "\0" in path):  # "" is not the current directory
        raise UsageError("PATH is empty or contains a NUL byte (the current directory is .)")
    if not 0 <= depth <= MAX_DEPTH:
        raise UsageError(f"--depth must be between 0 and {MAX_DEPTH}, not {depth}")
    if not 1 <= top <= 1000:
        raise UsageError(f"--top must be between 1 and 1000, not {top}")
    if max_time is not None and not 0 < max_time <= 86400:
        raise UsageError(f"--max-time must be between 0 and 86400 seconds, not {max_time:g}")
    config = load(config_path)
    probe_timeout = check_timeout(timeout, config)

    from srvdoctor.probes.filesystems import Filesystem, filesystems

    real = filesystems(probe_timeout)
    shown = filesystems(probe_timeout, include_pseudo=True) if show_all else real
    if path is None:
        readable = [fs for fs in real if isinstance(fs, Filesystem)]
        path = max(readable, key=lambda fs: fs.used_percent).mountpoint if readable else "/"

    from srvdoctor.probes.scan import scan

    own = _filesystem_of(path, real, probe_timeout)
    progress = _progress_line if sys.stderr.isatty() else None
    try:
        result = scan(
            path,
            depth=depth,
            top=top,
            apparent_size=apparent_size,
            cross_mounts=cross_mounts,
            max_time=max_time,
            progress=progress,
            by_items=bool(_inodes_full(own)),
        )
    except FileNotFoundError:
        what = cmd("srvdoctor", "path", path)
        raise UsageError(f"{path}: no such directory ({what} says what is missing)") from None
    except NotADirectoryError:
        raise UsageError(f"{path}: not a directory ({cmd('ls', '-l', path)})") from None
    except PermissionError:
        raise UsageError(f"{path}: permission denied: cannot read it as this user (try sudo)") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot scan: {exc.strerror or exc}") from None
    finally:
        if progress is not None:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()

    report = _disk_checks(config, probe_timeout, own)
    if fmt == "json":
        print_json(_as_json(path, depth, top, shown, result, report, own), output)
    else:
        con = console(output)
        _print(con, shown, result, report, depth, config, own)
        flush_console(con, output)
    raise typer.Exit(report.exit_code(_fail_on(config.fail_on)))


def _fail_on(name: str) -> Any:
    from srvdoctor.model import FAIL_ON

    return FAIL_ON[name]


def _progress_line(files: int, current: str) -> None:
    tail = visible(current if len(current) <= 70 else "..." + current[-67:])
    sys.stderr.write(f"\r\x1b[Kscanning: {files:,} entries  {tail}")
    sys.stderr.flush()


def _filesystem_of(
    path: str, real: list[Filesystem | FilesystemError], timeout: float
) -> list[Filesystem | FilesystemError]:
    """The filesystem PATH lives on (the one `disk PATH` judges), from the same df reading.

    Matched by device number, else by the longest mount point above PATH (btrfs subvolumes
    report another st_dev than mountinfo); a pseudo filesystem (PATH on /dev/shm...) is read too.
    """
    import os

    from srvdoctor.probes.filesystems import filesystems

    try:
        st_dev = os.stat(path).st_dev
    except OSError:
        return []
    device = f"{os.major(st_dev)}:{os.minor(st_dev)}"
    real_path = os.path.realpath(path)
    for pseudo in (False, True):
        candidates = filesystems(timeout, include_pseudo=True) if pseudo else real
        by_device = [fs for fs in candidates if getattr(fs, "device", None) == device]
        if by_device:
            return by_device[:1]
        above = [fs for fs in candidates if _is_under(real_path, fs.mountpoint)]
        if above:
            return [max(above, key=lambda fs: len(fs.mountpoint))]
    return []


def _is_under(path: str, mountpoint: str) -> bool:
    return mountpoint in ("/", path) or path.startswith(mountpoint.rstrip("/") + "/")


def _disk_checks(config: Any, timeout: float, own: list[Filesystem | FilesystemError]) -> Report:
    """disk.space, disk.inodes and disk.deleted_open for PATH's own filesystem only.

    Other filesystems stay in the df table but do not change the verdict or the exit code.
    """
    from srvdoctor.checks import registry
    from srvdoctor.checks.base import CheckContext
    from srvdoctor.runner import run_report

    ctx = CheckContext(config=config, timeout=timeout)
    ctx.memo("filesystems", lambda: own)
    ctx.memo("disk.scope", lambda: True)  # disk.deleted_open: only files on those filesystems
    # the checks that judge a filesystem; disk.shm (/dev/shm's size) is check's, not PATH's
    ids = ("disk.space", "disk.inodes", "disk.deleted_open")
    checks = registry.build(list(registry.by_id(ids).values()), config)
    report = run_report(checks, ctx)
    # "srvdoctor disk M --depth 2" is the command just run: do not suggest it again
    results = [
        dataclasses.replace(r, hints=tuple(h for h in r.hints if not h.startswith("srvdoctor disk ")))
        for r in report.results
    ]
    return dataclasses.replace(report, results=results)


def _inodes_full(own: list[Filesystem | FilesystemError]) -> Filesystem | None:
    """PATH's filesystem when its inodes, not its bytes, are what is running out (>= 80 %)."""
    from srvdoctor.probes.filesystems import Filesystem

    for fs in own:
        if (isinstance(fs, Filesystem) and fs.has_inodes and fs.inodes_used_percent >= 80
                and fs.inodes_used_percent >= fs.used_percent):  # fmt: skip
            return fs
    return None


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def _reserve_note(fs: Filesystem) -> str:
    """Why used + avail < size: blocks free but not available to users (statvfs f_bfree - f_bavail)."""
    from srvdoctor.checks.disk import is_ext, reserve_holder
    from srvdoctor.units import naturalsize

    share = 100.0 * fs.reserved_bytes / fs.size_bytes if fs.size_bytes else 0.0
    text = (
        f"{fs.mountpoint}: {naturalsize(fs.reserved_bytes)} ({share:.0f}% of the size) is free but "
        f"{reserve_holder(fs)} (statvfs: free blocks minus those available to users)"
    )
    if is_ext(fs):
        text += f"; ext4 keeps 5% by default: tune2fs -l {fs.source} | grep -i 'reserved block'"
        if share > 6:
            text += f" (this one keeps {share:.0f}%: set by tune2fs -m or the resuid/resgid mount options)"
    return text


def _df_gap(own: list[Filesystem | FilesystemError], r: ScanResult) -> tuple[Filesystem, int] | None:
    """(PATH's filesystem, bytes df counts used that the scan did not find), when PATH is its root."""
    from srvdoctor.probes.filesystems import Filesystem

    fs = next((f for f in own if isinstance(f, Filesystem)), None)
    if fs is None or r.apparent_size or r.incomplete or os.path.realpath(fs.mountpoint) != r.root.path:
        return None
    gap = fs.used_bytes - r.root.bytes
    if gap <= max(1024**2, fs.used_bytes // 20):  # metadata, journal: a few percent
        return None
    return fs, gap


def _gap_lines(fs: Filesystem, gap: int, r: ScanResult, report: Report) -> list[str]:
    """What the df/du gap can be, with what this run read about each cause."""
    from srvdoctor.units import naturalsize

    share = 100.0 * gap / fs.used_bytes if fs.used_bytes else 0.0
    held = sum(
        int(x.data.get("held_bytes", 0) or 0)
        for x in report.results
        if x.check == "disk.deleted_open" and x.target == fs.mountpoint
    )
    lines = [
        f"df counts {naturalsize(fs.used_bytes)} used on {fs.mountpoint}, the scan found "
        f"{naturalsize(r.root.bytes)}: {naturalsize(gap)} ({share:.0f}%) is where the scan cannot see. "
        "It is not the reserve (df leaves that out of used). It can be:",
        f"deleted files still open: {naturalsize(held)} on {fs.mountpoint} (see below)"
        if held
        else "deleted files still open: none found on this filesystem (see below)",
    ]
    if r.errors:
        lines.append(f"{r.errors:,} unreadable director{'y' if r.errors == 1 else 'ies'}: "
                     "their contents were not counted (run as root)")  # fmt: skip
    if r.skipped_mounts:
        # another filesystem mounted on a directory hides what was written into it before
        first = r.skipped_mounts[0]
        inner = os.path.relpath(first, fs.mountpoint)
        more = f" (and {len(r.skipped_mounts) - 1} more mount points)" if len(r.skipped_mounts) > 1 else ""
        lines.append(
            f"files hidden under the mount point {first}{more}: written there before a filesystem "
            f"was mounted over it; see them with: mount --bind {fs.mountpoint} /mnt/peek && "
            f"du -sh /mnt/peek/{inner}"
        )
    else:
        lines.append(
            "files hidden under a mount point (none is mounted below it now; one mounted earlier and "
            f"gone keeps nothing hidden): mount --bind {fs.mountpoint} /mnt/peek && du -sh /mnt/peek/*"
        )
    lines.append("filesystem metadata and snapshots (journal, btrfs/ZFS snapshots)")
    return lines


# ---------------------------------------------------------------------- JSON


def _fs_json(fs: Filesystem | FilesystemError) -> dict[str, Any]:
    from srvdoctor.probes.filesystems import Filesystem

    if not isinstance(fs, Filesystem):
        return {"mountpoint": fs.mountpoint, "fstype": fs.fstype, "error": fs.reason}
    return {
        "mountpoint": fs.mountpoint,
        "source": fs.source,
        "fstype": fs.fstype,
        "readonly": fs.readonly,
        "size_bytes": fs.size_bytes,
        "used_bytes": fs.used_bytes,
        "avail_bytes": fs.avail_bytes,
        "reserved_bytes": fs.reserved_bytes,
        "used_percent": round(fs.used_percent, 2),
        "inodes_total": fs.inodes_total,
        "inodes_used": fs.inodes_used,
        "inodes_used_percent": round(fs.inodes_used_percent, 2) if fs.has_inodes else None,
    }


def _node_json(node: Node, apparent: bool) -> dict[str, Any]:
    return {
        "path": node.path,
        "bytes": node.apparent if apparent else node.bytes,
        "allocated_bytes": node.bytes,
        "apparent_bytes": node.apparent,
        "items": node.items,
        "dirs": node.dirs,
        "children": [_node_json(c, apparent) for c in node.children],
    }


def _as_json(
    path: str,
    depth: int,
    top: int,
    shown: list[Filesystem | FilesystemError],
    r: ScanResult,
    report: Report,
    own: list[Filesystem | FilesystemError],
) -> dict[str, Any]:
    gap = _df_gap(own, r)
    return {
        "schema": 1,
        "tool": report.tool,
        "version": report.version,
        "host": report.host,
        "command": "disk",
        "path": r.root.path,
        "depth": depth,
        "top": top,
        "apparent_size": r.apparent_size,
        "status": report.status.value,
        "filesystems": [_fs_json(fs) for fs in shown],
        "tree": _node_json(r.root, r.apparent_size),
        "top_files": [
            {
                "path": f.path,
                "bytes": f.apparent if r.apparent_size else f.bytes,
                "allocated_bytes": f.bytes,
                "apparent_bytes": f.apparent,
            }
            for f in r.top_files
        ],
        "space_eaters": [_eater_json(e) for e in r.eaters],
        "scan": {
            "complete": r.incomplete is None,
            "incomplete": r.incomplete,
            "entries": r.scanned,
            "unreadable_dirs": r.errors,
            "unreadable_examples": list(r.error_examples),
            "other_filesystems_skipped": list(r.skipped_mounts),
            "duration_s": round(r.duration_s, 6),
            "workers": r.workers,
            "stolen": r.stolen,
            "order": "items" if r.by_items else "bytes",
            "filesystem": own[0].mountpoint if own else None,
            "df_gap_bytes": gap[1] if gap else None,
            "df_gap_causes": _gap_lines(*gap, r, report)[1:] if gap else [],
        },
        "results": [x.to_dict() for x in report.results],
    }


def _eater_json(e: Any) -> dict[str, Any]:
    from srvdoctor.probes.spaceeaters import KINDS

    kind = KINDS[e.kind]
    return {
        "kind": e.kind,
        "title": kind.title,
        "path": e.path,
        "bytes": e.bytes,
        "apparent_bytes": e.apparent,
        "safe_to_clean": kind.safe,
        "command": kind.command.replace("{path}", quote(e.path)),
    }


# ---------------------------------------------------------------------- table


def _print(
    con: Console,
    shown: list[Filesystem | FilesystemError],
    r: ScanResult,
    report: Report,
    depth: int,
    config: Any,
    own: list[Filesystem | FilesystemError],
) -> None:
    from rich.table import Table

    from srvdoctor.probes.filesystems import Filesystem
    from srvdoctor.probes.spaceeaters import KINDS
    from srvdoctor.render.safe import fit_middle
    from srvdoctor.render.safe import markup as escape
    from srvdoctor.units import naturalsize

    con.print("[bold underline]filesystems[/bold underline] (df)")
    table = Table(box=None, header_style="bold", pad_edge=False)
    for name, justify in (
        ("mount", "left"),
        ("type", "left"),
        ("size", "right"),
        ("used", "right"),
        ("avail", "right"),
        ("use%", "right"),
        ("inodes%", "right"),
        ("source", "left"),
    ):
        table.add_column(name, justify=justify, overflow="ellipsis", no_wrap=True)  # type: ignore[arg-type]
    notes = []
    # the fixed columns take about 56 cells; mount and source share the rest (80 columns
    # and up), each cut in its middle so both ends of a path stay readable
    free = max(con.width - 56, 24)
    mount_w, source_w = free * 3 // 5, free - free * 3 // 5
    for fs in shown:
        if not isinstance(fs, Filesystem):
            table.add_row(
                escape(fit_middle(fs.mountpoint, mount_w)), fs.fstype, "", "", "", "", "",
                f"[red]{escape(fs.reason)}[/red]",
            )  # fmt: skip
            continue
        pct = fs.used_percent
        style = "bold red" if pct >= 90 else "yellow" if pct >= 80 else ""
        inodes = f"{fs.inodes_used_percent:.0f}%" if fs.has_inodes else "-"
        table.add_row(
            escape(fit_middle(fs.mountpoint, mount_w)),
            fs.fstype,
            naturalsize(fs.size_bytes),
            naturalsize(fs.used_bytes),
            naturalsize(fs.avail_bytes),
            f"[{style}]{pct:.0f}%[/{style}]" if style else f"{pct:.0f}%",
            inodes,
            escape(fit_middle(fs.source, source_w)),
        )
        if fs.reserved_bytes:
            notes.append(_reserve_note(fs))
    con.print(table)
    for note in notes:
        con.print(f"  [dim]{escape(note)}[/dim]")
    con.print()

    def size_of(n: Node) -> int:
        return n.apparent if r.apparent_size else n.bytes

    mode = "apparent size" if r.apparent_size else "allocated size, like du"
    total = size_of(r.root)
    by_entries = _inodes_full(own)
    if by_entries:
        mode += "; inodes are what is full: directories with the most entries first, like du --inodes"
    con.print(
        f"[bold underline]{escape(r.root.path)}[/bold underline] [bold]{naturalsize(total)}[/bold], "
        f"{_plural(r.root.items, 'item')} [dim]({mode}; depth {depth}; {r.scanned:,} entries in "
        f"{r.duration_s:.2f} s)[/dim]"
    )
    tree = Table(box=None, header_style="bold", pad_edge=False)
    tree.add_column("size", justify="right")
    tree.add_column("share", justify="right")
    tree.add_column("items", justify="right")
    tree.add_column("path", no_wrap=True, overflow="ellipsis")
    path_w = max(con.width - 24, 20)  # size, share and items take about 24 cells

    def add(node: Node, level: int) -> None:
        shown_sum = 0
        for child in node.children:
            size = size_of(child)
            shown_sum += size
            share = 100.0 * size / size_of(node) if size_of(node) else 0.0
            tree.add_row(
                naturalsize(size),
                f"{share:.0f}%",
                f"{child.items:,}",
                "  " * level + escape(fit_middle(child.path + "/", path_w - 2 * level)),
            )
            add(child, level + 1)
        rest = size_of(node) - shown_sum
        hidden = node.dirs - len(node.children)
        if node.children and rest > 0:
            what = f"files in {node.path}" + (f" and {hidden} smaller directories" if hidden > 0 else "")
            share = 100.0 * rest / size_of(node) if size_of(node) else 0.0
            tree.add_row(
                f"[dim]{naturalsize(rest)}[/dim]",
                f"[dim]{share:.0f}%[/dim]",
                "",
                "  " * level + f"[dim]({escape(what)})[/dim]",
            )

    add(r.root, 0)
    if r.root.children:
        con.print(tree)
    gap = _df_gap(own, r)
    if gap is not None:
        first, *causes = _gap_lines(*gap, r, report)
        con.print(f"[yellow]{escape(first)}[/yellow]")
        for cause in causes:
            con.print(f"  - {escape(cause)}")
    con.print()

    if r.top_files:
        con.print("[bold underline]largest files[/bold underline]")
        files = Table(box=None, show_header=False, pad_edge=False)
        files.add_column(justify="right")
        files.add_column()
        for f in r.top_files:
            size = f.apparent if r.apparent_size else f.bytes
            sparse = (
                f" [dim](apparent {naturalsize(f.apparent)})[/dim]" if f.apparent > 2 * f.bytes + 4096 else ""
            )
            files.add_row(naturalsize(size), escape(f.path) + sparse)
        con.print(files)
        con.print()

    if r.eaters:
        con.print("[bold underline]known space eaters[/bold underline]")
        for e in r.eaters:
            kind = KINDS[e.kind]
            size = e.apparent if r.apparent_size else e.bytes
            con.print(
                f"  [bold]{naturalsize(size)}[/bold]  {escape(e.path)}  [dim]{escape(kind.title)}[/dim]"
            )
            con.print(f"      safe to clean: {escape(kind.safe)}")
            con.print(f"      → try: [cyan]{escape(kind.command.replace('{path}', quote(e.path)))}[/cyan]")
        con.print("  [dim]srvdoctor never deletes anything: read what a command removes first.[/dim]")
        con.print()

    if r.incomplete:
        con.print(
            f"[bold yellow]incomplete scan ({r.incomplete}): sizes above are what was scanned "
            f"so far ({r.scanned:,} entries)[/bold yellow]"
        )
    if r.errors:
        example = r.error_examples[0] if r.error_examples else ""
        con.print(
            f"[yellow]partial result: {r.errors} director{'y' if r.errors == 1 else 'ies'} "
            f"unreadable, e.g. {escape(example)}[/yellow]"
        )
    if r.skipped_mounts:
        more = " ..." if len(r.skipped_mounts) >= 20 else ""
        con.print(
            f"[dim]not scanned (other filesystems; --cross-mounts enters them): "
            f"{escape(', '.join(r.skipped_mounts[:5]))}{more}[/dim]"
        )

    from srvdoctor.playbooks import load_library
    from srvdoctor.render.table import print_result, verdict

    linked = any(x.playbook for x in report.results)  # the notes (YAML) only when a result links one
    paths = load_library(config.resolved_notes_dir()).paths() if linked else {}
    con.print("[bold underline]deleted but open files[/bold underline]")
    for res in report.results:
        if res.check == "disk.deleted_open":
            print_result(con, res, paths)
            if res.status.value == "ok":
                for line in res.details:
                    con.print(f"      {escape(line)}")
    problems = [x for x in report.results if x.check != "disk.deleted_open" and x.status.is_problem]
    if problems:
        con.print("[bold underline]disk checks[/bold underline]")
        for res in problems:
            print_result(con, res, paths)
    text, style = verdict(report)
    con.print(escape(text), style=style)
