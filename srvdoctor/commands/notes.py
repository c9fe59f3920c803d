"""`srvdoctor notes [ID]`: list or show the playbooks (wrong-answer notes)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

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
)
from srvdoctor.constants import COMMAND_FORMATS


def notes(
    note_id: Annotated[str | None, typer.Argument(metavar="[ID]", help="Show this note.")] = None,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    config_path: ConfigOpt = None,
) -> None:
    """List the playbooks (wrong-answer notes), or show one; your own notes included."""
    from srvdoctor.playbooks import load_library

    check_format(fmt, COMMAND_FORMATS)
    config = load(config_path)
    library = load_library(config.resolved_notes_dir())
    for problem in library.problems:
        print(f"srvdoctor: warning: skipped note {problem}", file=sys.stderr)

    if note_id is None:
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
        from rich.markup import escape
        from rich.table import Table

        con = console(output)
        table = Table(box=None, show_header=True, header_style="bold", pad_edge=False)
        table.add_column("id", style="cyan", no_wrap=True)
        table.add_column("title")
        table.add_column("origin", style="dim")
        for n in library.notes.values():
            table.add_row(escape(n.id), escape(n.title), n.origin)
        con.print(table)
        con.print(f"\n{len(library.notes)} notes. Show one with: srvdoctor notes ID", style="dim")
        flush_console(con, output)
        return

    note = library.get(note_id)
    if note is None:
        near = library.nearest(note_id)
        hint = f"; did you mean {', '.join(near)}?" if near else "; list them with: srvdoctor notes"
        raise UsageError(f"no note with id {note_id!r}{hint}")
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
