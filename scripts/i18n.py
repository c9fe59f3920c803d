#!/usr/bin/env python3
"""The gettext catalogs: extract the marked strings, check a language, merge, compile.

    python scripts/i18n.py extract            # po/srvdoctor.pot (not committed)
    python scripts/i18n.py check ko           # untranslated, obsolete, broken placeholders
    python scripts/i18n.py missing ko [FILE…] # the untranslated messages as .po entries
    python scripts/i18n.py update ko          # po/ko.po: merge parts, add new, drop obsolete
    python scripts/i18n.py compile            # po/*.po -> srvdoctor/locale/*/LC_MESSAGES/*.mo

What is marked: calls of `t`, `tn`, `_`, `ngettext` and `N_` (srvdoctor/messages.py) with
literal strings; every `help=` literal and command docstring under srvdoctor/commands and
cli.py (the CLI translates its Click objects' help at start-up). A template is a
`str.format` string; an f-string passed to one of these is a bug this script reports.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import string
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "srvdoctor"
KEYWORDS: dict[str, Any] = {"t": None, "tn": (1, 2), "_": None, "ngettext": (1, 2), "N_": None}
#: Where `help=` literals and command docstrings are user-facing.
HELP_SOURCES = ("srvdoctor/cli.py", "srvdoctor/commands")


def _hatch_build() -> Any:
    spec = importlib.util.spec_from_file_location("hatch_build", ROOT / "hatch_build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _version() -> str:
    text = (PACKAGE / "__init__.py").read_text(encoding="utf-8")
    return text.split("__version__ = ", 1)[1].split("\n", 1)[0].strip("\"'")


def sources(only: list[str] | None = None) -> Iterator[Path]:
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if only and not any(rel == o or rel.startswith(o.rstrip("/") + "/") for o in only):
            continue
        yield path


def _help_strings(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """`help="…"` literals and the docstrings of functions that typer turns into commands."""
    for node in ast.walk(tree):
        value = node.value if isinstance(node, ast.keyword) and node.arg == "help" else None
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            yield value.lineno, value.value
        if isinstance(node, ast.FunctionDef):
            is_command = any(
                isinstance(d, ast.Call)
                and isinstance(d.func, ast.Attribute)
                and d.func.attr in ("command", "callback")
                for d in node.decorator_list
            )
            doc = ast.get_docstring(node, clean=True)
            if doc and (is_command or node.name in _command_functions()):
                yield node.lineno, inspect.cleandoc(doc)


def _command_functions() -> set[str]:
    tree = ast.parse((PACKAGE / "cli.py").read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "COMMANDS":
            value = node.value
            if isinstance(value, ast.Dict):
                for v in value.values:
                    if isinstance(v, ast.Tuple) and isinstance(v.elts[1], ast.Constant):
                        names.add(str(v.elts[1].value))
    return names


def fstring_misuse(path: Path) -> list[str]:
    """`t(f"…")` and friends: formatted before it could be translated."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bad = []
    for node in ast.walk(tree):
        marked = isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in KEYWORDS
        if marked and node.args and isinstance(node.args[0], ast.JoinedStr):  # type: ignore[attr-defined]
            bad.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.func.id}() of an f-string")
    return bad


