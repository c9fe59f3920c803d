"""`srvdoctor schedule install|remove`: run `check` on a timer into node_exporter's textfile directory.

Without --write both print what they would write or delete and the commands to run.
With --write they write (or delete) the unit files or the cron file — and only those:
srvdoctor never runs systemctl, it prints the systemctl commands for a person to run, as
it prints every other fix.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from srvdoctor.commands.common import (
    ConfigOpt,
    OutputOpt,
    TimeoutOpt,
    UsageError,
    check_format,
    load,
    print_json,
    write_output,
)
from srvdoctor.constants import COMMAND_FORMATS
from srvdoctor.messages import localize, oserror, t
from srvdoctor.shellcmd import cmd

if TYPE_CHECKING:
    from srvdoctor.schedule import Plan

schedule_app = typer.Typer(
    name="schedule",
    help="Run `srvdoctor check` on a schedule into node_exporter's textfile directory "
    "(systemd timer or cron).",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)

UsingOpt = Annotated[
    str,
    typer.Option("--using", help="systemd, cron, or auto (systemd when it runs here, else cron).",
                 metavar="auto|systemd|cron"),
]  # fmt: skip
WriteOpt = Annotated[
    bool, typer.Option("--write", help="Write (or delete) the files instead of printing them.")
]
UnitDirOpt = Annotated[
    Path, typer.Option("--unit-dir", help="Where systemd units go.", metavar="DIR", show_default=True)
]
CronDirOpt = Annotated[Path, typer.Option("--cron-dir", help="Where the cron file goes.", metavar="DIR")]
TextfileOpt = Annotated[
    Path,
    typer.Option("--textfile-dir", help="node_exporter's --collector.textfile.directory.", metavar="DIR"),
]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="table or json.", metavar="FORMAT")]

_UNIT_DIR = Path("/etc/systemd/system")
_CRON_DIR = Path("/etc/cron.d")
_TEXTFILE_DIR = Path("/var/lib/prometheus/node-exporter")


def _using(using: str, unit_dir: Path, cron_dir: Path) -> str:
    """systemd or cron; `auto` follows an explicit --unit-dir/--cron-dir, then what runs here."""
    if using == "auto":
        if unit_dir != _UNIT_DIR and cron_dir == _CRON_DIR:
            return "systemd"
        if cron_dir != _CRON_DIR and unit_dir == _UNIT_DIR:
            return "cron"
        return "systemd" if Path("/run/systemd/system").is_dir() else "cron"
    if using not in ("systemd", "cron"):
        raise UsageError(t("--using must be one of auto, systemd, cron, not {using!r}", using=using))
    return using


def _plain_path(option: str, path: Path | None) -> None:
    """Paths go into unit files and root's crontab: no control characters, no cron `%`."""
    if path is not None and any(ord(c) < 32 or ord(c) == 127 or c == "%" for c in str(path)):
        raise UsageError(
            t(
                "{option} {path!r}: a path with control characters or '%' cannot be scheduled",
                option=option,
                path=str(path),
            )
        )


def _srvdoctor_argv() -> list[str]:
    """How the scheduled job starts this same srvdoctor: its script, else `python -m srvdoctor`."""
    beside = Path(sys.executable).parent / "srvdoctor"
    if beside.is_file() and os.access(beside, os.X_OK):
        return [str(beside)]
    found = shutil.which("srvdoctor")
    return [found] if found else [sys.executable, "-m", "srvdoctor"]


def _write_file(path: Path, text: str) -> None:
    """Replace `path` atomically (temp file + rename), mode 0644."""
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
        raise


def _is_ours(path: Path) -> bool:
    from srvdoctor.schedule import MARKER

    try:
        with path.open(encoding="utf-8", errors="replace") as fh:
            return fh.readline().rstrip("\n") == MARKER
    except OSError:
        return False


def _show(plan: Plan, written: bool, removing: bool, fmt: str, output: Path | None, intro: str) -> None:
    if fmt == "json":
        print_json(
            {
                "using": plan.using,
                "action": "remove" if removing else "install",
                "written": written,
                "files": [{"path": str(f.path), "content": f.content} for f in plan.files],
                "run_before": list(plan.before),
                "run_after": list(plan.after),
            },
            output,
        )
        return
    lines = [f"# {localize(intro)}"]
    if written:
        for f in plan.files:
            done = t("removed {path}", path=str(f.path)) if removing else t("wrote {path}", path=str(f.path))
            lines.append(localize(done))
        if plan.after:
            lines += ["", localize(t("Now run (srvdoctor never runs systemctl itself):"))]
            lines += [f"  {c}" for c in plan.after]
    elif removing:
        nothing = t("Nothing was changed; these commands remove it (`--write` deletes the files):")
        lines += [f"# {localize(nothing)}", ""]
        lines += list(plan.before)
        lines += [cmd("rm", "-f", str(f.path)) for f in plan.files]
        lines += list(plan.after)
    else:
        nothing = t("Nothing was written; `--write` writes these files.")
        lines += [f"# {localize(nothing)}", ""]
        for f in plan.files:
            lines += [f"# ----- {f.path}", f.content.rstrip("\n"), ""]
        if plan.after:
            then = t("then run:")
            lines += [f"# {localize(then)}", *plan.after]
    write_output("\n".join(lines) + "\n", output)


