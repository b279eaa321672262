"""Folding a burst's exclusion and inclusion into the SKM rows: the rows end as the surveys
service's results count, whatever order the events come in."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from services.kpi.domain.batch import Batch, Folder
from shared.events import (
    BurstTally,
    CloudEvent,
    SurveyBurstExcluded,
    SurveyBurstIncluded,
    SurveyResponseRecorded,
)
from tests.integration.kpi.factory import CAL, WIB, at, wrap

AGENCY, UNIT, SURVEY, BURST = "dukcapil", "unit-1", "s-1", "b-1"
FOLDER = Folder(calendar=CAL, zone=WIB)


def response(n: int, when: datetime, score: int, *, late: bool = False) -> CloudEvent[Any]:
    return wrap(SurveyResponseRecorded(
        response_id=f"r-{n}", survey_id=SURVEY, survey_version=1, kind="skm",
        agency_id=AGENCY, unit_id=UNIT, period="2026-Q1", scale_max=4,
        scores={f"U{i}": score for i in range(1, 10)}, in_excluded_burst=late,
        occurred_at=when))


def tally(day: date, scores: list[int]) -> BurstTally:
    """The tally the surveys service sends for these answers of one day."""
    per_score = Counter(scores)
    return BurstTally(period="2026-Q1", day=day, respondents=len(scores),
                      counts={f"U{i}": [per_score[s] for s in (1, 2, 3, 4)]
                              for i in range(1, 10)})


def burst(kind: type[SurveyBurstExcluded | SurveyBurstIncluded],
          tallies: list[BurstTally]) -> CloudEvent[Any]:
    return wrap(kind(burst_id=BURST, survey_id=SURVEY, agency_id=AGENCY, unit_id=UNIT,
                     period="2026-Q1", window_start=at("2026-02-11 09:00"),
                     respondents=sum(t.respondents for t in tallies), tallies=tallies,
                     occurred_at=at("2026-02-11 10:00")))


# Two answers of others, a burst of three answered at 09:xx on 11 February of which one was
# dated the evening before, excluded; a fourth that joined it then; the exclusion undone.
OTHERS = [response(1, at("2026-02-10 08:00"), 4), response(2, at("2026-02-11 12:00"), 3)]
BURST_ANSWERS = [response(3, at("2026-02-10 22:00"), 1), response(4, at("2026-02-11 09:05"), 1),
                 response(5, at("2026-02-11 09:06"), 2)]
EXCLUDED = burst(SurveyBurstExcluded, [tally(date(2026, 2, 10), [1]),
                                       tally(date(2026, 2, 11), [1, 2])])
LATE = response(6, at("2026-02-11 09:07"), 1, late=True)
INCLUDED = burst(SurveyBurstIncluded, [tally(date(2026, 2, 10), [1]),
                                       tally(date(2026, 2, 11), [1, 2, 1])])


def rows(events: list[CloudEvent[Any]], *, one_batch: bool = True) -> dict[Any, list[int]]:
    """The stored rows after folding ``events`` in this order: in one batch (a rebuild) or
    one batch per event added to the stored rows (the live consumer)."""
    stored: dict[Any, list[int]] = {}
    batches = [events] if one_batch else [[e] for e in events]
    for part in batches:
        batch = Batch()
        for event in part:
            FOLDER.fold(batch, event, None)
        for key, counts in batch.skm.items():
            held = stored.setdefault(key, [0] * len(counts))
            stored[key] = [a + b for a, b in zip(held, counts, strict=True)]
    return {k: v for k, v in stored.items() if any(v)}


def test_an_exclusion_takes_the_bursts_answers_out_of_their_days():
    counted = rows([*OTHERS, *BURST_ANSWERS])
    assert rows([*OTHERS, *BURST_ANSWERS, EXCLUDED, LATE]) == rows(OTHERS)
    assert rows([*OTHERS, *BURST_ANSWERS, EXCLUDED, LATE, INCLUDED]) == rows(
        [*OTHERS, *BURST_ANSWERS, response(6, at("2026-02-11 09:07"), 1)])
    day_10 = (AGENCY, UNIT, "2026-Q1", date(2026, 2, 10))
    assert counted[day_10][0] == 2  # response 1 and the burst's answer dated the 10th
    assert rows([*OTHERS, *BURST_ANSWERS, EXCLUDED])[day_10][0] == 1


def test_a_batch_row_may_go_negative():
    batch = Batch()
    FOLDER.fold(batch, EXCLUDED, None)
    assert batch.skm[(AGENCY, UNIT, "2026-Q1", date(2026, 2, 11))][:2] == [-2, -1]


def test_a_late_answer_still_counts_as_a_response_received():
    batch = Batch()
    FOLDER.fold(batch, LATE, None)
    assert batch.skm == {} and sum(n for n, _ in batch.cells.values()) > 0


@settings(max_examples=60, deadline=None)
@given(st.permutations([*OTHERS, *BURST_ANSWERS, EXCLUDED, LATE]), st.booleans())
def test_any_order_gives_the_same_rows_while_excluded(events, one_batch):
    assert rows(events, one_batch=one_batch) == rows(OTHERS)


@settings(max_examples=60, deadline=None)
@given(st.permutations([*OTHERS, *BURST_ANSWERS, EXCLUDED, LATE, INCLUDED]), st.booleans())
def test_any_order_gives_the_same_rows_once_included(events, one_batch):
    expected = rows([*OTHERS, *BURST_ANSWERS, response(6, at("2026-02-11 09:07"), 1)])
    assert rows(events, one_batch=one_batch) == expected
