"""Plain text from clients: stored as text, refused only when it is markup a browser would run.

Every service stores what a citizen typed as text, and every output that produces HTML (the
notification e-mails, the pages) escapes it (Jinja2 autoescape); JSON and XML writers escape
by construction. On top of that, text that *is* HTML markup is refused at the door, so that a
consumer that forgets to escape (another agency's dashboard reading Open311) still shows
nothing active: a tag of an element that runs, loads or takes over the page (``<script``,
``<img src=``, ``</iframe>``, ``<svg/onload=...``), closed or not, in any case, and any tag with
an attribute that runs or loads (``<x onclick=``, ``<b style=``: browsers run handlers on
unknown elements too). Everything else with angle brackets is text and kept as sent:
``<Rp5.000>``, ``<https://x.id>``, ``a < b > c``, ``<3``, ``<b>penting</b>``.
"""

from __future__ import annotations

import re

#: Elements that run code, load something, or take over the page when a consumer renders text
#: without escaping it (HTML Living Standard, the obsolete ones browsers still parse, and the
#: SVG/MathML roots that carry event handlers). Formatting tags (``<b>``, ``<i>``, ``<p>``) are
#: not among them: shown raw they change a font, nothing more; with an attribute that runs or
#: loads (``<b onclick=``, ``<p style=``) they are refused by ``_ATTRIBUTE``.
ELEMENTS = frozenset("""
a animate applet area audio base basefont bgsound body button canvas details dialog embed form
foreignobject frame frameset head html iframe image img input isindex keygen link map marquee
math meta noembed noframes noscript object option param picture plaintext portal script select
set slot source style svg table template textarea title track use video xmp
""".split())

#: a tag as the HTML tokenizer sees one: ``<`` then a letter (``< b`` is text), or ``</``
_TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)(?=[\s/>]|$)")
#: any tag-like run with an attribute that runs code or loads something: unknown and custom
#: elements run event handlers too
_ATTRIBUTE = re.compile(r"<[a-zA-Z][^<>]*?[\s/\"'](on[a-zA-Z]+|style|src|srcset|srcdoc|href|"
                        r"xlink:href|formaction|action|background|poster|data)\s*=",
                        re.IGNORECASE)


def markup_in(value: str) -> str | None:
    """The first unsafe element ``value`` opens or closes (lower case; ``... onclick=`` for a
    tag with an unsafe attribute), or None for text."""
    for match in _TAG.finditer(value):
        name = match.group(1).lower()
        if name in ELEMENTS:
            return name
    if attribute := _ATTRIBUTE.search(value):
        return f"... {attribute.group(1).lower()}="
    return None


def plain_text(value: str) -> str:
    """``value`` unchanged, or ``ValueError`` naming the markup (a pydantic validator)."""
    name = markup_in(value)
    if name is not None:
        raise ValueError(f"HTML markup (<{name}>) is not allowed; send plain text")
    return value


def optional_plain_text(value: str | None) -> str | None:
    return None if value is None else plain_text(value)
