"""A realistic event history for the rebuild test, and an independent reference computation.

The generator writes what the complaints and surveys services would publish over four months:
weekends and holidays, nights, forwards (disposisi), reopens, SLA breaches, ratings, offline
filings published weeks late, and messages delivered twice. ``Reference`` recomputes the
indicators from the raw events alone, with nothing of the KPI service's code: only the shared
working-day calendar (the one the complaints service's deadlines use) and the definitions of
docs/kpi.md.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from shared.calendar import WorkingCalendar
from shared.events import AnyEvent
from tests.integration.kpi.factory import WIB, Complaint, agency, category, skm_response

AGENCIES = {"kota": None, "kec-a": "kota", "kec-b": "kota", "dinkes": None}
CATEGORIES = {"jalan": False, "sampah": False, "pungli": True, "izin": False}
START = datetime(2026, 9, 1, tzinfo=WIB)
END = datetime(2026, 12, 31, 23, 0, tzinfo=WIB)


def _later(rng: random.Random, when: datetime, max_hours: float) -> datetime:
    return when + timedelta(seconds=rng.randint(60, int(max_hours * 3600)))


def generate(seed: int, complaints: int, calendar: WorkingCalendar) -> list[AnyEvent]:
    """The stream in publication order (offline filings late, some messages twice)."""
    rng = random.Random(seed)
    leaves = list(AGENCIES)
    timelines: list[tuple[datetime, list[AnyEvent], bool]] = []
    for _ in range(complaints):
        filed = START + timedelta(seconds=rng.randint(0, int((END - START).total_seconds())
                                                     - 40 * 86400))
        c = Complaint(rng.choice(leaves), category_code=rng.choice(list(CATEGORIES)),
                      channel=rng.choice(["web", "mobile", "sms", "counter"]),
                      privacy=rng.choices(["public", "confidential", "anonymous"],
                                          [7, 2, 1])[0],
                      region_code=rng.choice(["32.73.01", "32.73.02", "32.73.03", None]),
                      unit_id=rng.choice(["unit-1", "unit-2", None]))
        c.file(filed)
        verification_due = calendar.add_working_days(filed, 3)
        decided = _later(rng, filed, rng.choice([2, 30, 120]))
        if decided > verification_due:
            c.breach("verification", verification_due)
        if rng.random() < 0.1:
            c.reject(decided, rng.choice(["not_in_scope", "duplicate", "incomplete"]))
            if rng.random() < 0.5:
                c.close(_later(rng, decided, 48), "rejected")
            timelines.append((filed, c.events, rng.random() < 0.05))
            continue
        c.verify(decided)
        c.resolution_due = calendar.add_working_days(decided, 5)
        c.first_response_due = calendar.add_working_days(decided, 3)
        now = decided
        if rng.random() < 0.15:
            now = _later(rng, now, 30)
            others = [a for a in leaves if a != c.agency_id]
            c.forward(now, rng.choice(others))
        if rng.random() < 0.12:  # left open
            timelines.append((filed, c.events, rng.random() < 0.05))
            continue
        now = _later(rng, now, rng.choice([6, 48, 200]))
        if now > c.first_response_due:
            c.breach("first_response", c.first_response_due)
        c.respond(now)
        resolved = _later(rng, now, rng.choice([4, 40, 150, 400]))
        if resolved > c.resolution_due:
            c.breach("resolution", c.resolution_due)
        c.resolve(resolved)
        if rng.random() < 0.6:
            c.rate(_later(rng, resolved, 24), rng.choice([1, 2, 3, 4, 4, 5, 5]))
        last = c.events[-1].data.occurred_at
        if rng.random() < 0.12:
            reopened = _later(rng, last, 48)
            c.reopen(reopened)
            again = _later(rng, reopened, 30)
            c.respond(again)
            c.resolve(_later(rng, again, 60))
            last = c.events[-1].data.occurred_at
        if rng.random() < 0.7:
            c.close(_later(rng, last, 100))
        timelines.append((filed, c.events, rng.random() < 0.05))

    on_time = sorted(((e.data.occurred_at, i, e) for i, (_, evs, late) in enumerate(timelines)
                      if not late for e in evs), key=lambda x: (x[0], x[1]))
    stream: list[AnyEvent] = [e for _, _, e in on_time]
    # offline filings: the whole complaint reaches the broker after everything else
    for _, evs, late in timelines:
        if late:
            stream += evs
    # the catalogue: partly before, partly after the complaints that use it
    catalogue = [agency(a, p) for a, p in AGENCIES.items()]
    catalogue += [category(code, "kota", integrity=flag) for code, flag in CATEGORIES.items()]
    for e in catalogue:
        stream.insert(rng.randint(0, len(stream)), e)
    # SKM responses of two units and the post-complaint survey
    for _ in range(400):
        when = START + timedelta(seconds=rng.randint(0, int((END - START).total_seconds())))
        local = when.astimezone(WIB)
        unit = rng.choice(["unit-1", "unit-2", None])
        code = f"{local.year}-{local.month:02d}" if unit != "unit-2" else \
            f"{local.year}-Q{(local.month - 1) // 3 + 1}"
        scores = {f"U{i}": rng.choice([1, 2, 3, 3, 4, 4]) for i in range(1, 10)}
        stream.insert(rng.randint(0, len(stream)),
                      skm_response(rng.choice(leaves), unit, code, when, scores))
    # redelivered messages: the same envelope (same id) again, later in the stream
    for _ in range(len(stream) // 30):
        i = rng.randrange(len(stream))
        stream.insert(rng.randint(i, len(stream)), stream[i])
    return stream


# -- the reference ----------------------------------------------------------------------------


def local_day(t: datetime) -> date:
    return t.astimezone(WIB).date()


def nearest_rank(values: list[float], p: Fraction) -> float | None:
    if not values:
        return None
    s = sorted(values)
    return s[max(1, math.ceil(p * len(s))) - 1]


def pct(a: int, b: int) -> float | None:
    return None if b == 0 else round(a * 100 / b, 2)


def half_up(x: Fraction, places: int = 2) -> float:
    d = Decimal(x.numerator) / Decimal(x.denominator)
    return float(d.quantize(Decimal(10) ** -places, rounding=ROUND_HALF_UP))


@dataclass
class Reference:
    events: list[AnyEvent]
    calendar: WorkingCalendar
    by_complaint: dict[str, list[Any]] = field(default_factory=dict)
    others: list[Any] = field(default_factory=list)

    def __post_init__(self) -> None:
        seen: set[str] = set()
        groups: dict[str, list[Any]] = defaultdict(list)
        for e in self.events:
            if e.id in seen:
                continue
            seen.add(e.id)
            if hasattr(e.data, "complaint_id"):
                groups[e.data.complaint_id].append(e)
            else:
                self.others.append(e)
        self.by_complaint = dict(groups)

    def scope(self, agency_id: str) -> set[str]:
        return {agency_id} | {a for a, p in AGENCIES.items() if p == agency_id}

    def compute(self, agency_id: str, start: date, end: date, monthly_codes: tuple[str, ...],
                ) -> dict[str, Any]:
        """Indicators of ``agency_id`` (rolled up) over local days [start, end)."""
        scope = self.scope(agency_id)

        def inside(t: datetime) -> bool:
            return start <= local_day(t) < end

        counts: dict[str, int] = defaultdict(int)
        ttr: list[int] = []
        ttr_s: list[int] = []
        ttv: list[int] = []
        within = 0
        sla: dict[str, list[int]] = {"verification": [0, 0], "resolution": [0, 0]}
        ratings: list[int] = []
        anonymous = integrity = 0
        last_day = end - timedelta(days=1)
        ages: dict[str, int] = defaultdict(int)
        for events in self.by_complaint.values():
            filed = next((e.data for e in events if e.type == "complaint.filed.v1"), None)
            first_resolved = next((e for e in events if e.type == "complaint.resolved.v1"), None)
            decision = next((e for e in events if e.type in ("complaint.verified.v1",
                                                             "complaint.rejected.v1")), None)
            verified = next((e for e in events if e.type == "complaint.verified.v1"), None)
            for e in events:
                d = e.data
                kind = e.type.split(".")[1]
                who = d.from_agency_id if kind == "forwarded" else d.agency_id
                if who in scope and inside(d.occurred_at):
                    counts[kind] += 1
                    if kind == "filed":
                        anonymous += d.privacy == "anonymous"
                        integrity += CATEGORIES.get(d.category_code, False)
                    if kind == "rated":
                        ratings.append(d.score)
            if filed is None:
                continue
            if first_resolved is not None and first_resolved.data.agency_id in scope \
                    and inside(first_resolved.data.occurred_at):
                wd = self.calendar.working_days_between(filed.occurred_at,
                                                        first_resolved.data.occurred_at)
                ttr.append(wd)
                ttr_s.append(int((first_resolved.data.occurred_at
                                  - filed.occurred_at).total_seconds()))
                within += wd <= 5
            if decision is not None and decision.data.agency_id in scope \
                    and inside(decision.data.occurred_at):
                ttv.append(self.calendar.working_days_between(filed.occurred_at,
                                                              decision.data.occurred_at))
            # deadlines: settled by the step or by the breach, dated by the deadline
            for deadline, due, done in (
                    ("verification", filed.verification_due_at, decision),
                    ("resolution", verified.data.resolution_due_at if verified else None,
                     first_resolved)):
                if due is None:
                    continue
                breach = next((e for e in events if e.type == "complaint.sla_breached.v1"
                               and e.data.deadline == deadline and e.data.due_at == due), None)
                settling = min((x for x in (done, breach) if x is not None),
                               key=lambda x: events.index(x), default=None)
                if settling is None or settling.data.agency_id not in scope \
                        or not (start <= local_day(due) < end):
                    continue
                sla[deadline][1] += 1
                sla[deadline][0] += settling is done and done.data.occurred_at <= due
            # backlog at the end of the last day
            is_open, holder = False, None
            for e in events:
                d = e.data
                if local_day(d.occurred_at) > last_day:
                    break
                kind = e.type.split(".")[1]
                if kind == "filed" or (kind == "reopened" and not is_open):
                    is_open, holder = True, d.agency_id
                elif kind in ("rejected", "resolved", "closed"):
                    is_open = False
                elif kind == "forwarded" and is_open:
                    holder = d.agency_id
            if is_open and holder in scope:
                age = max(self.calendar.working_days_between(local_day(filed.occurred_at),
                                                             last_day), 0)
                bucket = ("0_3" if age <= 3 else "4_5" if age <= 5 else "6_14" if age <= 14
                          else "15_60" if age <= 60 else "over_60")
                ages[bucket] += 1
        out: dict[str, Any] = {k: counts[k] for k in (
            "filed", "verified", "rejected", "forwarded", "resolved", "reopened", "closed")}
        out["resolved_within_5wd"] = pct(within, len(ttr))
        out["time_to_resolution_wd_median"] = nearest_rank(ttr, Fraction(1, 2))
        out["time_to_resolution_wd_p90"] = nearest_rank(ttr, Fraction(9, 10))
        out["time_to_resolution_wd_mean"] = (half_up(Fraction(sum(ttr), len(ttr)))
                                             if ttr else None)
        out["time_to_resolution_count"] = len(ttr)
        out["time_to_verification_wd_median"] = nearest_rank(ttv, Fraction(1, 2))
        out["sla_verification"] = pct(*sla["verification"])
        out["sla_resolution"] = pct(*sla["resolution"])
        out["backlog"] = sum(ages.values())
        for bucket in ("0_3", "4_5", "6_14", "15_60", "over_60"):
            out[f"backlog_age_{bucket}"] = ages.get(bucket, 0)
        out["rating_mean"] = half_up(Fraction(sum(ratings), len(ratings))) if ratings else None
        out["rating_count"] = len(ratings)
        out["anonymous_share"] = pct(anonymous, counts["filed"])
        out["integrity_complaints"] = integrity
        out["reopen_rate"] = pct(counts["reopened"], counts["resolved"])
        exact_hours = nearest_rank([float(s) for s in ttr_s], Fraction(1, 2))
        out["_ttr_seconds_median"] = exact_hours
        if monthly_codes:
            out.update(self._skm(scope, monthly_codes))
        return out

    def _skm(self, scope: set[str], codes: tuple[str, ...]) -> dict[str, Any]:
        sums = defaultdict(lambda: [0, 0])
        respondents = 0
        for e in self.others:
            d = e.data
            if e.type != "survey.response_recorded.v1" or d.agency_id not in scope \
                    or d.unit_id is None or d.period not in codes:
                continue
            respondents += 1
            for code, score in d.scores.items():
                sums[code][0] += score
                sums[code][1] += 1
        ikm = None
        if respondents and len(sums) == 9:
            nrr = [Fraction(s, n) for s, n in sums.values()]
            ikm = half_up(sum(nrr, Fraction(0)) / 9 * 25)
        return {"skm_respondents": respondents, "ikm": ikm}
