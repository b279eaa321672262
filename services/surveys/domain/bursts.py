"""Bursts: many SKM answers from one client in one time window. Pure; no I/O, no clock.

Online SKM answers (without an invitation link) are counted per survey, client and window
(``window_start``); a window with more than the threshold is *flagged* from the answer that
crosses it (``crossed``: the earlier answers of the window are flagged with it). A flag is a
signal, not a verdict (a kiosk at a busy counter is one client too): the survey's owner
*excludes* a burst, and results subtract the excluded bursts' counts (``subtract``); they
also say what they would be without every flagged burst.

An exclusion (or inclusion) is told to other services with the burst's answers split by
survey period and local day of submission (``day_tallies``): the window is by arrival time,
but a response event is dated by its submission, which an online client may set to an
earlier day, so one window's answers can count for several days and periods.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from services.surveys.domain.ikm import ElementTally, SkmTally
from services.surveys.domain.skm import ELEMENT_CODES, MAX_SCORE, MIN_SCORE

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


@dataclass(slots=True)
class DayTally:
    """A burst's answers of one survey period submitted on one local day."""

    period: str
    day: date
    respondents: int = 0
    counts: dict[str, list[int]] = field(default_factory=lambda: {
        code: [0] * (MAX_SCORE - MIN_SCORE + 1) for code in ELEMENT_CODES})


def day_tallies(answers: Iterable[tuple[str, date, Mapping[str, int]]]) -> list[DayTally]:
    """Fold (period code, local day, SKM scores) answers into one tally per period and day,
    in period and day order."""
    found: dict[tuple[str, date], DayTally] = {}
    for period, day, scores in answers:
        tally = found.get((period, day))
        if tally is None:
            tally = found[period, day] = DayTally(period, day)
        tally.respondents += 1
        for code, score in scores.items():
            tally.counts[code][score - MIN_SCORE] += 1
    return [found[k] for k in sorted(found)]
