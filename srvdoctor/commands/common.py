"""Options and plumbing every command shares: formats, output, timeout, config, console."""

from __future__ import annotations

import contextlib
import functools
import io
import os
import stat
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any, NoReturn, cast

import typer

from srvdoctor.messages import _, display_language, localize, machine_language, oserror

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

    from srvdoctor.config import Config
    from srvdoctor.model import Report
    from srvdoctor.readinput import Read
    from srvdoctor.render.plain import PlainConsole


class UsageError(Exception):
    """A bad invocation: printed as one line on stderr, exit code 2."""


def reason_of(exc: BaseException) -> str:
    """`str(exc)` in the display language: an exception raised with a `Msg` (srvdoctor.messages) is
    localised (`str(exc)` alone would drop the message's template)."""
    if len(exc.args) == 1 and isinstance(exc.args[0], str):
        return localize(exc.args[0])
    return str(exc)


FormatOpt = Annotated[str, typer.Option("--format", "-f", help="table or json.", metavar="FORMAT")]


def output_path(value: str) -> Path:
    """--output FILE: a file name; a directory (existing, or written with a trailing /) is an error."""
    if value.endswith(("/", "/.", "/..")) or value in (".", "..") or Path(value).is_dir():
        example = Path(value) / "srvdoctor.prom"
        raise UsageError(
            _("--output {value}: is a directory; give a file name inside it, e.g. --output {example}").format(
                value=value, example=example
            )
        )
    return Path(value)


OutputOpt = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Write the output to FILE (atomically) instead of stdout.",
                 metavar="FILE", parser=output_path),
]  # fmt: skip
TimeoutOpt = Annotated[
    float | None,
    typer.Option("--timeout", help="Seconds each probe may take (default 3, or the config's).",
                 metavar="SECONDS"),
]  # fmt: skip
ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="Config file (default ./srvdoctor.toml, then /etc/srvdoctor/).",
                 metavar="PATH"),
]  # fmt: skip
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show tracebacks of checks that crash.")]


def check_format(fmt: str, allowed: Sequence[str]) -> str:
    if fmt not in allowed:
        raise UsageError(
            _("--format must be one of {allowed}, not {fmt!r}").format(allowed=", ".join(allowed), fmt=fmt)
        )
    return fmt


def check_timeout(timeout: float | None, config: Config) -> float:
    if timeout is None:
        return config.timeout
    if not timeout > 0 or timeout > 3600:
        raise UsageError(
            _("--timeout must be more than 0 and at most 3600 seconds, not {timeout:g}").format(
                timeout=timeout
            )
        )
    return timeout


def check_ports(ports: Iterable[int] | None) -> None:
    """`--port N` values: TCP ports 1-65535."""
    for port in ports or ():
        if not 1 <= port <= 65535:
            raise UsageError(_("--port {port} is out of range (1-65535)").format(port=port))


def split_csv(values: Iterable[str] | None) -> list[str]:
    """`--only disk,gpu --only load` -> ['disk', 'gpu', 'load']."""
    return [v.strip() for value in values or () for v in value.split(",") if v.strip()]


def load(config_path: Path | None) -> Config:
    from srvdoctor.config import ConfigError, load_config, reason

    try:
        return load_config(config_path)
    except ConfigError as exc:
        raise UsageError(reason(exc)) from None  # a Msg: cli._usage prints it in the user's language


class OutputError(UsageError):
    """The output could not be written (stdout closed, disk full, --output not writable): exit 2."""


def _encode(text: str) -> bytes:
    """`text` redacted (THE redaction step, srvdoctor/redact.py) and encoded as valid UTF-8: bytes
    of names that are not UTF-8 (lone surrogates) become visible `\\xff` escapes."""
    from srvdoctor.redact import redact_text
    from srvdoctor.render.safe import visible_surrogates

    return visible_surrogates(redact_text(text)).encode("utf-8")


def _stdout_failed(reason: str) -> NoReturn:
    """Point fd 1 at /dev/null (so the interpreter's last flush cannot fail too) and exit 2."""
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)
    raise OutputError(_("cannot write the output to stdout: {reason}").format(reason=reason))


def write_stdout(data: bytes) -> None:
    """Raw bytes to stdout; a closed stdout or a full disk is one error line (exit 2)."""
    stream = sys.stdout
    if stream is None:
        _stdout_failed(_("stdout is closed"))
    try:
        stream.flush()
        buffer = getattr(stream, "buffer", None)
        if buffer is not None:
            buffer.write(data)
            buffer.flush()
        else:  # a text-only stream (tests capture stdout this way)
            stream.write(data.decode("utf-8"))
            stream.flush()
    except BrokenPipeError:
        raise
    except (OSError, ValueError) as exc:  # ValueError: the stream was closed
        _stdout_failed(localize(oserror(exc)))


