"""srvdoctor.lazyre: module-level patterns compile on first use, and then act as re's."""

from __future__ import annotations

import re
import subprocess
import sys

from srvdoctor.lazyre import lazy


def test_a_lazy_pattern_answers_as_the_compiled_one() -> None:
    text = "port 8080 and PORT 9090, port x"
    ours, theirs = lazy(r"port (\d+)", re.I), re.compile(r"port (\d+)", re.I)
    assert ours._compiled is None  # nothing compiled until asked
    for method in ("search", "match", "fullmatch", "findall", "split"):
        got, want = getattr(ours, method)(text), getattr(theirs, method)(text)
        assert (got.span() if isinstance(got, re.Match) else got) == (
            want.span() if isinstance(want, re.Match) else want
        )
    assert [m.group(1) for m in ours.finditer(text)] == ["8080", "9090"]
    assert ours.sub("<\\1>", text) == theirs.sub("<\\1>", text)
    assert ours.subn(lambda m: m.group(1), text, 1) == theirs.subn(lambda m: m.group(1), text, 1)
    assert ours.search(text, 10).group(1) == "9090"  # type: ignore[union-attr]
    assert ours.flags == theirs.flags and ours.pattern == theirs.pattern


def test_importing_every_module_compiles_no_pattern() -> None:
    """What a command imports costs it nothing in regex compilation (issue 17): every
    module-level pattern is lazy, and nothing in a module body compiles one."""
    code = (
        "import re, sys, traceback, importlib, pkgutil\n"
        "import typer\n"  # typer's own patterns are not ours
        "real = re._compile\n"
        "seen = []\n"
        "def spy(pattern, flags):\n"
        "    frames = [f for f in traceback.extract_stack()[:-1] if not f.filename.endswith('re/__init__.py')]\n"
        "    caller = frames[-1]  # who called re.compile (or re.search...): ours, or a library's\n"
        "    if '/srvdoctor/' in caller.filename:\n"
        "        seen.append(f'{caller.filename}:{caller.lineno} {pattern!r}'[-160:])\n"
        "    return real(pattern, flags)\n"
        "re._compile = spy\n"
        "import srvdoctor\n"
        "for info in pkgutil.walk_packages(srvdoctor.__path__, 'srvdoctor.'):\n"
        "    if info.name != 'srvdoctor.__main__':\n"
        "        importlib.import_module(info.name)\n"
        "print(len(sys.modules))\n"
        "if seen: print(*seen, sep='\\n')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded, *compiled = out.splitlines()
    assert int(loaded) > 100
    assert compiled == []
