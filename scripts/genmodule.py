"""What the scripts that generate a file of srvdoctor share: `--check` it, or write it.

from genmodule import check_or_write, module_main
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def check_or_write(path: Path, text: str, script: str, check: bool, summary: str = "") -> int:
    """With `check`: 1 (naming `script`) when `path` differs from `text`, else 0. Without: write
    `text` to `path` and say so (with `summary`). The exit status."""
    name = path.relative_to(ROOT)
    if check:
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != text:
            print(f"{name} is out of date: run python3 scripts/{script}", file=sys.stderr)
            return 1
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(f"wrote {name}" + (f": {summary}" if summary else ""))
    return 0


def module_main(doc: str | None, module: Path, render: Callable[[], str], script: str,
                summary: Callable[[str], str]) -> int:  # fmt: skip
    """The whole command line of a generator with no option but `--check`."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="exit 1 if the module is out of date")
    args = parser.parse_args()
    text = render()
    return check_or_write(module, text, script, args.check, "" if args.check else summary(text))
