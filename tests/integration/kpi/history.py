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
from shared.events import AnyEvent, ComplaintSlaWarning, NotificationDelivered, NotificationFailed
from tests.integration.kpi.factory import (
    WIB,
    Complaint,
    agency,
    category,
    custom_response,
    skm_response,
    wrap,
)

AGENCIES = {"kota": None, "kec-a": "kota", "kec-b": "kota", "dinkes": None}
CATEGORIES = {"jalan": False, "sampah": False, "pungli": True, "izin": False}
START = datetime(2026, 9, 1, tzinfo=WIB)
END = datetime(2026, 12, 31, 23, 0, tzinfo=WIB)


def _later(rng: random.Random, when: datetime, max_hours: float) -> datetime:
    return when + timedelta(seconds=rng.randint(60, int(max_hours * 3600)))


def generate(seed: int, complaints: int, calendar: WorkingCalendar) -> list[AnyEvent]:
    """The stream in publication order (offline filings late, some messages twice)."""
    rng = random.Random(seed)
    more = random.Random(seed + 1)  # what was added later, without changing the rest
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
        warned = c.resolution_due - timedelta(days=1)
        if more.random() < 0.2 and warned > decided:
            c._add(ComplaintSlaWarning(**c._base(warned), deadline="resolution",
                                       due_at=c.resolution_due))
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
    # custom-survey answers (5- and 7-point scales) and notifications (platform-wide)
    span = int((END - START).total_seconds())
    for k in range(300):
        when = START + timedelta(seconds=more.randint(0, span))
        scale = more.choice([5, 7])
        scores = {f"q{i}": more.randint(1, scale) for i in range(1, more.randint(2, 4))}
        stream.insert(more.randint(0, len(stream)),
                      custom_response(more.choice(leaves), when, scores, scale_max=scale))
        when = START + timedelta(seconds=more.randint(0, span))
        note = (NotificationDelivered(notification_id=f"n-{k}", channel="sms", attempts=1,
                                      occurred_at=when) if more.random() < 0.8 else
                NotificationFailed(notification_id=f"n-{k}", channel="email",
                                   reason="bounced", attempts=3, occurred_at=when))
        stream.insert(more.randint(0, len(stream)), wrap(note))
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
        #: per step: (working days, seconds) from filing, of the steps done in the period
        steps: dict[str, list[tuple[int, int]]] = {
            "time_to_verification": [], "time_to_first_response": [], "time_to_resolution": []}
        within = 0
        sla: dict[str, list[int]] = {"verification": [0, 0], "first_response": [0, 0],
                                     "resolution": [0, 0]}
        ratings: list[int] = []
        anonymous = confidential = integrity = 0
        last_day = end - timedelta(days=1)
        ages: dict[str, int] = defaultdict(int)
        for events in self.by_complaint.values():
            filed = next((e.data for e in events if e.type == "complaint.filed.v1"), None)
            first_resolved = next((e for e in events if e.type == "complaint.resolved.v1"), None)
            decision = next((e for e in events if e.type in ("complaint.verified.v1",
                                                             "complaint.rejected.v1")), None)
            verified = next((e for e in events if e.type == "complaint.verified.v1"), None)
            first_responded = next((e for e in events if e.type == "complaint.responded.v1"),
                                   None)
            for e in events:
                d = e.data
                kind = e.type.split(".")[1]
                who = d.from_agency_id if kind == "forwarded" else d.agency_id
                if who in scope and inside(d.occurred_at):
                    counts[kind] += 1
                    if kind == "filed":
                        anonymous += d.privacy == "anonymous"
                        confidential += d.privacy == "confidential"
                        integrity += CATEGORIES.get(d.category_code, False)
                    if kind == "rejected":
                        counts[f"rejected_{d.reason}"] += 1
                    if kind == "rated":
                        ratings.append(d.score)
            if filed is None:
                continue
            for name, step in (("time_to_verification", decision),
                               ("time_to_first_response", first_responded),
                               ("time_to_resolution", first_resolved)):
                if step is None or step.data.agency_id not in scope \
                        or not inside(step.data.occurred_at):
                    continue
                wd = max(self.calendar.working_days_between(filed.occurred_at,
                                                            step.data.occurred_at), 0)
                seconds = max(int((step.data.occurred_at - filed.occurred_at).total_seconds()), 0)
                steps[name].append((wd, seconds))
                if name == "time_to_resolution":
                    within += wd <= 5
            # deadlines: settled by the step or by the breach, dated by the deadline (the one
            # set at verification; a first response carries its own)
            response_due = verified.data.first_response_due_at if verified else None
            for deadline, due, done in (
                    ("verification", filed.verification_due_at, decision),
                    ("first_response", response_due, first_responded),
                    ("resolution", verified.data.resolution_due_at if verified else None,
                     first_resolved)):
                breach = None if due is None else next(
                    (e for e in events if e.type == "complaint.sla_breached.v1"
                     and e.data.deadline == deadline and e.data.due_at == due), None)
                settling = min((x for x in (done, breach) if x is not None),
                               key=lambda x: events.index(x), default=None)
                if settling is not None and settling is done and deadline == "first_response":
                    due = done.data.first_response_due_at or due
                if due is None or settling is None or settling.data.agency_id not in scope \
                        or not (start <= local_day(due) < end):
                    continue
                sla[deadline][1] += 1
                sla[deadline][0] += settling is done and done.data.occurred_at <= due
            # backlog at the end of the last day, from the events that open, move or end it
            # (a late complaint's stream is in the order it was built: a warning or a breach
            # may come before a step that happened earlier)
            is_open, holder = False, None
            for e in events:
                d = e.data
                kind = e.type.split(".")[1]
                if kind not in ("filed", "reopened", "rejected", "resolved", "closed",
                                "forwarded"):
                    continue
                if local_day(d.occurred_at) > last_day:
                    break
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
            "filed", "verified", "rejected", "forwarded", "responded", "resolved", "reopened",
            "closed", "rejected_not_in_scope", "rejected_duplicate", "rejected_incomplete")}
        out["resolved_within_5wd"] = pct(within, len(steps["time_to_resolution"]))
        #: the exact seconds of each step: the API's hour percentiles are checked against them
        #: within the histogram's documented bound, not for equality
        out["_seconds"] = {}
        for name, done in steps.items():
            days = [wd for wd, _ in done]
            seconds = [sec for _, sec in done]
            out[f"{name}_wd_median"] = nearest_rank(days, Fraction(1, 2))
            out[f"{name}_wd_p90"] = nearest_rank(days, Fraction(9, 10))
            out[f"{name}_wd_mean"] = half_up(Fraction(sum(days), len(days))) if days else None
            out[f"{name}_hours_mean"] = (half_up(Fraction(sum(seconds), 3600 * len(seconds)))
                                         if seconds else None)
            out[f"{name}_count"] = len(done)
            out["_seconds"][name] = seconds
        for deadline, (met, due) in sla.items():
            out[f"sla_{deadline}"] = pct(met, due)
        out["sla_warnings"] = counts["sla_warning"]
        out["sla_breaches"] = counts["sla_breached"]
        out["backlog"] = sum(ages.values())
        for bucket in ("0_3", "4_5", "6_14", "15_60", "over_60"):
            out[f"backlog_age_{bucket}"] = ages.get(bucket, 0)
        out["rating_mean"] = half_up(Fraction(sum(ratings), len(ratings))) if ratings else None
        out["rating_share_4plus"] = pct(sum(r >= 4 for r in ratings), len(ratings))
        out["rating_count"] = len(ratings)
        out["anonymous_share"] = pct(anonymous, counts["filed"])
        out["confidential_share"] = pct(confidential, counts["filed"])
        out["integrity_complaints"] = integrity
        out["integrity_share"] = pct(integrity, counts["filed"])
        out["reopen_rate"] = pct(counts["reopened"], counts["resolved"])
        out["_counts"] = {"integrity": integrity, "anonymous": anonymous,
                          "confidential": confidential}  # what the public withholds when small
        out.update(self._surveys(scope, start, end, monthly_codes))
        out.update(self._notifications(scope, start, end))
        return out

    def _surveys(self, scope: set[str], start: date, end: date,
                 codes: tuple[str, ...]) -> dict[str, Any]:
        """SKM by the survey periods within a month or longer (``codes``), else by the days;
        custom surveys and the response count by the days."""
        sums: dict[bool, dict[str, list[int]]] = {True: defaultdict(lambda: [0, 0]),
                                                  False: defaultdict(lambda: [0, 0])}
        respondents = {True: 0, False: 0}
        responses = answers = 0
        satisfaction = Fraction(0)
        for e in self.others:
            d = e.data
            if e.type != "survey.response_recorded.v1" or d.agency_id not in scope:
                continue
            in_days = start <= local_day(d.occurred_at) < end
            responses += in_days
            if d.kind == "custom":
                if in_days:
                    for score in d.scores.values():
                        answers += 1
                        satisfaction += Fraction(score - 1, d.scale_max - 1) * 100
                continue
            if not (d.period in codes if codes else in_days):
                continue
            post = d.unit_id is None  # the post-complaint survey has no unit
            respondents[post] += 1
            for code, score in d.scores.items():
                sums[post][code][0] += score
                sums[post][code][1] += 1

        def ikm(post: bool) -> float | None:
            if not respondents[post] or len(sums[post]) != 9:
                return None
            nrr = [Fraction(s, n) for s, n in sums[post].values()]
            return half_up(sum(nrr, Fraction(0)) / 9 * 25)

        return {"skm_respondents": respondents[False], "ikm": ikm(False),
                "complaint_survey_ikm": ikm(True), "survey_responses": responses,
                "custom_satisfaction": half_up(satisfaction / answers) if answers else None}

    def _notifications(self, scope: set[str], start: date, end: date) -> dict[str, Any]:
        """Platform-wide (agency ``*``): these events name no agency."""
        sent = {"notification.delivered.v1": 0, "notification.failed.v1": 0}
        if "*" in scope:
            for e in self.others:
                if e.type in sent and start <= local_day(e.data.occurred_at) < end:
                    sent[e.type] += 1
        delivered = sent["notification.delivered.v1"]
        return {"notification_delivery_rate": pct(delivered,
                                                  delivered + sent["notification.failed.v1"])}
