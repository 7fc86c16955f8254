"""Decoding a downloaded page: the declared character set, else a detected one.

Why: many Arabic sites still serve windows-1256, often without saying so in the HTTP
header (only in a ``<meta>`` tag, or nowhere); decoding those as UTF-8 would turn the
whole article into replacement characters.
"""

from __future__ import annotations

import codecs
import re

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# `<meta charset="...">` or `<meta http-equiv="Content-Type" content="text/html; charset=...">`.
_META_CHARSET = re.compile(rb"<meta[^>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.I)
# Browsers read these labels as windows-1252, a superset; pages that declare them rely on it.
_WEB_ALIASES = {"iso8859-1": "cp1252", "ascii": "cp1252"}
# How much of a page's start holds its <meta> charset (browsers look at the first 1024 bytes).
_META_WINDOW = 4096


def known_charset(label: str | None) -> str | None:
    """Python's codec name for a charset label, or None for a missing or unknown label."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
    except LookupError:
        return None
    return _WEB_ALIASES.get(name, name)


def decode_page(body: bytes, declared: str | None, *, is_html: bool) -> str:
    """Text of ``body``: byte-order mark, then the HTTP charset, the ``<meta>`` one, UTF-8,
    and last a statistical guess; undecodable bytes become U+FFFD rather than an error."""
    for bom, bom_codec in _BOMS:
        if body.startswith(bom):
            return body.decode(bom_codec, errors="replace").lstrip("\ufeff")
    codec = known_charset(declared)
    if codec is None and is_html:
        match = _META_CHARSET.search(body[:_META_WINDOW])
        codec = known_charset(match.group(1).decode("ascii")) if match else None
    if codec is not None:
        return body.decode(codec, errors="replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(body).best()
    if best is not None:
        return str(best)
    return body.decode("utf-8", errors="replace")
