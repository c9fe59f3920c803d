"""render/safe.py: what reaches a terminal has its control characters spelled out."""

from __future__ import annotations


def test_printable_text_holds_nothing_to_spell_out() -> None:
    """The fast path of visible/xml_text/visible_surrogates and shellcmd.quote: a text that
    `str.isprintable()` passes is returned unsearched, so no character any of their sets holds
    may be printable. Checked over every code point."""
    from srvdoctor import shellcmd
    from srvdoctor.render import safe

    sets = [safe.UNSAFE, safe._SURROGATE, safe._XML_UNSAFE, shellcmd._NEEDS_ANSI_C]
    printable = "".join(c for c in map(chr, range(0x110000)) if c.isprintable())
    assert [p.pattern for p in sets if p.search(printable)] == []
    assert safe.visible("✓ 한국어 /data/ckpt") == "✓ 한국어 /data/ckpt"
    assert safe.visible("a\u202eb\u00a0") == "a\\u202eb\u00a0"  # unprintable, safe NBSP kept
