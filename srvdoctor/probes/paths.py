"""Walk a path component by component: what exists, what is missing, what blocks.

Shell equivalent: `namei -l PATH` (and `ls` of the parent for near-miss names).
"""

from __future__ import annotations

import difflib
import errno
import os
import stat

from srvdoctor.messages import join, oserror, t
from srvdoctor.record import dataclass

#: Names read from a parent directory to look for near misses.
MAX_NAMES = 20_000


@dataclass(frozen=True)
class PathState:
    """What the walk found. `state` is one of:

    ok, missing, broken-link, link-loop, denied, not-a-directory (a component in the
    middle is a file), error.
    """

    path: str  # absolute, as asked (not resolved)
    state: str
    kind: str | None = None  # file, directory, symlink->..., socket, ... of the final target
    existing: str | None = None  # the deepest component that exists
    missing: str | None = None  # the first component that does not
    link: str | None = None  # a broken or looping symlink
    link_target: str | None = None  # where it points
    blocker: str | None = None  # the directory that denies access
    suggestions: tuple[str, ...] = ()
    readable: bool | None = None
    writable: bool | None = None
    reason: str | None = None
    read_only_fs: bool | None = None  # the filesystem holding it is mounted read-only


def _kind(mode: int) -> str:
    """The kind of file, in words (English text, printable in the user's language)."""
    if stat.S_ISDIR(mode):
        return t("directory")
    if stat.S_ISREG(mode):
        return t("file")
    if stat.S_ISLNK(mode):
        return t("symlink")
    if stat.S_ISSOCK(mode):
        return t("socket")
    if stat.S_ISFIFO(mode):
        return t("fifo")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return t("device")
    return t("other")


def near_misses(parent: str, name: str) -> tuple[str, ...]:
    """Names in `parent` that look like `name`: same letters in another case, or a typo."""
    try:
        with os.scandir(parent) as it:
            names = []
            for i, entry in enumerate(it):
                if i >= MAX_NAMES:
                    break
                names.append(entry.name)
    except OSError:
        return ()
    folded = name.casefold()
    same_case = [n for n in names if n.casefold() == folded and n != name]
    by_folded = {n.casefold(): n for n in names}
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.75)
    close += [by_folded[m] for m in difflib.get_close_matches(folded, list(by_folded), n=3, cutoff=0.75)]
    out: list[str] = []
    for n in (*same_case, *close):
        if n not in out and n != name:
            out.append(n)
    return tuple(os.path.join(parent, n) for n in out[:3])


def inspect_path(path: str) -> PathState:
    """Walk `path` from / (relative paths from the current directory), one lstat per component."""
    full = os.path.abspath(os.path.expanduser(path))
    parts = [p for p in full.split("/") if p]
    current = "/"
    for i, part in enumerate(parts):
        nxt = os.path.join(current, part)
        try:
            st = os.lstat(nxt)
        except FileNotFoundError:
            return PathState(
                full, "missing", existing=current, missing=nxt, suggestions=near_misses(current, part)
            )
        except PermissionError:
            return PathState(
                full,
                "denied",
                existing=current,
                blocker=current,
                reason=t("no permission to enter {path}", path=current),
            )
        except NotADirectoryError:
            return PathState(
                full,
                "not-a-directory",
                existing=current,
                blocker=current,
                reason=t("{path} is a file, not a directory", path=current),
            )
        except OSError as exc:
            return PathState(full, "error", existing=current, reason=join(": ", (nxt, oserror(exc))))
        if stat.S_ISLNK(st.st_mode):
            try:
                target = os.readlink(nxt)
            except OSError:
                target = "?"
            try:
                os.stat(nxt)
            except FileNotFoundError:
                where = os.path.normpath(os.path.join(current, target))
                return PathState(
                    full,
                    "broken-link",
                    existing=current,
                    link=nxt,
                    link_target=target,
                    missing=where,
                    reason=t("{link} points to {target}, which does not exist", link=nxt, target=target),
                )
            except OSError as exc:
                if exc.errno == errno.ELOOP:
                    return PathState(
                        full,
                        "link-loop",
                        existing=current,
                        link=nxt,
                        link_target=target,
                        reason=t("{link} -> {target} is a symlink loop", link=nxt, target=target),
                    )
                if exc.errno == errno.EACCES:
                    return PathState(
                        full,
                        "denied",
                        existing=current,
                        link=nxt,
                        link_target=target,
                        blocker=nxt,
                        reason=t("{link} -> {target}: permission denied", link=nxt, target=target),
                    )
        elif i < len(parts) - 1 and not stat.S_ISDIR(st.st_mode):
            return PathState(
                full,
                "not-a-directory",
                existing=nxt,
                blocker=nxt,
                reason=t("{path} is a {kind}, not a directory", path=nxt, kind=_kind(st.st_mode)),
            )
        current = nxt
    try:
        final = os.stat(full)
    except OSError as exc:
        return PathState(full, "error", existing=current, reason=join(": ", (full, oserror(exc))))
    kind = _kind(final.st_mode)
    if os.path.islink(full):
        kind = t("symlink to {kind} ({target})", kind=kind, target=os.path.realpath(full))
    return PathState(
        full,
        "ok",
        kind=kind,
        existing=full,
        readable=os.access(full, os.R_OK),
        writable=os.access(full, os.W_OK),
        read_only_fs=_read_only_fs(full),
    )


def _read_only_fs(path: str) -> bool | None:
    """Whether the filesystem holding `path` is mounted read-only (statvfs ST_RDONLY)."""
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return None
