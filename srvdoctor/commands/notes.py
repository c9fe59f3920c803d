"""`srvdoctor notes`: list, show, search and write the playbooks (wrong-answer notes).

srvdoctor notes                 list them
srvdoctor notes ID              show one (same as `notes show ID`)
srvdoctor notes new [TITLE]     write a new note of your own from the template
srvdoctor notes search WORDS    search titles and bodies
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from srvdoctor.commands.common import (
    ConfigOpt,
    FormatOpt,
    OutputOpt,
    UsageError,
    check_format,
    console,
    flush_console,
    load,
    print_json,
    report_console,
)
from srvdoctor.commands.completion import complete_note_ids
from srvdoctor.constants import COMMAND_FORMATS
from srvdoctor.messages import _, display_language, localize, ngettext, oserror
from srvdoctor.shellcmd import cmd

if TYPE_CHECKING:
    from srvdoctor.config import Config
    from srvdoctor.playbooks import Library


class _NotesGroup(TyperGroup):
    """`notes WORD`: a subcommand when WORD is one, else the id of a note to show."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["show", *args]
        return super().resolve_command(ctx, args)


notes_app = typer.Typer(
    cls=_NotesGroup,
    invoke_without_command=True,
    no_args_is_help=False,
    add_completion=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="List the playbooks (wrong-answer notes), or show one; your own notes included.\n\n"
    "srvdoctor notes ID shows a note; notes new writes one of your own; notes search finds them.",
)


def _language(fmt: str) -> str:
    """The language of the notes: the run's (cli.py resolved --lang, SRVDOCTOR_LANG, the
    locale); JSON is English unless --lang was given."""
    from srvdoctor.messages import display_language, machine_language

    return machine_language() if fmt == "json" else display_language()


def _library(config: Config, lang: str = "en") -> Library:
    from srvdoctor.playbooks import load_library

    library = load_library(config.resolved_notes_dir(), lang=lang)
    for problem in library.problems:
        print(
            "srvdoctor: warning: " + _("skipped note {problem}").format(problem=localize(problem)),
            file=sys.stderr,
        )
    return library


@notes_app.callback()
def notes(
    ctx: typer.Context,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    config_path: ConfigOpt = None,
) -> None:
    """List the playbooks (wrong-answer notes), or show one; your own notes included."""
    if ctx.invoked_subcommand is not None:
        return
    check_format(fmt, COMMAND_FORMATS)
    library = _library(load(config_path), _language(fmt))
    if fmt == "json":
        print_json(
            [
                {"id": n.id, "title": n.title, "checks": list(n.checks), "origin": n.origin,
                 "path": str(n.path)}
                for n in library.notes.values()
            ],
            output,
        )  # fmt: skip
        return
    from srvdoctor.render.plain import PlainConsole
    from srvdoctor.render.safe import markup as escape

    rows = [(escape(n.id), escape(n.title), n.origin) for n in library.notes.values()]
    header = ("id", _("title"), _("origin"))
    # English lists them untitled; another language titles the list (오답노트)
    title = _("Wrong-answer notes") if display_language() != "en" else None
    con = report_console(output)
    # into a pipe, the table rich would print, without loading rich (render/plain.py)
    plain = isinstance(con, PlainConsole) and title is None
    if not (plain and con.print_table([header, *rows], (True, False, False))):  # type: ignore[union-attr]
        from rich.table import Table

        con = console(output)
        table = Table(box=None, show_header=True, header_style="bold", pad_edge=False)
        table.title = title
        table.add_column(header[0], style="cyan", no_wrap=True)
        table.add_column(header[1])
        table.add_column(header[2], style="dim")
        for row in rows:
            table.add_row(*row)
        con.print(table)
    count = len(library.notes)
    text = ngettext(
        "{n} note. Show one with: srvdoctor notes ID", "{n} notes. Show one with: srvdoctor notes ID", count
    )
    con.print("\n" + text.format(n=count), style="dim")
    flush_console(con, output)


