#!/usr/bin/env python3
"""Generate srvdoctor/playbook_meta.py: the shipped notes' front matter, parsed ahead of time.

Loading PyYAML costs about 18 ms, a fifth of `srvdoctor notes` or `triage`. The shipped notes
do not change between releases, so their front matter is parsed here, once, into a Python
literal keyed by the exact front-matter text; `playbooks.parse_playbook` takes a note's values
from it when its text is there and parses with YAML otherwise (a user's note, or a shipped one
edited since: always correct, only slower). tests/test_playbooks.py fails while the module is
out of date, naming this script.

    python3 scripts/gen_playbook_meta.py            # rewrite the module
    python3 scripts/gen_playbook_meta.py --check    # exit 1 if the module differs
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
MODULE = ROOT / "srvdoctor" / "playbook_meta.py"
PLAYBOOKS = ROOT / "playbooks"

sys.path.insert(0, str(ROOT))
from genmodule import module_main  # noqa: E402

from srvdoctor.playbooks import _FRONT_MATTER  # noqa: E402

HEADER = '''# ruff: noqa: E501
"""The shipped notes' front matter, parsed ahead of time (scripts/gen_playbook_meta.py).

Do not edit: rerun the script after changing a note in playbooks/ (a test says when).
Keyed by the exact front-matter text, so a note whose text differs is parsed with YAML.
"""

from typing import Any

# fmt: off
META: dict[str, dict[str, Any]] = {
'''


def render() -> str:
    entries: dict[str, dict[str, Any]] = {}
    for path in sorted(PLAYBOOKS.rglob("*.md")):
        match = _FRONT_MATTER.match(path.read_text(encoding="utf-8"))
        if not match:
            continue
        front = match.group(1)
        meta = yaml.load(front, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        if not isinstance(meta, dict) or ast.literal_eval(repr(meta)) != meta:
            continue  # not a plain literal (a date, say): left to YAML at run time
        entries[front] = meta
    body = "".join(f"    {front!r}: {meta!r},\n" for front, meta in entries.items())
    return HEADER + body + "}\n# fmt: on\n"


def main() -> int:
    return module_main(
        __doc__,
        MODULE,
        render,
        "gen_playbook_meta.py",
        lambda text: f"{text.count(chr(10)) - HEADER.count(chr(10)) - 2} notes",
    )


if __name__ == "__main__":
    raise SystemExit(main())