@schedule_app.command("install")
def install(
    every: Annotated[
        str, typer.Option("--every", help="How often: 1m, 5m, 1h ...", metavar="DURATION")
    ] = "5m",
    textfile_dir: TextfileOpt = _TEXTFILE_DIR,
    config_path: ConfigOpt = None,
    timeout: TimeoutOpt = None,
    using: UsingOpt = "auto",
    write: WriteOpt = False,
    unit_dir: UnitDirOpt = _UNIT_DIR,
    cron_dir: CronDirOpt = _CRON_DIR,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
) -> None:
    """Print (or with --write, write) a systemd service + timer pair, or a cron file, that runs
    `srvdoctor check --format prometheus` into node_exporter's textfile directory."""
    from srvdoctor import schedule
    from srvdoctor.units import parse_duration

    check_format(fmt, COMMAND_FORMATS)
    for option, value in (("--textfile-dir", textfile_dir), ("--config", config_path),
                          ("--unit-dir", unit_dir), ("--cron-dir", cron_dir)):  # fmt: skip
        _plain_path(option, value)
    kind = _using(using, unit_dir, cron_dir)
    try:
        every_s = parse_duration(every)
        schedule.check_every(every_s)
        if kind == "cron":
            schedule.cron_schedule(every_s)
    except ValueError as exc:
        from srvdoctor.config import reason

        raise UsageError(t("--every {every}: {why}", every=every, why=reason(exc))) from None
    if timeout is not None and not 0 < timeout <= 3600:
        raise UsageError(
            t("--timeout must be more than 0 and at most 3600 seconds, not {timeout:g}", timeout=timeout)
        )
    textfile_dir = textfile_dir.absolute()
    config = None
    if config_path is not None:
        if not config_path.is_file():
            raise UsageError(t("--config {path}: no such file", path=str(config_path)))
        load(config_path)  # a config that does not load would fail every scheduled run
        config = config_path.resolve()
    argv = schedule.check_argv(_srvdoctor_argv(), textfile_dir, config, timeout)
    plan = schedule.install_plan(kind, argv, every_s, unit_dir, cron_dir)
    intro = t(
        "srvdoctor check every {every} into {path}, through {using}.",
        every=schedule.systemd_timespan(every_s),
        path=str(textfile_dir / schedule.PROM_FILE),
        using=kind,
    )
    if write:
        for f in plan.files:
            if f.path.exists() and not _is_ours(f.path):
                raise UsageError(
                    t("{path} exists and was not written by srvdoctor; not overwriting it", path=str(f.path))
                )
        try:
            textfile_dir.mkdir(parents=True, exist_ok=True)
            for f in plan.files:
                _write_file(f.path, f.content)
        except OSError as exc:
            where = exc.filename or textfile_dir
            raise UsageError(t("cannot write {path}: {why}", path=str(where), why=oserror(exc))) from None
    elif not textfile_dir.is_dir():
        mkdir = cmd("mkdir", "-p", str(textfile_dir))
        plan = type(plan)(plan.using, plan.files, plan.before, (mkdir, *plan.after))
    _show(plan, write, False, fmt, output, intro)


@schedule_app.command("remove")
def remove(
    textfile_dir: Annotated[
        Path | None,
        typer.Option(
            "--textfile-dir",
            help="Where the metrics went (default: read from the installed files).",
            metavar="DIR",
        ),
    ] = None,
    using: UsingOpt = "auto",
    write: WriteOpt = False,
    unit_dir: UnitDirOpt = _UNIT_DIR,
    cron_dir: CronDirOpt = _CRON_DIR,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
) -> None:
    """Print (or with --write, delete) what `schedule install` wrote, and its metrics file."""
    from srvdoctor import schedule

    check_format(fmt, COMMAND_FORMATS)
    kind = _using(using, unit_dir, cron_dir)
    installed = unit_dir / f"{schedule.NAME}.service" if kind == "systemd" else cron_dir / schedule.NAME
    if textfile_dir is None:
        try:
            textfile_dir = schedule.textfile_dir_of(installed.read_text(encoding="utf-8"))
        except OSError:
            textfile_dir = None
        textfile_dir = textfile_dir or _TEXTFILE_DIR
    plan = schedule.remove_plan(kind, textfile_dir, unit_dir, cron_dir)
    intro: str = t("remove the scheduled srvdoctor run ({using}) and its metrics file.", using=kind)
    if write:
        enabled = unit_dir / "timers.target.wants" / f"{schedule.NAME}.timer"
        if kind == "systemd" and (enabled.exists() or enabled.is_symlink()):
            raise UsageError(
                t(
                    "{timer} is still enabled ({link}); run `systemctl disable --now {timer}` first, "
                    "then this again",
                    timer=schedule.NAME + ".timer",
                    link=str(enabled),
                )
            )
        present = [f for f in plan.files if f.path.exists()]
        for f in present:
            if f.path.name != schedule.PROM_FILE and not _is_ours(f.path):
                raise UsageError(t("{path} was not written by srvdoctor; not deleting it", path=str(f.path)))
        try:
            for f in present:
                f.path.unlink()
        except OSError as exc:
            raise UsageError(
                t("cannot delete {path}: {why}", path=str(exc.filename), why=oserror(exc))
            ) from None
        plan = type(plan)(plan.using, tuple(present), (), plan.after if present else ())
        if not present:
            intro = t("{intro} Nothing was installed.", intro=intro)
    _show(plan, write, True, fmt, output, intro)
