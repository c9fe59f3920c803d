"""`srvdoctor disk [PATH]`: df (space and inodes), a du-style tree, largest files, space eaters."""

from __future__ import annotations

import dataclasses
import os
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from srvdoctor.checks.disk_gap import df_gap, gap_lines, inodes_full
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
from srvdoctor.messages import _, localize, oserror
from srvdoctor.render.safe import visible
from srvdoctor.shellcmd import cmd, quote

if TYPE_CHECKING:
    from srvdoctor.model import Report
    from srvdoctor.probes.filesystems import Filesystem, FilesystemError
    from srvdoctor.probes.scan import Node, ScanResult

MAX_DEPTH = 64
#: Why a scan stopped early (probes/scan.py's `incomplete`): a data value, translated where printed.


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
            by_items=bool(inodes_full(own)),
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
        from srvdoctor.render.disk import print_disk

        print_disk(con, shown, result, report, depth, config, own)
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
    gap = df_gap(own, r)
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
            "df_gap_causes": gap_lines(*gap, r, report)[1:] if gap else [],
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