def extract(only: list[str] | None = None) -> Any:
    """Every marked message of the package (or of the files `only` names) as a Babel catalog."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_file

    catalog = Catalog(domain="srvdoctor", project="srvdoctor", fuzzy=False)
    for path in sources(only):
        rel = path.relative_to(ROOT).as_posix()
        for lineno, message, comments, _ctx in extract_from_file("python", str(path), keywords=KEYWORDS):
            flags = ("python-brace-format",) if _has_fields(message) else ()
            catalog.add(message, None, [(rel, lineno)], auto_comments=comments, flags=flags)
        if any(rel == h or rel.startswith(h + "/") for h in HELP_SOURCES):
            for lineno, message in _help_strings(ast.parse(path.read_text(encoding="utf-8"))):
                catalog.add(message, None, [(rel, lineno)])
    return catalog


def _has_fields(message: str | tuple[str, ...]) -> bool:
    texts = message if isinstance(message, tuple) else (message,)
    return any(fields(m) for m in texts)


def fields(template: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError:
        return {"<unbalanced braces>"}


def load_language(lang: str) -> Any:
    files = _hatch_build().catalog_files(ROOT).get(lang)
    if not files:
        raise SystemExit(f"i18n: no po/{lang}.po")
    return _hatch_build().read_catalog(files)


def problems(lang: str, only: list[str] | None = None) -> list[str]:
    """What keeps `lang` from being complete: one line per problem (empty: complete)."""
    template, translated = extract(only), load_language(lang)
    out: list[str] = []
    for path in sources(only):
        out += fstring_misuse(path)
    for message in template:
        if not message.id:
            continue
        where = ", ".join(f"{f}:{n}" for f, n in message.locations[:2])
        found = translated.get(message.id)
        strings = found.string if found is not None else None
        texts = [s for s in (strings if isinstance(strings, (list, tuple)) else [strings]) if s]
        if not texts:
            out.append(f"untranslated ({where}): {message.id!r}")
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        want = set().union(*(fields(i) for i in ids))
        for text in texts:
            if fields(text) - want or (fields(text) != want and len(ids) == 1):
                out.append(f"placeholders differ ({where}): {message.id!r} -> {text!r}")
    if only is None:
        for message in translated:
            if message.id and message.id not in template:
                out.append(f"obsolete (no longer in the source): {message.id!r}")
    return out


def _po_text(catalog: Any) -> str:
    import io

    from babel.messages.pofile import write_po

    buf = io.BytesIO()
    write_po(buf, catalog, width=0, omit_header=False, sort_by_file=True)
    return buf.getvalue().decode("utf-8")


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    cmd, rest = argv[0], argv[1:]
    if cmd == "extract":
        (ROOT / "po" / "srvdoctor.pot").write_text(_po_text(extract()), encoding="utf-8")
        return 0
    if cmd == "compile":
        for mo in _hatch_build().compile_catalogs(ROOT):
            print(mo.relative_to(ROOT))
        return 0
    if cmd == "check":
        found = problems(rest[0], rest[1:] or None)
        for line in found:
            print(line)
        print(f"i18n: {len(found)} problem(s) in {rest[0]}", file=sys.stderr)
        return 1 if found else 0
    if cmd == "missing":
        from babel.messages.catalog import Catalog

        template, translated = extract(rest[1:] or None), load_language(rest[0])
        todo = Catalog(locale=rest[0], fuzzy=False)
        for message in template:
            found = translated.get(message.id) if message.id else None
            strings = found.string if found is not None else None
            if message.id and not (any(strings) if isinstance(strings, (list, tuple)) else strings):
                todo[message.id] = message
        sys.stdout.write(_po_text(todo))
        return 0
    if cmd == "update":
        from babel.messages.catalog import Catalog

        lang = rest[0]
        template = extract()
        files = _hatch_build().catalog_files(ROOT).get(lang, [])
        old = _hatch_build().read_catalog(files) if files else Catalog(locale=lang)
        new = Catalog(locale=lang, domain="srvdoctor", project="srvdoctor", fuzzy=False)
        new.mime_headers = old.mime_headers
        new.project, new.version, new.copyright_holder = "srvdoctor", _version(), "srvdoctor developers"
        new.msgid_bugs_address = new.last_translator = new.language_team = "srvdoctor developers"
        new.creation_date = new.revision_date = old.creation_date  # no churn on every update
        new.header_comment = f"# {lang} translations of srvdoctor's messages (scripts/i18n.py).\n"
        for message in template:
            if not message.id:
                continue
            found = old.get(message.id)
            translation = found.string if found is not None else None
            new.add(message.id, translation, message.locations, flags=message.flags)
        (ROOT / "po" / f"{lang}.po").write_text(_po_text(new), encoding="utf-8")
        for part in files:
            if part.name != f"{lang}.po":
                part.unlink()
        return 0
    print(f"i18n: unknown command {cmd!r}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
