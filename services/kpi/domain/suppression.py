"""Privacy of small numbers: which cells of a public breakdown are withheld. Pure.

A cell counting fewer than ``threshold`` complaints (but more than none) is suppressed: a rare
category in a small district could point at a whistle-blower. Because the total is published,
a single suppressed cell could be recomputed as the total minus the others, so suppression is
*complementary*: while fewer than two cells are suppressed, or the suppressed cells add up to
fewer than ``threshold``, the smallest cell still shown (above zero) is suppressed too. Zeros are
shown: they point at nobody.
"""

from __future__ import annotations

from collections.abc import Mapping


def suppress(counts: Mapping[str, int], threshold: int) -> set[str]:
    """The keys of ``counts`` to withhold."""
    hidden = {k for k, n in counts.items() if 0 < n < threshold}
    if not hidden:
        return hidden
    shown = sorted((n, k) for k, n in counts.items() if n > 0 and k not in hidden)
    while shown and (len(hidden) < 2 or sum(counts[k] for k in hidden) < threshold):
        hidden.add(shown.pop(0)[1])
    return hidden
