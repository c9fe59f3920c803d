"""Shell completion of srvdoctor's own vocabulary: areas, check ids, note ids.

Typer calls these with the word being completed (bash, zsh and fish alike:
`srvdoctor --install-completion`). They must be quick and never fail: a completion that
raises prints a traceback into the user's prompt.
"""

from __future__ import annotations


def complete_areas(incomplete: str) -> list[str]:
    """`--only disk,g<TAB>` -> `disk,gpu`: the last comma-separated word is completed."""
    from srvdoctor.constants import AREAS

    done, _, last = incomplete.rpartition(",")
    prefix = f"{done}," if done else ""
    taken = set(done.split(","))
    return [prefix + area for area in AREAS if area.startswith(last) and area not in taken]


def complete_note_ids(incomplete: str) -> list[str]:
    """Ids of the shipped notes and the user's own."""
    try:
        from srvdoctor.config import load_config
        from srvdoctor.playbooks import load_library

        library = load_library(load_config(None).resolved_notes_dir())
        return sorted(note_id for note_id in library.notes if note_id.startswith(incomplete))
    except Exception:
        return []
