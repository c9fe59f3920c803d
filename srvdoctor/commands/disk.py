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
from srvdoctor.messages import N_, _, display_language, localize, ngettext, oserror, t, tn
from srvdoctor.render.safe import visible
from srvdoctor.shellcmd import cmd, quote

if TYPE_CHECKING:
    from rich.console import Console

    from srvdoctor.model import Report
    from srvdoctor.probes.filesystems import Filesystem, FilesystemError
    from srvdoctor.probes.scan import Node, ScanResult

MAX_DEPTH = 64
#: Why a scan stopped early (probes/scan.py's `incomplete`): a data value, translated where printed.
_INCOMPLETE = {"time limit": N_("time limit"), "interrupted": N_("interrupted")}


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
        raise UsageError(_("PATH is empty or contains a NUL byte (the current directory is .)"))
    if not 0 <= depth <= MAX_DEPTH:
        raise UsageError(
            _("--depth must be between 0 and {max}, not {depth}").format(max=MAX_DEPTH, depth=depth)
        )
    if not 1 <= top <= 1000:
        raise UsageError(_("--top must be between 1 and 1000, not {top}").format(top=top))
    if max_time is not None and not 0 < max_time <= 86400:
        raise UsageError(
            _("--max-time must be between 0 and 86400 seconds, not {max_time:g}").format(max_time=max_time)
        )
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
        raise UsageError(
            _("{path}: no such directory ({what} says what is missing)").format(path=path, what=what)
        ) from None
    except NotADirectoryError:
        raise UsageError(
            _("{path}: not a directory ({what})").format(path=path, what=cmd("ls", "-l", path))
        ) from None
    except PermissionError:
        raise UsageError(
            _("{path}: permission denied: cannot read it as this user (try sudo)").format(path=path)
        ) from None
    except OSError as exc:
        raise UsageError(
            _("{path}: cannot scan: {reason}").format(path=path, reason=localize(oserror(exc)))
        ) from None
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
    sys.stderr.write(
        "\r\x1b[K" + _("scanning: {files} entries  {path}").format(files=f"{files:,}", path=tail)
    )
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