@notes_app.command("show")
def show(
    note_id: Annotated[
        str, typer.Argument(metavar="ID", help="The note to show.", autocompletion=complete_note_ids)
    ],
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    config_path: ConfigOpt = None,
) -> None:
    """Show one note (also: srvdoctor notes ID)."""
    check_format(fmt, COMMAND_FORMATS)
    library = _library(load(config_path), _language(fmt))
    note = library.get(note_id)
    if note is None:
        near = _near(note_id, list(library.notes))
        if near:
            raise UsageError(
                _("no note with id {id!r}; did you mean {near}?").format(id=note_id, near=", ".join(near))
            )
        raise UsageError(_("no note with id {id!r}; list them with: srvdoctor notes").format(id=note_id))
    if fmt == "json":
        print_json(
            {"id": note.id, "title": note.title, "checks": list(note.checks),
             "matches": list(note.matches), "origin": note.origin, "path": str(note.path),
             "body": note.body},
            output,
        )  # fmt: skip
        return
    con = console(output)
    if con.is_terminal:
        from rich.markdown import Markdown

        con.print(Markdown(f"# {note.title}\n\n{note.body}"))
        con.print(f"\n{note.path}", style="dim")
    else:
        con.print(f"# {note.title}\n\n{note.body}\n({note.path})", markup=False, highlight=False)
    flush_console(con, output)


def _near(note_id: str, ids: list[str]) -> list[str]:
    """Ids close to a mistyped one: a near spelling (difflib ratio >= 0.6) or a whole word of it.

    `disk-ful` -> disk-full, `oom` -> oom-killed; `nosuch` -> nothing rather than an unrelated id.
    """
    import difflib

    query = note_id.strip().lower()
    near = difflib.get_close_matches(query, ids, n=3, cutoff=0.6)
    if len(query) >= 3:
        near += [i for i in sorted(ids) if i not in near and (query in i.split("-") or i.startswith(query))]
    return near[:3]


@notes_app.command("search")
def search(
    words: Annotated[list[str], typer.Argument(metavar="WORDS...", help="Every word must occur.")],
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    config_path: ConfigOpt = None,
) -> None:
    """Search the titles and bodies of the shipped notes and yours (all words, any case)."""
    import unicodedata

    from srvdoctor.usernotes import search as search_notes

    check_format(fmt, COMMAND_FORMATS)
    # NFC: Hangul typed on macOS arrives decomposed (NFD); the notes are composed
    terms = [unicodedata.normalize("NFC", w) for w in words if w.strip()]
    if not terms:
        raise UsageError(_("give at least one word to search for"))
    hits = search_notes(_library(load(config_path), _language(fmt)), terms)
    if fmt == "json":
        print_json(
            [{"id": h.note.id, "title": h.note.title, "origin": h.note.origin, "path": str(h.note.path),
              "score": h.score, "snippets": list(h.snippets)} for h in hits],
            output,
        )  # fmt: skip
        return
    from srvdoctor.render.safe import markup as escape

    con = console(output)
    for hit in hits:
        con.print(
            f"[cyan]{escape(hit.note.id)}[/cyan]  {escape(hit.note.title)}  [dim]({hit.note.origin})[/dim]"
        )
        for line in hit.snippets:
            con.print(f"    {escape(line[:160])}", style="dim")
    joined = " ".join(terms)
    if hits:
        found = ngettext(
            "{n} note mentions {words!r}. Show one with: srvdoctor notes ID",
            "{n} notes mention {words!r}. Show one with: srvdoctor notes ID",
            len(hits),
        )
        con.print("\n" + found.format(n=len(hits), words=joined), style="dim")
    else:
        con.print(
            _('No note mentions {words!r}. Write one with: srvdoctor notes new "TITLE"').format(words=joined)
        )
    flush_console(con, output)