def write_output(text: str, output: Path | None) -> None:
    """stdout, or FILE: every byte redacted and valid UTF-8.

    A regular file (or a new name) is replaced atomically (temp file + rename, as textfile
    collectors need), keeping its mode (0644 when new). Anything else is never replaced: a
    symlink is written through (its target replaced, the link kept), a device (`/dev/null`,
    `/dev/stdout`), FIFO or socket is opened and written in place, a directory is an error.
    """
    data = _encode(text)
    if output is None:
        write_stdout(data)
        return
    try:
        st: os.stat_result | None = os.stat(output)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise OutputError(
            _("--output {output}: cannot write there: {reason}").format(
                output=output, reason=localize(oserror(exc))
            )
        ) from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise OutputError(_("--output {output}: is a directory").format(output=output))
    if st is not None and not stat.S_ISREG(st.st_mode):
        _write_in_place(data, output)
        return
    target = Path(os.path.realpath(output)) if output.is_symlink() else output
    _replace_atomically(data, output, target, st)


def _write_in_place(data: bytes, output: Path) -> None:
    """A device, FIFO or socket: open it for writing (no truncation, no rename) and write."""
    try:
        fd = os.open(output, os.O_WRONLY | os.O_NOCTTY)
    except OSError as exc:
        raise OutputError(
            _("--output {output}: cannot open it for writing: {reason}").format(
                output=output, reason=localize(oserror(exc))
            )
        ) from None
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    except OSError as exc:
        raise OutputError(
            _("--output {output}: cannot write: {reason}").format(
                output=output, reason=localize(oserror(exc))
            )
        ) from None
    finally:
        os.close(fd)


def _replace_atomically(data: bytes, output: Path, target: Path, st: os.stat_result | None) -> None:
    import tempfile  # here: only --output loads it (random, hashlib), not every command

    directory = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=directory)
    except OSError as exc:
        raise OutputError(
            _("--output {output}: cannot write there: {reason}").format(
                output=output, reason=localize(oserror(exc))
            )
        ) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, stat.S_IMODE(st.st_mode) if st is not None else 0o644)
        if st is not None and os.geteuid() == 0:
            os.chown(tmp, st.st_uid, st.st_gid)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(
            _("--output {output}: cannot write: {reason}").format(
                output=output, reason=localize(oserror(exc))
            )
        ) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class _TerminalStream(io.TextIOBase):
    """What a terminal console writes to: each chunk redacted, then to stdout (errors: exit 2)."""

    def __init__(self, stderr: bool = False) -> None:
        self._stderr = stderr

    def _target(self) -> Any:
        return sys.stderr if self._stderr else sys.stdout

    def write(self, text: str) -> int:
        if self._stderr:
            from srvdoctor.redact import redact_text

            sys.stderr.write(redact_text(text))
        else:
            write_stdout(_encode(text))
        return len(text)

    def flush(self) -> None:
        target = self._target()
        if target is not None:
            with contextlib.suppress(OSError, ValueError):
                target.flush()

    def isatty(self) -> bool:
        target = self._target()
        try:
            return bool(target is not None and target.isatty())
        except (OSError, ValueError):
            return False

    def fileno(self) -> int:
        target = self._target()
        if target is None:
            raise io.UnsupportedOperation("fileno")
        return int(target.fileno())

    @property
    def encoding(self) -> str:  # type: ignore[override]
        target = self._target()
        return str(getattr(target, "encoding", None) or "utf-8")


def _width() -> int | None:
    """The width for a terminal console: None (rich's own) unless $COLUMNS is set and unusable
    (0, negative, tiny, not a number), then the terminal's real width, else 80. Min 40."""
    columns = os.environ.get("COLUMNS")
    if columns is None:
        return None
    try:
        if int(columns) >= 40:
            return None
    except ValueError:
        pass
    for fd in (1, 2):
        with contextlib.suppress(OSError):
            return max(40, os.get_terminal_size(fd).columns)
    return 80


@functools.cache
def _safe_console_class() -> type[Console]:
    from rich.console import Console

    from srvdoctor.render.safe import visible_lines

    class SafeConsole(Console):
        """rich's Console, where every string it renders has its control characters but newlines
        spelled out (`render/safe.py`): an escape sequence in a name cannot reach the terminal
        even where a caller forgot `render.safe.markup` (which spells newlines out too)."""

        def render_str(self, text: str, **kwargs: Any) -> Any:
            return super().render_str(visible_lines(text), **kwargs)

    return SafeConsole