def _reserve_note(fs: Filesystem) -> str:  # a Msg: printed in the display language
    """Why used + avail < size: blocks free but not available to users (statvfs f_bfree - f_bavail)."""
    from srvdoctor.checks.disk import is_ext, reserve_holder
    from srvdoctor.units import naturalsize

    share = 100.0 * fs.reserved_bytes / fs.size_bytes if fs.size_bytes else 0.0
    text = t(
        "{mount}: {size} ({share:.0f}% of the size) is free but {holder} "
        "(statvfs: free blocks minus those available to users)",
        mount=fs.mountpoint, size=naturalsize(fs.reserved_bytes), share=share, holder=reserve_holder(fs),
    )  # fmt: skip
    if not is_ext(fs):
        return text
    tune2fs = f"tune2fs -l {fs.source} | grep -i 'reserved block'"
    ext4 = t("ext4 keeps 5% by default: {command}", command=tune2fs)
    if share > 6:
        keeps = t(
            "(this one keeps {share:.0f}%: set by tune2fs -m or the resuid/resgid mount options)", share=share
        )
        return t("{note}; {ext4} {keeps}", note=text, ext4=ext4, keeps=keeps)
    return t("{note}; {ext4}", note=text, ext4=ext4)


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
    lines: list[str] = [
        t(
            "df counts {used} used on {mount}, the scan found {found}: {gap} ({share:.0f}%) is where "
            "the scan cannot see. It is not the reserve (df leaves that out of used). It can be:",
            used=naturalsize(fs.used_bytes), mount=fs.mountpoint, found=naturalsize(r.root.bytes),
            gap=naturalsize(gap), share=share,
        ),
        t("deleted files still open: {size} on {mount} (see below)", size=naturalsize(held),
          mount=fs.mountpoint)
        if held
        else t("deleted files still open: none found on this filesystem (see below)"),
    ]  # fmt: skip
    if r.errors:
        count = f"{r.errors:,}"
        lines.append(tn("{count} unreadable directory: their contents were not counted (run as root)",
                        "{count} unreadable directories: their contents were not counted (run as root)",
                        r.errors, count=count))  # fmt: skip
    if r.skipped_mounts:
        # another filesystem mounted on a directory hides what was written into it before
        first = r.skipped_mounts[0]
        inner = os.path.relpath(first, fs.mountpoint)
        command = f"mount --bind {fs.mountpoint} /mnt/peek && du -sh /mnt/peek/{inner}"
        if len(r.skipped_mounts) > 1:
            lines.append(t(
                "files hidden under the mount point {first} (and {more} more mount points): written there "
                "before a filesystem was mounted over it; see them with: {command}",
                first=first, more=len(r.skipped_mounts) - 1, command=command,
            ))  # fmt: skip
        else:
            lines.append(t(
                "files hidden under the mount point {first}: written there before a filesystem was "
                "mounted over it; see them with: {command}",
                first=first, command=command,
            ))  # fmt: skip
    else:
        command = f"mount --bind {fs.mountpoint} /mnt/peek && du -sh /mnt/peek/*"
        lines.append(t(
            "files hidden under a mount point (none is mounted below it now; one mounted earlier and "
            "gone keeps nothing hidden): {command}",
            command=command,
        ))  # fmt: skip
    lines.append(t("filesystem metadata and snapshots (journal, btrfs/ZFS snapshots)"))
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
    from rich.cells import cell_len
    from rich.table import Table

    from srvdoctor.probes.filesystems import Filesystem
    from srvdoctor.probes.spaceeaters import KINDS
    from srvdoctor.render.safe import fit_middle
    from srvdoctor.render.safe import markup as escape
    from srvdoctor.units import naturalsize

    report = report.localized(display_language())  # the results' text in the language spoken
    con.print("[bold underline]" + escape(_("filesystems")) + "[/bold underline] (df)")
    table = Table(box=None, header_style="bold", pad_edge=False)
    for name, justify in (
        (N_("mount"), "left"),
        (N_("type"), "left"),
        (N_("size"), "right"),
        (N_("used"), "right"),
        (N_("avail"), "right"),
        (N_("use%"), "right"),
        (N_("inodes%"), "right"),
        (N_("source"), "left"),
    ):
        table.add_column(_(name), justify=justify, overflow="ellipsis", no_wrap=True)  # type: ignore[arg-type]
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
        con.print(f"  [dim]{escape(localize(note))}[/dim]")
    con.print()

    def size_of(n: Node) -> int:
        return n.apparent if r.apparent_size else n.bytes

    mode = _("apparent size") if r.apparent_size else _("allocated size, like du")
    total = size_of(r.root)
    by_entries = _inodes_full(own)
    if by_entries:
        mode += "; " + _("inodes are what is full: directories with the most entries first, like du --inodes")
    items = ngettext("{n} item", "{n} items", r.root.items).format(n=f"{r.root.items:,}")
    how = _("({mode}; depth {depth}; {entries} entries in {seconds:.2f} s)").format(
        mode=mode, depth=depth, entries=f"{r.scanned:,}", seconds=r.duration_s
    )
    con.print(
        f"[bold underline]{escape(r.root.path)}[/bold underline] [bold]{naturalsize(total)}[/bold], "
        f"{escape(items)} [dim]{escape(how)}[/dim]"
    )
    tree = Table(box=None, header_style="bold", pad_edge=False)
    tree.add_column(_("size"), justify="right")
    tree.add_column(_("share"), justify="right")
    tree.add_column(_("items"), justify="right")
    tree.add_column(_("path"), no_wrap=True, overflow="ellipsis")
    # size (at most 10 cells: "1023.9 KiB"), share and items (their headers may be wider than
    # their numbers, in any language) and the gaps between the four columns take the rest
    numbers = 10 + max(4, cell_len(_("share"))) + max(len(f"{r.root.items:,}"), cell_len(_("items")))
    path_w = max(con.width - numbers - 6, 20)

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
            what = (
                _("files in {path} and {hidden} smaller directories").format(path=node.path, hidden=hidden)
                if hidden > 0
                else _("files in {path}").format(path=node.path)
            )
            share = 100.0 * rest / size_of(node) if size_of(node) else 0.0
            tree.add_row(
                f"[dim]{naturalsize(rest)}[/dim]",
                f"[dim]{share:.0f}%[/dim]",
                "",
                # cut like the paths above: a long one would squeeze the numbers out of the table
                "  " * level + f"[dim]{escape(fit_middle(f'({what})', path_w - 2 * level))}[/dim]",
            )

    add(r.root, 0)
    if r.root.children:
        con.print(tree)
    gap = _df_gap(own, r)
    if gap is not None:
        first, *causes = _gap_lines(*gap, r, report)
        con.print(f"[yellow]{escape(localize(first))}[/yellow]")
        for cause in causes:
            con.print(f"  - {escape(localize(cause))}")
    con.print()

    if r.top_files:
        con.print("[bold underline]" + escape(_("largest files")) + "[/bold underline]")
        files = Table(box=None, show_header=False, pad_edge=False)
        files.add_column(justify="right")
        files.add_column()
        for f in r.top_files:
            size = f.apparent if r.apparent_size else f.bytes
            apparent = _("(apparent {size})").format(size=naturalsize(f.apparent))
            sparse = f" [dim]{escape(apparent)}[/dim]" if f.apparent > 2 * f.bytes + 4096 else ""
            files.add_row(naturalsize(size), escape(f.path) + sparse)
        con.print(files)
        con.print()

    if r.eaters:
        con.print("[bold underline]" + escape(_("known space eaters")) + "[/bold underline]")
        for e in r.eaters:
            kind = KINDS[e.kind]
            size = e.apparent if r.apparent_size else e.bytes
            con.print(
                f"  [bold]{naturalsize(size)}[/bold]  {escape(e.path)}  [dim]{escape(_(kind.title))}[/dim]"
            )
            con.print("      " + escape(_("safe to clean: {what}").format(what=_(kind.safe))))
            command = escape(kind.command.replace("{path}", quote(e.path)))
            try_label = escape(_("try:"))
            con.print(f"      → {try_label} [cyan]{command}[/cyan]")
        never = _("srvdoctor never deletes anything: read what a command removes first.")
        con.print(f"  [dim]{escape(never)}[/dim]")
        con.print()

    if r.incomplete:
        why = _(_INCOMPLETE.get(r.incomplete, r.incomplete))
        incomplete = _("incomplete scan ({why}): sizes above are what was scanned so far ({entries} entries)")
        con.print(
            f"[bold yellow]{escape(incomplete.format(why=why, entries=f'{r.scanned:,}'))}[/bold yellow]"
        )
    if r.errors:
        example = r.error_examples[0] if r.error_examples else ""
        partial = ngettext(
            "partial result: {n} directory unreadable, e.g. {example}",
            "partial result: {n} directories unreadable, e.g. {example}",
            r.errors,
        ).format(n=r.errors, example=example)
        con.print(f"[yellow]{escape(partial)}[/yellow]")
    if r.skipped_mounts:
        more = " ..." if len(r.skipped_mounts) >= 20 else ""
        skipped = _("not scanned (other filesystems; --cross-mounts enters them): {mounts}").format(
            mounts=", ".join(r.skipped_mounts[:5])
        )
        con.print(f"[dim]{escape(skipped)}{more}[/dim]")

    from srvdoctor.playbooks import load_library
    from srvdoctor.redact import redact_text
    from srvdoctor.render.table import print_result, verdict

    linked = any(x.playbook for x in report.results)  # the notes (YAML) only when a result links one
    paths = load_library(config.resolved_notes_dir(), lang=display_language()).paths() if linked else {}
    con.print("[bold underline]" + escape(_("deleted but open files")) + "[/bold underline]")
    for res in report.results:
        if res.check == "disk.deleted_open":
            print_result(con, res, paths)
            if res.status.value == "ok":
                for line in res.details:
                    con.print(f"      {escape(redact_text(line))}")
    problems = [x for x in report.results if x.check != "disk.deleted_open" and x.status.is_problem]
    if problems:
        con.print("[bold underline]" + escape(_("disk checks")) + "[/bold underline]")
        for res in problems:
            print_result(con, res, paths)
    text, style = verdict(report)
    con.print(escape(text), style=style)
