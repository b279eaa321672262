"""What a route needs to answer a person's browser with a page where API clients get JSON.

- ``prefers_html(accept)``: content negotiation on ``Accept`` (RFC 9110 §12.5.1). A browser
  opening a link sends ``text/html,...,*/*;q=0.8``: HTML. ``application/json``, ``*/*``, no
  header at all, or anything that ranks HTML no higher than JSON: JSON, so that API clients
  keep getting what they always got. Each media type takes the q of the most specific range
  that matches it (``text/html`` before ``text/*`` before ``*/*``).
- ``PAGE_CSP``: the Content-Security-Policy of a page whose styles, scripts and requests are
  all the service's own (no inline script or style, nothing from elsewhere).
- ``PAGE_HEADERS``: that CSP, and the headers of a page whose URL is a secret (an invitation's
  token): never cached, never sent on as a referrer, never indexed, and ``Vary`` for the
  negotiation. The shared layer sets the other security headers (``shared.http.browser``).
"""

from __future__ import annotations

from functools import lru_cache

from shared.http.messages import q_value

PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'")

PAGE_HEADERS: dict[str, str] = {
    "Content-Security-Policy": PAGE_CSP,
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "Vary": "Accept, Accept-Language",
}


def _quality(ranges: list[tuple[str, str, float]], kind: str, sub: str) -> float:
    """The q the client gives ``kind/sub``: that of the most specific matching range."""
    best, specificity = 0.0, -1
    for r_kind, r_sub, q in ranges:
        if r_kind == kind and r_sub == sub:
            level = 2
        elif r_kind == kind and r_sub == "*":
            level = 1
        elif r_kind == "*" and r_sub == "*":
            level = 0
        else:
            continue
        if level > specificity:
            best, specificity = q, level
    return best


@lru_cache(maxsize=256)
def prefers_html(accept: str | None) -> bool:
    """Whether ``accept`` ranks ``text/html`` above ``application/json`` (ties: JSON)."""
    if not accept:
        return False
    ranges: list[tuple[str, str, float]] = []
    for item in accept[:1024].split(","):
        media, _, params = item.partition(";")
        kind, _, sub = media.strip().lower().partition("/")
        if not kind or not sub:
            continue
        ranges.append((kind, sub.strip(), q_value(params)))
    return _quality(ranges, "text", "html") > _quality(ranges, "application", "json")