def console(output: Path | None = None, stderr: bool = False) -> Console:
    """A rich console: colour when the terminal has it (NO_COLOR honoured), none in files/pipes.

    Every string is made visible (`SafeConsole`) and everything written is redacted."""
    safe_console = _safe_console_class()
    if output is not None:
        return safe_console(
            file=io.StringIO(), force_terminal=False, no_color=True, width=120, highlight=False
        )
    stream = _TerminalStream(stderr)
    return safe_console(file=cast("IO[str]", stream), highlight=False, soft_wrap=True, width=_width(),
                       force_terminal=stream.isatty() or None)  # fmt: skip


def report_console(output: Path | None = None) -> Console | PlainConsole:
    """`console(output)`, or for a stdout that is no terminal, where rich would print plain text,
    a `PlainConsole` that prints the same bytes without importing rich (render/plain.py)."""
    if output is None:
        from srvdoctor.render.plain import PlainConsole, rich_is_terminal

        stream = _TerminalStream()
        if not rich_is_terminal(stream):
            return PlainConsole(stream)
    return console(output)


def flush_console(con: Console | PlainConsole, output: Path | None) -> None:
    if output is not None:
        buffer = con.file
        assert isinstance(buffer, io.StringIO)
        write_output(buffer.getvalue(), output)


def print_table_report(
    report: Report,
    config: Config,
    output: Path | None,
    footer: str | None = None,
    header: RenderableType | None = None,
) -> None:
    """The human report; `header` (a dashboard) above it, `footer` (a sentence) below."""
    from srvdoctor.render.table import print_report

    con: Console | PlainConsole
    if header is not None:
        con = rich_console = console(output)
        rich_console.print(header)
        rich_console.print()
    else:
        con = report_console(output)
    paths: dict[str, str] = {}
    linked = {r.playbook for r in report.results if r.playbook}
    if linked:  # the notes are looked up only when one is linked
        from srvdoctor.playbooks import note_paths

        paths = note_paths(linked, config.resolved_notes_dir(), lang=display_language())
    print_report(con, report, paths)
    if footer:
        from srvdoctor.render.safe import markup as escape

        con.print(escape(localize(footer)), style="bold")  # a Msg (retry's sentence)
    flush_console(con, output)


def print_json(obj: Any, output: Path | None) -> None:
    from srvdoctor.redact import redact_obj
    from srvdoctor.render.json import dumps

    write_output(dumps(redact_obj(obj)), output)  # dumps makes every string UTF-8-safe


def finish(
    report: Report, config: Config, fmt: str, output: Path | None, header: RenderableType | None = None
) -> NoReturn:
    """Print a command's report as table (under `header`) or json, then exit by the config's `fail_on`."""
    from srvdoctor.model import FAIL_ON

    if fmt == "json":
        print_json(report.to_dict(machine_language()), output)
    else:
        print_table_report(report, config, output, header=header)
    raise typer.Exit(report.exit_code(FAIL_ON[config.fail_on]))


def read_input_file(path: str | os.PathLike[str], option: str, limit: int, wait_s: float) -> Read:
    """The last `limit` bytes of a file the user names (`--file PATH`); a FIFO, pipe or device
    is read for at most `wait_s` seconds. Every failure is a UsageError naming `option`."""
    from srvdoctor.readinput import open_input, read_fd

    where = f"{option} {os.fspath(path)}"
    try:
        fd, _unused = open_input(path)
    except FileNotFoundError:
        raise UsageError(_("{where}: no such file").format(where=where)) from None
    except IsADirectoryError:
        raise UsageError(_("{where}: is a directory, not a file").format(where=where)) from None
    except PermissionError:
        raise UsageError(_("{where}: permission denied").format(where=where)) from None
    except OSError as exc:
        raise UsageError(
            _("{where}: cannot read: {reason}").format(where=where, reason=localize(oserror(exc)))
        ) from None
    try:
        got = read_fd(fd, limit, wait_s, tail=True)
    except OSError as exc:
        raise UsageError(
            _("{where}: cannot read: {reason}").format(where=where, reason=localize(oserror(exc)))
        ) from None
    finally:
        os.close(fd)
    if not got.data and not got.finished:
        raise UsageError(
            _("{where}: nothing to read within {wait_s:g} s (a FIFO nobody writes to?)").format(
                where=where, wait_s=wait_s
            )
        )
    return got
