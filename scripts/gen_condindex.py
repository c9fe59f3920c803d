#!/usr/bin/env python3
"""Generate srvdoctor/condindex_data.py: the conditions table made ready to search, ahead of time.

`condindex.build()` reads the localised strerror and program messages (two JSON files) and
derives every condition's literal keys and anchors: about 9 ms of each `srvdoctor triage`
(issue 17). The result depends only on srvdoctor/conditions.py and srvdoctor/data/, so it is
built here, once, into a Python literal; `condindex.compiled()` uses it while the conditions'
ids, patterns and keys are the ones it was built from, and builds the table at run time
otherwise (always correct, only slower). tests/test_conditions.py fails while the module is out
of date, naming this script.

    python3 scripts/gen_condindex.py            # rewrite the module
    python3 scripts/gen_condindex.py --check    # exit 1 if the module differs
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULE = ROOT / "srvdoctor" / "condindex_data.py"

sys.path.insert(0, str(ROOT))
from genmodule import module_main  # noqa: E402

from srvdoctor.condindex import build, inputs  # noqa: E402

HEADER = '''# ruff: noqa: E501
"""The conditions table made ready to search, built ahead of time (scripts/gen_condindex.py).

Do not edit: rerun the script after changing srvdoctor/conditions.py or srvdoctor/data/ (a test
says when). INPUTS is what it was built from; condindex.compiled() builds the table itself when
the conditions differ. TABLE: per condition, in order, (literals, keys, anchors, phrases).
"""

# fmt: off
'''


def render() -> str:
    rows = "".join(f"    {(c.literals, c.keys, c.anchors, c.phrases)!r},\n" for c in build())
    return HEADER + f"INPUTS = {inputs()!r}\n\nTABLE = (\n{rows})\n# fmt: on\n"


def main() -> int:
    return module_main(
        __doc__, MODULE, render, "gen_condindex.py", lambda _text: f"{len(inputs())} conditions"
    )


if __name__ == "__main__":
    raise SystemExit(main())
