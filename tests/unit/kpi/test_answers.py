"""The public answers kept in process (services/kpi/answers.py): never older than the
max-age, bounded in bytes, dropped by a write touching an agency they read, and an answer
computed while such a write was made is not kept."""

from __future__ import annotations

from services.kpi.answers import AnswerCache


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def cache(max_age_s: float = 60, max_bytes: int = 1000) -> tuple[AnswerCache, Clock]:
    clock = Clock()
    return AnswerCache(max_age_s=max_age_s, max_bytes=max_bytes, clock=clock), clock


def put(c: AnswerCache, key: str, body: bytes, reads: set[str] | None, made: float,
        started: int | None = None) -> None:
    c.put(key, body, f'"{key}"', reads, started=c.start() if started is None else started,
          made=made)


def test_kept_no_longer_than_the_max_age_counted_from_the_read():
    c, clock = cache(max_age_s=60)
    put(c, "a", b"x", {"kec-1"}, made=clock.now - 10)  # the read began 10 s ago
    hit = c.get("a")
    assert hit is not None and hit.body == b"x" and hit.etag == '"a"'
    clock.now += 49.9
    assert c.get("a") is not None
    clock.now += 0.1
    assert c.get("a") is None and len(c) == 0


def test_nothing_kept_when_the_max_age_is_zero():
    c, clock = cache(max_age_s=0)
    put(c, "a", b"x", {"kec-1"}, made=clock.now)
    assert c.get("a") is None and len(c) == 0


def test_a_write_drops_the_answers_reading_the_agency_and_only_those():
    c, clock = cache()
    put(c, "kota", b"1", {"kota", "kec-1", "kec-2"}, made=clock.now)
    put(c, "kec-1", b"2", {"kota", "kec-1", "kec-2"}, made=clock.now)
    put(c, "other", b"3", {"other"}, made=clock.now)
    c.invalidate({"kec-2"})
    assert c.get("kota") is None and c.get("kec-1") is None
    assert c.get("other") is not None
    c.invalidate()  # the catalogue or a target changed: everything
    assert len(c) == 0


def test_an_answer_computed_across_a_write_touching_it_is_not_kept():
    c, clock = cache()
    started = c.start()
    c.invalidate({"kec-1"})  # written while the answer was being computed
    put(c, "kec-1", b"old", {"kec-1"}, made=clock.now, started=started)
    assert c.get("kec-1") is None
    put(c, "kec-9", b"ok", {"kec-9"}, made=clock.now, started=started)  # not touched
    assert c.get("kec-9") is not None
    started = c.start()
    c.invalidate()
    put(c, "kec-9", b"old", {"kec-9"}, made=clock.now, started=started)
    assert c.get("kec-9") is None
    put(c, "kec-9", b"new", {"kec-9"}, made=clock.now)  # begun after the write: kept
    assert c.get("kec-9") is not None


def test_an_answer_of_every_agency_is_dropped_by_any_write():
    c, clock = cache()
    put(c, "index", b"all", None, made=clock.now)
    put(c, "other", b"3", {"other"}, made=clock.now)
    c.invalidate({"a-new-agency"})  # an agency the index did not show yet
    assert c.get("index") is None and c.get("other") is not None
    started = c.start()
    c.invalidate({"kec-1"})  # any write while it was computed: not kept
    put(c, "index", b"old", None, made=clock.now, started=started)
    assert c.get("index") is None
    put(c, "index", b"new", None, made=clock.now)
    assert c.get("index") is not None


def test_bounded_in_bytes_least_recently_used_dropped_first():
    c, clock = cache(max_bytes=10)
    put(c, "a", b"1234", {"x"}, made=clock.now)
    put(c, "b", b"1234", {"x"}, made=clock.now)
    assert c.get("a") is not None  # a used last: b goes first
    put(c, "c", b"1234", {"x"}, made=clock.now)
    assert c.get("b") is None and c.get("a") is not None and c.get("c") is not None
    put(c, "big", b"x" * 11, {"x"}, made=clock.now)  # larger than the bound: not kept
    assert c.get("big") is None and len(c) == 2
    put(c, "a", b"12", {"x"}, made=clock.now)  # replaced, its bytes counted once
    put(c, "d", b"1234", {"x"}, made=clock.now)
    assert {k for k in ("a", "c", "d") if c.get(k) is not None} == {"a", "c", "d"}
