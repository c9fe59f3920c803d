"""`srvdoctor triage [TEXT]`: an error message or log in, matching notes and their checks out."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from srvdoctor.commands.common import (
    ConfigOpt,
    DebugOpt,
    FormatOpt,
    OutputOpt,
    TimeoutOpt,
    UsageError,
    check_format,
    check_timeout,
    flush_console,
    load,
    print_json,
    read_input_file,
    report_console,
)
from srvdoctor.constants import COMMAND_FORMATS
from srvdoctor.messages import N_, Msg, _, display_language, localize, machine_language, t

if TYPE_CHECKING:
    from rich.console import Console

    from srvdoctor.model import Report, Result
    from srvdoctor.playbooks import Playbook
    from srvdoctor.render.plain import PlainConsole
    from srvdoctor.triage import Triage

#: The most of a log triage reads: the end of it, where the error is.
MAX_INPUT_BYTES = 4 * 1024 * 1024
#: Piped input is read to its end, but not past this (an endless stream must not hang triage).
MAX_STREAM_BYTES = 64 * MAX_INPUT_BYTES
#: Put before the text by `_read_input` when it read only the end of a longer input.
_TRUNCATED = "\x00srvdoctor:truncated\x00"


def _read_input(text: str | None, file: Path | None, wait_s: float = 5.0) -> str:
    if text is not None and file is not None:
        raise UsageError(_("give the error text as an argument or with --file, not both"))
    if file is not None and str(file) != "-":
        data, truncated = _read_file(file, wait_s)
        return (_TRUNCATED if truncated else "") + data.decode("utf-8", errors="replace")
    if text is not None and text != "-":
        # undecodable bytes of the argument (surrogate escapes) read as U+FFFD, as in a file
        decoded = text.encode("utf-8", "surrogateescape").decode("utf-8", errors="replace")
        cut = _TRUNCATED if len(decoded) > MAX_INPUT_BYTES else ""
        return cut + decoded[-MAX_INPUT_BYTES:]
    if text is None and file is None and sys.stdin.isatty():
        raise UsageError(
            _(
                "give the error text: srvdoctor triage 'TEXT', --file LOG, "
                "or pipe it: cmd 2>&1 | srvdoctor triage"
            )
        )
    from srvdoctor.readinput import read_fd

    got = read_fd(sys.stdin.buffer.fileno(), MAX_INPUT_BYTES, None, tail=True, max_total=MAX_STREAM_BYTES)
    if not got.finished:
        message = _("stdin did not end after {size}: read the last {kept} of that")
        print("srvdoctor: warning: " + message.format(size="256 MiB", kept="4 MiB"), file=sys.stderr)
    return (_TRUNCATED if got.truncated else "") + got.data.decode("utf-8", errors="replace")


def _read_file(file: Path, wait_s: float) -> tuple[bytes, bool]:
    """The last MAX_INPUT_BYTES of a log. A FIFO, a pipe (`--file <(cmd)`) or a device is read
    for at most `wait_s` seconds: a FIFO nobody writes to must not hang triage."""
    got = read_input_file(file, "--file", MAX_INPUT_BYTES, wait_s)
    if not got.finished:
        message = _("--file {file}: still open after {seconds:g} s; read what had arrived")
        print("srvdoctor: warning: " + message.format(file=file, seconds=wait_s), file=sys.stderr)
    return got.data, got.truncated


def _strip_ansi(text: str) -> str:
    import re

    text = re.sub(r"\x1b\[[0-9;?]{0,64}[A-Za-z]|\x1b\][^\x07\x1b\n]{0,1024}(?:\x07|\x1b\\)", "", text)
    return re.sub(r"\r(?!\n)", "\n", text)  # progress bars redraw with a bare CR


def triage(
    text: Annotated[
        str | None,
        typer.Argument(metavar="[TEXT]", help="The error message or log; '-' or none: read stdin."),
    ] = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="Read the error text from FILE (a log).", metavar="FILE")
    ] = None,
    no_run: Annotated[bool, typer.Option("--no-run", help="Only match the notes; run no checks.")] = False,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    timeout: TimeoutOpt = None,
    config_path: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Match an error message or log against the notes, and run the checks they name."""
    check_format(fmt, COMMAND_FORMATS)
    config = load(config_path)
    probe_timeout = check_timeout(timeout, config)
    raw = _strip_ansi(_read_input(text, file, max(probe_timeout, 5.0)))
    truncated = raw.startswith(_TRUNCATED)
    if truncated:
        message = _("the input is longer than {mib} MiB: triage read its last {mib} MiB")
        print("srvdoctor: " + message.format(mib=MAX_INPUT_BYTES // 2**20), file=sys.stderr)
        raw = raw[len(_TRUNCATED) :]
    if not raw.strip():
        raise UsageError(_("the error text is empty"))

    from srvdoctor.model import FAIL_ON
    from srvdoctor.playbooks import load_library
    from srvdoctor.triage import confirmed_by, focus_results, rank_confirmed, scoped_config
    from srvdoctor.triage import triage as read_error
    from srvdoctor.usernotes import save_last_triage

    found = read_error(raw)
    lang = machine_language() if fmt == "json" else display_language()
    library = load_library(config.resolved_notes_dir(), lang=lang, on_demand=True)  # a few are read
    for problem in library.problems:
        print(
            "srvdoctor: warning: " + _("skipped note {problem}").format(problem=localize(problem)),
            file=sys.stderr,
        )
    matched = library.matching(raw, found)

    named = list(dict.fromkeys(c for note, _ in matched for c in note.checks))
    from srvdoctor.checks.ids import CHECK_IDS  # known ids without importing a check module

    runnable_ids = [c for c in named if c in CHECK_IDS]
    unknown = [c for c in named if c not in CHECK_IDS]

    report: Report | None = None
    if runnable_ids and not no_run:
        from srvdoctor.checks import registry
        from srvdoctor.checks.base import CheckContext
        from srvdoctor.runner import run_report

        by_id = registry.by_id(runnable_ids)

        scoped = scoped_config(config, found.extracted)
        ctx = CheckContext(config=scoped, timeout=probe_timeout, debug=debug)
        report = run_report(registry.build([by_id[c] for c in runnable_ids], scoped), ctx)

    confirmed = confirmed_by(report)
    focus = focus_results(
        "\n".join(dict.fromkeys(h.line for h in found.hits)) or found.error_class.line, report
    )
    matched = rank_confirmed(matched, confirmed, focus)
    record = _record(found, matched, runnable_ids, unknown, report, no_run, confirmed)
    record["why"] = _why(found, matched)
    record["recognised"] = [score.note for score in found.ranked]
    record["input"] = {"bytes_read": len(raw.encode("utf-8", "surrogatepass")), "truncated": truncated}
    record["focus"] = [{"path": path, **r.to_dict()} for path, r in focus]
    save_last_triage(
        {k: record[k] for k in ("error_class", "error_lines", "notes", "checks", "targets")}
        | {"notes": [n["id"] for n in record["notes"]]}
    )
    if fmt == "json":
        print_json(record, output)
    else:
        con = report_console(output)
        _print(con, found, matched, runnable_ids, report, library.paths(), focus, confirmed)

        flush_console(con, output)
    raise typer.Exit(report.exit_code(FAIL_ON[config.fail_on]) if report else 0)


def _why(found: Triage, matched: list[tuple[Playbook, list[str]]]) -> str:
    """One line: why the first note won."""
    if not matched:
        return ""
    first, hits = matched[0]
    if first.origin != "shipped" and (not found.ranked or found.ranked[0].note != first.id or not found.why):
        return t(
            "{note} first: your own note matches {hit!r} (your notes come first)", note=first.id, hit=hits[0]
        )
    if found.ranked and found.ranked[0].note == first.id:
        return found.why
    return t("{note} first: the best-ranked note this library has for the conditions found", note=first.id)


def _record(
    found: Triage,
    matched: list[tuple[Playbook, list[str]]],
    run: list[str],
    unknown: list[str],
    report: Report | None,
    no_run: bool,
    confirmed: dict[str, list[str]],
) -> dict[str, Any]:
    from srvdoctor import __version__

    return {
        "schema": 1,
        "tool": "srvdoctor",
        "version": __version__,
        "error_class": found.error_class.to_dict(),
        "error_lines": list(found.error_lines),
        "targets": found.extracted.to_dict(),
        "notes": [
            {
                "id": n.id,
                "title": n.title,
                "origin": n.origin,
                "path": str(n.path),
                "matched": hits,
                "checks": list(n.checks),
                "confirmed_by": confirmed.get(n.id, []),
            }
            for n, hits in matched
        ],
        "checks": {"run": [] if no_run else run, "named": [*run, *unknown], "unknown": unknown},
        "report": report.to_dict() if report is not None else None,
        "status": report.status.value if report is not None else None,
    }


def _print(
    con: Console | PlainConsole,
    found: Triage,
    matched: list[tuple[Playbook, list[str]]],
    runnable: list[str],
    report: Report | None,
    playbook_paths: dict[str, str],
    focus: list[tuple[str, Result]],
    confirmed: dict[str, list[str]],
) -> None:
    from srvdoctor.render.safe import markup as escape
    from srvdoctor.render.table import mark, print_results, verdict

    ec = found.error_class
    con.print(_("[bold]Error class:[/bold] {what}").format(what=escape(localize(ec.describe()))))
    if ec.line:
        con.print(f"  {escape(ec.line)}", style="dim")
    if ec.frame is not None:
        f = ec.frame
        where = f"{f.file}:{f.line}" + (_(" in {function}").format(function=f.function) if f.function else "")
        code = f"  →  {escape(f.code)}" if f.code else ""
        con.print(_("  in your code: {where}").format(where=escape(where)) + code)
    if ec.kind == "code":
        con.print(_("  This is a bug in the program, not a problem of the machine: read that frame first."))
    if ec.also:
        also = ", ".join(localize(label) for label in ec.also)
        con.print(_("  also in the text: {labels}").format(labels=escape(also)), style="dim")
    con.print()

    if not matched:
        missing = [score.note for score in found.ranked if score.note not in playbook_paths]
        if missing:
            con.print(
                _("Recognised as {label}: the note for it, {notes}, is not in this library.").format(
                    label=escape(localize(ec.label)), notes=escape(", ".join(missing[:3]))
                )
            )
        con.print(_("[bold]No note matches this error.[/bold] The lines that look like the error:"))
        for line in found.error_lines:
            con.print(f"  {escape(line)}")
        con.print("\n" + _("When you have found the cause, write it down so that the next triage finds it:"))
        con.print("  [cyan]srvdoctor notes new --from-triage[/cyan]")
        return

    con.print(_("[bold]Notes that match[/bold] (best first):"))
    for rank, (note, hits) in enumerate(matched, start=1):
        origin = "" if note.origin == "shipped" else f" [dim]({note.origin})[/dim]"
        by = confirmed.get(note.id)
        holds = (
            _(" [bold red]← {checks} confirms it[/bold red]").format(checks=escape(", ".join(by)))
            if by
            else ""
        )
        con.print(f"  {rank}. [cyan]{escape(note.id)}[/cyan]: {escape(note.title)}{origin}{holds}")
        said = ", ".join(repr(h) if not isinstance(h, Msg) else repr(localize(h)) for h in hits)
        con.print(_("     matched: {hits}").format(hits=escape(said)), style="dim")
        where = playbook_paths.get(note.id, str(note.path))
        con.print(f"     → [cyan]srvdoctor notes {escape(note.id)}[/cyan] [dim]({escape(where)})[/dim]")
    reason = _why(found, matched)
    if reason:
        con.print(_("  Why first: {reason}").format(reason=escape(localize(reason))), style="dim")
    ex = found.extracted
    named = [
        f"{_(_KINDS.get(kind, kind))} {', '.join(values)}" for kind, values in ex.to_dict().items() if values
    ]
    if named:
        con.print("\n" + _("From the text: {values}").format(values=escape("; ".join(named))))
    con.print()

    if not runnable:
        con.print(_("These notes name no check that can run here."), style="dim")
        return
    if report is None:
        con.print(
            _("Checks these notes name (not run, --no-run): {checks}").format(checks=", ".join(runnable))
        )
        return
    con.print(_("[bold]Checks these notes name:[/bold] {checks}").format(checks=", ".join(runnable)))
    print_results(con, report.results, playbook_paths)
    for path in dict.fromkeys(p for p, _r in focus):
        results = [r for p, r in focus if p == path]
        if results[0].target == path:
            continue  # results about the path itself were shown above
        con.print(
            _("The error's path {path} is on {target}:").format(
                path=escape(path), target=escape(results[0].target)
            )
        )
        for r in results:
            con.print(
                f"  {mark(con, r.status)} [bold]{escape(r.check)}[/bold]: {escape(localize(r.summary))}"
            )
    text, style = verdict(report)
    con.print(escape(text), style=style)
    problems = report.problems()
    # the problem where the error happened (the path's filesystem) first, then any other
    ordered = [r for _p, r in focus if r.status.is_problem] + problems
    first = next((r.playbook for r in ordered if r.playbook), None) or matched[0][0].id
    if problems:
        con.print(_("Start with: [cyan]srvdoctor notes {id}[/cyan]").format(id=escape(first)))
    else:
        con.print(
            _(
                "The checks find nothing wrong now: the cause may have passed (space freed, process ended) "
                "or lies elsewhere. Read: [cyan]srvdoctor notes {id}[/cyan]"
            ).format(id=escape(first))
        )


#: How `From the text:` names what the error text mentions (keys of Extracted.to_dict).
_KINDS = {"paths": N_("paths"), "ports": N_("ports"), "hosts": N_("hosts"), "urls": N_("urls")}
