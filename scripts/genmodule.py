"""What the scripts that generate a module of srvdoctor share: `--check`, or write it.

from genmodule import write_or_check
raise SystemExit(write_or_check(__doc__, MODULE, render, "gen_x.py", summary))
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def write_or_check(doc: str | None, module: Path, render: Callable[[], str], script: str,
                   summary: Callable[[str], str]) -> int:  # fmt: skip
    """Parse `--check`; with it, 1 when `module` differs from `render()` (naming `script`),
    else write the module and print `summary(text)`. The exit status."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="exit 1 if the module is out of date")
    args = parser.parse_args()
    text = render()
    name = module.relative_to(ROOT)
    if args.check:
        current = module.read_text(encoding="utf-8") if module.exists() else ""
        if current != text:
            print(f"{name} is out of date: run python3 scripts/{script}")
            return 1
        return 0
    module.write_text(text, encoding="utf-8")
    print(f"wrote {name}: {summary(text)}")
    return 0
