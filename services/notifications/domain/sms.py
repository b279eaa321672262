"""SMS segment counting: GSM 03.38 (7-bit) or UCS-2, as handsets and gateways count them.

A body of only GSM-7 characters fits 160 septets in one segment and 153 a segment when split
(the rest is the concatenation header); the extension table's characters (``{ } [ ] ~ \\ | ^ €``
and the form feed) take two septets and are never split across segments. Any other character
sends the whole body as UCS-2: 70 characters alone, 67 a segment (code points above U+FFFF
count twice: UTF-16). Messages are kept to ``MAX_SEGMENTS``: a longer body is shortened.
"""

from __future__ import annotations

from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
MAX_SEGMENTS = 2


@dataclass(frozen=True)
class Segments:
    encoding: str  # "gsm7" or "ucs2"
    units: int  # septets (gsm7) or UTF-16 code units (ucs2)
    count: int


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def _units(text: str, gsm: bool) -> list[int]:
    if gsm:
        return [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def count_segments(text: str) -> Segments:
    gsm = is_gsm7(text)
    single, multi = (160, 153) if gsm else (70, 67)
    units = _units(text, gsm)
    total = sum(units)
    if total <= single:
        return Segments("gsm7" if gsm else "ucs2", total, 1 if text else 0)
    count, used = 1, 0
    for u in units:  # a character is never split between two segments
        if used + u > multi:
            count, used = count + 1, 0
        used += u
    return Segments("gsm7" if gsm else "ucs2", total, count)


def fit(text: str, max_segments: int = MAX_SEGMENTS, *, keep_tail: str = "") -> str:
    """``text`` shortened (with "…" or "...") so that ``text + keep_tail`` fits in
    ``max_segments`` segments. ``keep_tail`` (a link) is never cut."""
    if count_segments(text + keep_tail).count <= max_segments:
        return text + keep_tail
    ellipsis = "..." if is_gsm7(text + keep_tail) else "…"
    lo, hi = 0, len(text)
    while lo < hi:  # the longest prefix that fits
        mid = (lo + hi + 1) // 2
        if count_segments(text[:mid].rstrip() + ellipsis + keep_tail).count <= max_segments:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo].rstrip() + ellipsis + keep_tail