@notes_app.command("new")
def new(
    title: Annotated[str | None, typer.Argument(metavar="[TITLE]", help="The note's title.")] = None,
    note_id: Annotated[
        str | None, typer.Option("--id", help="The note's id (default: from the title).", metavar="ID")
    ] = None,
    from_triage: Annotated[
        bool,
        typer.Option(
            "--from-triage", help="Start from the last `srvdoctor triage`: its error lines become `matches`."
        ),
    ] = False,
    match: Annotated[
        list[str] | None,
        typer.Option("--match", help="A regex of the error text (repeatable).", metavar="REGEX"),
    ] = None,
    check_ids: Annotated[
        list[str] | None, typer.Option("--check", help="A check id to run (repeatable).", metavar="CHECK")
    ] = None,
    edit: Annotated[
        bool, typer.Option("--edit/--no-edit", help="Open $EDITOR when interactive (default).")
    ] = True,
    fmt: FormatOpt = "table",
    config_path: ConfigOpt = None,
) -> None:
    """Write a new note of your own from the template and print its path."""
    import re

    from srvdoctor.checks.registry import CHECKS
    from srvdoctor.playbooks import _ID
    from srvdoctor.saferegex import UnsafePattern, compile_linear
    from srvdoctor.triage import suggest_match
    from srvdoctor.usernotes import RESERVED_IDS, load_last_triage, note_text, slugify

    check_format(fmt, COMMAND_FORMATS)
    config = load(config_path)
    record: dict[str, Any] | None = None
    if from_triage:
        record = load_last_triage()
        if record is None:
            raise UsageError(
                _("no triage to start from: run srvdoctor triage first, then notes new --from-triage")
            )
    lines: list[str] = [str(x) for x in (record or {}).get("error_lines", [])]
    if not title:
        if not lines:
            raise UsageError(
                _('give the note a title: srvdoctor notes new "Stale file handle on /mnt/shared"')
            )
        title = lines[-1][:80]
    title = " ".join(title.split())
    note_id = note_id or slugify(title)
    if not note_id or not _ID.fullmatch(note_id):
        raise UsageError(
            _("a note id is lowercase letters, digits and dashes, not {id!r}; use --id").format(id=note_id)
        )
    if note_id in RESERVED_IDS:
        raise UsageError(
            _("{id!r} is a notes subcommand and cannot be a note id; use --id").format(id=note_id)
        )

    known = {c.id for c in CHECKS}
    checks = list(check_ids or [])
    for cid in checks:
        if cid not in known:
            raise UsageError(
                _("--check {id}: no such check; known: {known}").format(
                    id=cid, known=", ".join(sorted(known))
                )
            )
    checks += [c for c in (record or {}).get("checks", {}).get("run", []) if c in known]
    matches = list(match or [])
    for pattern in matches:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise UsageError(
                _("--match {pattern!r}: not a regular expression: {error}").format(pattern=pattern, error=exc)
            ) from None
        try:  # user notes are matched by RE2, in linear time: refuse what it cannot run
            compile_linear(pattern)
        except UnsafePattern as exc:
            raise UsageError(
                _("--match {pattern!r}: {error} (no lookaround or backreferences)").format(
                    pattern=pattern, error=exc
                )
            ) from None
    matches += [suggest_match(line) for line in lines[-3:]]

    directory = config.resolved_notes_dir()
    library = _library(config)
    existing = library.get(note_id)
    if existing is not None:
        message = _("a note with id {id!r} already exists: {path} (choose --id)").format(
            id=note_id, path=existing.path
        )
        if existing.origin == "shipped":
            copy = cmd("cp", str(existing.path), f"{directory}/")
            message += _("; to override the shipped note, copy it: {command}").format(command=copy)
        raise UsageError(message)
    path = directory / f"{note_id}.md"
    text = note_text(
        note_id,
        title,
        list(dict.fromkeys(matches)),
        list(dict.fromkeys(checks)),
        lines,
        lang=display_language(),
    )
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as fh:
            fh.write(text)
    except FileExistsError:
        raise UsageError(_("{path} already exists (choose --id)").format(path=path)) from None
    except OSError as exc:
        raise UsageError(
            _("cannot write {path}: {error}").format(path=path, error=localize(oserror(exc)))
        ) from None

    if edit:
        _open_editor(path)
    if fmt == "json":
        print_json({"id": note_id, "title": title, "path": str(path)}, None)
        return
    print(path)
    print(_("Show it with: {command}").format(command=cmd("srvdoctor", "notes", note_id)), file=sys.stderr)


def _open_editor(path: Path) -> None:
    """$VISUAL or $EDITOR on the new note, only when both ends are a terminal."""
    import os
    import shlex
    import subprocess

    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor or not (sys.stdin.isatty() and sys.stdout.isatty()):
        return
    try:
        subprocess.run([*shlex.split(editor), str(path)], check=False)
    except OSError as exc:
        reason = localize(oserror(exc))
        print(
            "srvdoctor: warning: "
            + _("could not start {editor!r}: {error}").format(editor=editor, error=reason),
            file=sys.stderr,
        )
        return
    from srvdoctor.playbooks import PlaybookError, parse_playbook

    try:
        parse_playbook(path.read_text(encoding="utf-8"), path, "user")
    except (PlaybookError, OSError, UnicodeDecodeError) as exc:
        why = localize(exc.args[0]) if isinstance(exc, PlaybookError) and exc.args else str(exc)
        print(
            "srvdoctor: warning: " + _("the note will be skipped until fixed: {error}").format(error=why),
            file=sys.stderr,
        )
