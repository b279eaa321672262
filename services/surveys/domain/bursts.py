"""Bursts: many SKM answers from one client in one time window. Pure; no I/O, no clock.

Online SKM answers (without an invitation link) are counted per survey, client and window
(``window_start``); a window with more than the threshold is *flagged* from the answer that
crosses it (``crossed``: the earlier answers of the window are flagged with it). A flag is a
signal, not a verdict (a kiosk at a busy counter is one client too): the survey's owner
*excludes* a burst, and results subtract the excluded bursts' counts (``subtract``); they
also say what they would be without every flagged burst.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.surveys.domain.ikm import ElementTally, SkmTally

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def window_start(moment: datetime, minutes: int) -> datetime:
    """The start of the ``minutes``-long window (counted from 2000-01-01 UTC) ``moment`` is
    in: windows follow each other without gaps or overlaps."""
    size = timedelta(minutes=minutes)
    return EPOCH + ((moment - EPOCH) // size) * size


def is_burst(count: int, threshold: int) -> bool:
    return count > threshold


def crossed(count: int, threshold: int) -> bool:
    """Whether the ``count``-th answer of a window is the one that makes it a burst."""
    return count == threshold + 1


def subtract(total: SkmTally, part: SkmTally) -> SkmTally:
    """The tally of ``total``'s responses without ``part``'s (a subset of them)."""
    if part.respondents > total.respondents:
        raise ValueError("a part has more respondents than the whole")
    elements = tuple(
        ElementTally(t.code, tuple(a - b for a, b in zip(t.counts, p.counts, strict=True)))
        for t, p in zip(total.elements, part.elements, strict=True))
    return SkmTally(total.respondents - part.respondents, elements)
