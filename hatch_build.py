"""Build hook: compile the gettext catalogs (po/<lang>.po) into the package at build time.

`po/<lang>.po` (plus any `po/<lang>.<part>.po` still being merged) becomes
`srvdoctor/locale/<lang>/LC_MESSAGES/srvdoctor.mo`, which the wheel carries; an editable
install reads it from the source tree. `scripts/i18n.py compile` runs the same function.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

DOMAIN = "srvdoctor"


def catalog_files(root: Path) -> dict[str, list[Path]]:
    """Language -> its .po files under po/ (`ko.po`, `ko.checks.po`, …)."""
    found: dict[str, list[Path]] = {}
    for po in sorted((root / "po").glob("*.po")):
        found.setdefault(po.name.split(".")[0], []).append(po)
    return found


def read_catalog(files: list[Path]) -> Any:
    """The messages of several .po files of one language as one Babel catalog."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po

    merged: Any = None
    for po in files:
        with po.open("rb") as fh:
            part = read_po(fh)
        if merged is None:
            merged = Catalog(locale=part.locale, domain=DOMAIN, fuzzy=False)
            merged.mime_headers = part.mime_headers
        for message in part:
            if message.id and message.id not in merged:
                merged[message.id] = message
    return merged


def compile_catalogs(root: Path) -> list[Path]:
    """Write every language's .mo into srvdoctor/locale/; returns the files written."""
    from babel.messages.mofile import write_mo

    written = []
    for lang, files in catalog_files(root).items():
        catalog = read_catalog(files)
        target = root / "srvdoctor" / "locale" / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("wb") as fh:
            write_mo(fh, catalog, use_fuzzy=False)
        written.append(target)
    return written


try:
    from hatchling.builders.hooks.plugin.interface import BuildHookInterface
except ImportError:  # imported by scripts/i18n.py, outside a build
    pass
else:

    class CatalogBuildHook(BuildHookInterface):  # type: ignore[misc]
        PLUGIN_NAME = "custom"

        def initialize(self, version: str, build_data: dict[str, Any]) -> None:
            root = Path(self.root)
            for mo in compile_catalogs(root):
                if version != "editable":  # an editable install reads the source tree
                    build_data["force_include"][str(mo)] = str(mo.relative_to(root))
