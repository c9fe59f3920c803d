"""Score `srvdoctor triage --no-run` on the real-text corpus: top-1 and top-3 per expected note.

Usage (from the repository root):

    .venv/bin/python tests/triage_corpus/score.py [--verbose] [--only ID_PREFIX]

Each entry is passed on stdin to the installed `srvdoctor` next to this Python, exactly as a
user would pipe a log into it. An entry passes top-1 when the first ranked note is its
`expect` or one of its `also` ids; top-3 when one of the first three is. An entry expecting
`code-bug` passes only when no note ranks at all (every shipped note is an infrastructure
note). Entries whose expected note is not shipped yet are counted apart ("no note yet").
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CODE_BUG = "code-bug"


def load_corpus(path: Path = HERE / "corpus.yaml") -> list[dict[str, object]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, list)
    return data


def shipped_ids() -> set[str]:
    return {p.stem for p in (ROOT / "playbooks").glob("*.md")}


def rank(text: str, env: dict[str, str]) -> list[str]:
    exe = Path(sys.executable).with_name("srvdoctor")
    proc = subprocess.run(
        [str(exe), "triage", "--no-run", "--format", "json"],
        input=text.encode("utf-8"),
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )
    if proc.returncode not in (0, 1):
        raise RuntimeError(proc.stderr.decode("utf-8", "replace").strip())
    record = json.loads(proc.stdout)
    return [n["id"] if isinstance(n, dict) else str(n) for n in record.get("notes", [])]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--verbose", action="store_true", help="print every miss")
    ap.add_argument("--only", default="", help="score only ids starting with this")
    args = ap.parse_args()

    corpus = [e for e in load_corpus() if str(e["id"]).startswith(args.only)]
    shipped = shipped_ids()
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=home, SRVDOCTOR_NOTES=home, NO_COLOR="1")
        per: dict[str, Counter[str]] = defaultdict(Counter)
        total: Counter[str] = Counter()
        for entry in corpus:
            expect = str(entry["expect"])
            ok_ids = {expect, *[str(a) for a in entry.get("also") or []]}  # type: ignore[union-attr]
            notes = rank(str(entry["text"]), env)
            if expect == CODE_BUG:
                top1 = top3 = not notes
                group = "code bugs"
            else:
                top1 = bool(notes) and notes[0] in ok_ids
                top3 = any(n in ok_ids for n in notes[:3])
                group = "shipped note" if expect in shipped else "no note yet"
            per[expect].update(n=1, top1=int(top1), top3=int(top3))
            total.update({f"{group} n": 1, f"{group} top1": int(top1), f"{group} top3": int(top3)})
            if args.verbose and not top1:
                print(f"MISS {entry['id']}: expect {expect}, got {notes[:3]}")

    print(f"{'expected note':28} {'n':>4} {'top-1':>6} {'top-3':>6}")
    for note in sorted(per):
        c = per[note]
        mark = "" if note == CODE_BUG or note in shipped else "  (no note yet)"
        print(f"{note:28} {c['n']:4} {c['top1']:6} {c['top3']:6}{mark}")
    print()
    for group in ("shipped note", "code bugs", "no note yet"):
        n = total[f"{group} n"]
        if n:
            t1, t3 = total[f"{group} top1"], total[f"{group} top3"]
            print(
                f"{group:14} n={n:4}  top-1 {t1:4} ({100 * t1 / n:5.1f}%)  top-3 {t3:4} ({100 * t3 / n:5.1f}%)"
            )
    n = sum(total[f"{g} n"] for g in ("shipped note", "code bugs", "no note yet"))
    t1 = sum(total[f"{g} top1"] for g in ("shipped note", "code bugs", "no note yet"))
    t3 = sum(total[f"{g} top3"] for g in ("shipped note", "code bugs", "no note yet"))
    print(f"{'all':14} n={n:4}  top-1 {t1:4} ({100 * t1 / n:5.1f}%)  top-3 {t3:4} ({100 * t3 / n:5.1f}%)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
