"""Give a block scalar an explicit indentation indicator when its first line is indented.

YAML guesses a block's indentation from its first line, so a pasted text that starts with
spaces would lose them. Run after adding entries: ``python tests/triage_corpus/fix_indent.py``.
"""

import sys
from pathlib import Path

path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("corpus.yaml")
lines = path.read_text(encoding="utf-8").split("\n")
for i, line in enumerate(lines[:-1]):
    if line == "  text: |" and lines[i + 1].startswith("     "):
        lines[i] = "  text: |2"
path.write_text("\n".join(lines), encoding="utf-8")
