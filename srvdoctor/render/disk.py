"""The human `srvdoctor disk` screen: df table, du-style tree, largest files, space eaters, verdict."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from srvdoctor.checks.disk_gap import df_gap, gap_lines, inodes_full, reserve_note
from srvdoctor.messages import N_, _, display_language, localize, ngettext
from srvdoctor.shellcmd import quote

if TYPE_CHECKING:
    from rich.console import Console

    from srvdoctor.model import Report
    from srvdoctor.probes.filesystems import Filesystem, FilesystemError
    from srvdoctor.probes.scan import Node, ScanResult

_INCOMPLETE = {"time limit": N_("time limit"), "interrupted": N_("interrupted")}


def print_disk(
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
            notes.append(reserve_note(fs))
    con.print(table)
    for note in notes:
        con.print(f"  [dim]{escape(localize(note))}[/dim]")
    con.print()

    def size_of(n: Node) -> int:
        return n.apparent if r.apparent_size else n.bytes

    mode = _("apparent size") if r.apparent_size else _("allocated size, like du")
    total = size_of(r.root)
    by_entries = inodes_full(own)
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
    gap = df_gap(own, r)
    if gap is not None:
        first, *causes = gap_lines(*gap, r, report)
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
