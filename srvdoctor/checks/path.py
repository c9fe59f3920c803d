"""Path area: do the paths the config names exist, and can this user reach them?"""

from __future__ import annotations

from typing import ClassVar

from srvdoctor.checks.base import CheckContext
from srvdoctor.messages import join, t
from srvdoctor.model import Result, Status
from srvdoctor.probes.paths import PathState, inspect_path
from srvdoctor.probes.timeout import ProbeTimeout, call_with_timeout
from srvdoctor.record import dataclass
from srvdoctor.shellcmd import cmd


def split_expectation(spec: str) -> tuple[str, str | None]:
    """'/data/models/' asks for a directory; 'file:/etc/app.toml' for a file; else anything."""
    if spec.startswith("file:"):
        return spec[5:], "file"
    if spec.startswith("dir:"):
        return spec[4:], "directory"
    if len(spec) > 1 and spec.endswith("/"):
        return spec.rstrip("/"), "directory"
    return spec, None


def _want_text(want: str) -> str:
    """'file' or 'directory' in words (the words of probes.paths' kinds)."""
    return t("directory") if want == "directory" else t("file") if want == "file" else want


def _alternatives(names: tuple[str, ...]) -> str:
    """'a or b or c', each 'or' translatable."""
    text: str = names[0]
    for name in names[1:]:
        text = t("{first} or {second}", first=text, second=name)
    return text


@dataclass(frozen=True)
class PathExists:
    """Each path in the config's `targets.paths` exists and this user can reach it.

    `ok` when it exists (and is a directory for 'PATH/' or 'dir:PATH', a regular file
    for 'file:PATH'); `fail` when it is missing (naming the first missing component and
    near-miss names in its parent), a broken symlink (and where it points), the wrong
    kind, or when permission is denied (naming the directory that blocks). No paths
    configured: no results. Shell equivalent: `namei -l PATH; ls -la PARENT`.
    """

    id: ClassVar[str] = "path.exists"
    area: ClassVar[str] = "path"
    playbooks: ClassVar[tuple[str, ...]] = ("path-missing", "permission-denied")
    require_readable: bool = True

    def run(self, ctx: CheckContext) -> list[Result]:
        results = []
        for spec in ctx.config.targets.paths:
            path, want = split_expectation(spec)
            try:
                state = call_with_timeout(lambda p=path: inspect_path(p), ctx.timeout, f"lstat {path}")  # type: ignore[misc]
            except ProbeTimeout as exc:
                results.append(
                    Result(
                        self.id,
                        path,
                        Status.ERROR,
                        t(
                            "{path}: {reason} (a hung network mount?)",
                            path=path,
                            reason=exc.message,
                        ),
                        hints=(cmd("stat", path), "mount | grep -E 'nfs|cifs|fuse'"),
                    )
                )
                continue
            results.append(self.judge(state, want))
        return results

    def judge(self, st: PathState, want: str | None = None) -> Result:
        path = st.path
        data: dict[str, object] = {
            "state": st.state,
            "kind": st.kind,
            "existing": st.existing,
            "missing": st.missing,
            "suggestions": list(st.suggestions),
        }
        details: list[str] = []
        hints: list[str] = []
        playbook: str | None = "path-missing"
        if st.state == "ok":
            kind = st.kind or "?"
            base_kind = "directory" if kind == "directory" or "to directory" in kind else kind
            base_kind = "file" if kind == "file" or "to file" in kind else base_kind
            if want is not None and base_kind != want:
                summary = t("{path} is a {kind}, not a {want}", path=path, kind=kind, want=_want_text(want))
                status = Status.FAIL
                hints.append(cmd("ls", "-la", path))
            elif self.require_readable and st.readable is False:
                summary = t("{path} exists ({kind}) but you cannot read it", path=path, kind=kind)
                status = Status.FAIL
                playbook = "permission-denied"
                hints += [cmd("namei", "-l", path), cmd("ls", "-la", path)]
            else:
                if st.read_only_fs and st.readable:
                    access = t("read-only: its filesystem is mounted read-only")
                elif st.writable:
                    access = t("read-write for you")
                else:
                    access = t("read-only for you") if st.readable else t("no access for you")
                summary = t("{path} exists ({kind}, {access})", path=path, kind=kind, access=access)
                status = Status.OK
                playbook = None
            data.update(readable=st.readable, writable=st.writable, read_only_filesystem=st.read_only_fs)
        elif st.state == "missing":
            status = Status.FAIL
            where = {"path": path, "existing": st.existing, "missing": st.missing}
            summary = t("{path} does not exist: {existing} exists, {missing} does not", **where)
            if st.suggestions:
                summary = t(
                    "{path} does not exist: {existing} exists, {missing} does not; did you mean {names}?",
                    names=_alternatives(st.suggestions),
                    **where,
                )
            hints.append(cmd("ls", "-la", st.existing))
        elif st.state == "broken-link":
            status = Status.FAIL
            summary = t(
                "{path}: {link} is a broken symlink to {target} (which does not exist)",
                path=path,
                link=st.link,
                target=st.link_target,
            )
            hints += [cmd("ls", "-l", st.link), cmd("ln", "-sfn", "/the/right/target", st.link)]
        elif st.state == "link-loop":
            status = Status.FAIL
            summary = t(
                "{path}: {link} -> {target} is a symlink loop", path=path, link=st.link, target=st.link_target
            )
            hints.append(cmd("namei", path))
        elif st.state == "denied":
            status = Status.FAIL
            playbook = "permission-denied"
            summary = t(
                "{path}: permission denied at {blocker} (you cannot enter it)", path=path, blocker=st.blocker
            )
            hints += [cmd("namei", "-l", path), cmd("ls", "-ld", st.blocker)]
        elif st.state == "not-a-directory":
            status = Status.FAIL
            summary = join(": ", (path, st.reason or ""))
            hints.append(cmd("ls", "-la", st.blocker))
        else:
            status = Status.ERROR
            summary = join(": ", (path, st.reason or ""))
            playbook = None
        if st.reason and st.state not in ("not-a-directory", "error"):
            details.append(st.reason)
        return Result(
            self.id,
            path,
            status,
            summary,
            details=tuple(details),
            data=data,
            playbook=playbook if status is not Status.OK else None,
            hints=tuple(hints),
        )


CHECKS = (PathExists,)
