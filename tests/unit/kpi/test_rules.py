"""Suppression, targets and scores, Indonesian number format, the projection's fold."""

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from services.kpi.domain.indicators import age_bucket, change, format_id, misses, score
from services.kpi.domain.projection import apply_complaint, cells
from services.kpi.domain.suppression import suppress
from services.kpi.domain.targets import DEFAULT_AGENCY, Target, applicable, target_value
from tests.integration.kpi.factory import CAL, WIB, Complaint, at


def test_small_cells_are_suppressed_with_a_complement():
    assert suppress({"a": 10, "b": 2, "c": 7}, 3) == {"b", "c"}
    assert suppress({"a": 10, "b": 2, "c": 1, "d": 8}, 3) == {"b", "c", "d"} - {"d"} | {"b", "c"}
    assert suppress({"a": 10, "b": 0}, 3) == set()
    assert suppress({"a": 10, "b": 20}, 3) == set()


@given(st.dictionaries(st.text(min_size=1, max_size=3), st.integers(0, 50), max_size=8),
       st.integers(1, 10))
def test_no_published_total_reveals_a_small_cell(counts, threshold):
    hidden = suppress(counts, threshold)
    for k, n in counts.items():
        if 0 < n < threshold:
            assert k in hidden  # primary
    if hidden:
        # the hidden cells together are not recoverable to fewer than the threshold, or every
        # non-zero cell is hidden
        shown = [k for k, n in counts.items() if n > 0 and k not in hidden]
        assert len(hidden) >= 2 or not shown
        assert sum(counts[k] for k in hidden) >= threshold or not shown


def test_scores_cityscore():
    assert score(45, 90, "at_least") == 0.5
    assert score(4, 2, "at_most") == 0.5
    assert score(0, 2, "at_most") == 2.0
    assert score(None, 90, "at_least") is None
    assert misses(89.9, 90, "at_least") and not misses(90, 90, "at_least")
    assert misses(11, 10, "at_most")
    assert change(91.48, 90) == 1.48


DEFAULTS = (Target("default-ikm", DEFAULT_AGENCY, "ikm", 90.0, "at_least"),)


def test_targets_nearest_agency_wins_and_relative_to_a_baseline():
    own = Target("t1", "kec-a", "ikm", 95, "at_least")
    parent = Target("t2", "kota", "ikm", 85, "at_least")
    found = applicable([*DEFAULTS, parent, own], indicator="ikm",
                       lineage=["kec-a", "kota"])
    assert found is own
    assert applicable([*DEFAULTS, parent], indicator="ikm",
                      lineage=["kec-a", "kota"]) is parent
    assert applicable(DEFAULTS, indicator="ikm", lineage=["x"]).value == 90
    rel = Target("t3", "kota", "integrity_complaints", -10, "at_most", "relative", "2025")
    assert target_value(rel, 40) == 36.0
    assert target_value(Target("t4", "k", "ikm", 15, "at_least", "relative", "2025"), 70) == 80.5
    assert target_value(rel, None) is None


def test_indonesian_number_format():
    assert format_id(91.48) == "91,48"
    assert format_id(12345) == "12.345"
    assert format_id(1234.5) == "1.234,50"
    assert format_id(None) == "\u2013"


def test_age_buckets():
    assert [age_bucket(a) for a in (0, 3, 4, 5, 6, 14, 15, 60, 61)] == [
        "0_3", "0_3", "4_5", "4_5", "6_14", "6_14", "15_60", "15_60", "over_60"]


def test_fold_counts_by_local_day_and_settles_sla_once():
    c = (Complaint("a").file(at("2026-10-05 09:00")).verify(at("2026-10-05 10:00"))
         .respond(at("2026-10-06 09:00")).resolve(at("2026-10-20 09:00")))
    c.breach("resolution", c.resolution_due)
    state, out = None, []
    for e in c.events:
        state, deltas = apply_complaint(state, e.data, calendar=CAL, zone=WIB)
        out += deltas
    due = [d for d in out if d.measure == "sla_resolution_due"]
    assert len(due) == 1 and due[0].day == date(2026, 10, 12)
    assert not [d for d in out if d.measure == "sla_resolution_met"]
    assert sum(d.n for d in out if d.measure == "open") == 0
    keys = list(cells(next(d for d in out if d.measure == "filed")))
    assert ("d", date(2026, 10, 5), "a", "", "", "filed", 0) in keys
    assert ("m", date(2026, 10, 1), "a", "category", "jalan", "filed", 0) in keys
