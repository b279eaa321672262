"""The indicators: each defined once (code, unit, direction, formula), computed from stored sums.

Pure. ``compute(figures)`` turns the sums of a scope and period (``Figures``) into one value per
indicator code; docs/kpi.md lists the same definitions for citizens and auditors, and
``INDICATORS`` is the data dictionary of the exports.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from services.kpi.domain import histogram as h
from shared.calendar import WorkingCalendar
from shared.ikm import ELEMENT_CODES, SkmTally, compute_ikm, round_half_up_float

Unit = Literal["count", "percent", "working_days", "hours", "index", "score"]
Direction = Literal["higher_is_better", "lower_is_better", "neutral"]


@dataclass(frozen=True, slots=True)
class Indicator:
    code: str
    unit: Unit
    direction: Direction
    name_id: str
    name_en: str
    formula: str


_STAGES = {
    "ttv": ("time_to_verification", "verifikasi", "verification",
            "filed_at to verified or rejected"),
    "ttfr": ("time_to_first_response", "tanggapan pertama", "first response",
             "filed_at to the first complaint.responded"),
    "ttr": ("time_to_resolution", "penyelesaian", "resolution",
            "filed_at to the first complaint.resolved"),
}
BACKLOG_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0_3", 0, 3), ("4_5", 4, 5), ("6_14", 6, 14), ("15_60", 15, 60), ("over_60", 61, None))
RATING_SCORES = (1, 2, 3, 4, 5)


def _catalogue() -> tuple[Indicator, ...]:
    out: list[Indicator] = []

    def add(code: str, unit: Unit, direction: Direction, name_id: str, name_en: str,
            formula: str) -> None:
        out.append(Indicator(code, unit, direction, name_id, name_en, formula))

    volume = [
        ("filed", "Pengaduan masuk", "Complaints filed", "complaint.filed in the period"),
        ("verified", "Diverifikasi", "Verified", "complaint.verified in the period"),
        ("rejected", "Ditolak", "Rejected", "complaint.rejected in the period"),
        ("forwarded", "Didisposisikan", "Forwarded (disposisi)",
         "complaint.forwarded in the period, counted for the forwarding agency"),
        ("responded", "Ditanggapi", "Responses", "complaint.responded in the period"),
        ("resolved", "Diselesaikan", "Resolved", "complaint.resolved in the period"),
        ("closed", "Ditutup", "Closed", "complaint.closed in the period"),
        ("reopened", "Dibuka kembali", "Reopened", "complaint.reopened in the period"),
    ]
    for code, nid, nen, formula in volume:
        add(code, "count", "neutral", nid, nen, formula)
    for reason, rid, ren in (("not_in_scope", "di luar kewenangan", "not in scope"),
                             ("duplicate", "duplikat", "duplicate"),
                             ("incomplete", "tidak lengkap", "incomplete")):
        add(f"rejected_{reason}", "count", "neutral", f"Ditolak: {rid}",
            f"Rejected: {ren}", f"complaint.rejected with reason {reason}")
    add("backlog", "count", "lower_is_better", "Tunggakan terbuka", "Open backlog",
        "complaints open at the end of the period's last day (filed or reopened, not yet "
        "resolved, rejected or closed)")
    for key, low, high in BACKLOG_BUCKETS:
        span = f"{low}-{high}" if high is not None else f"> {low - 1}"
        add(f"backlog_age_{key}", "count", "neutral", f"Tunggakan berumur {span} hari kerja",
            f"Backlog aged {span} working days",
            f"open complaints whose age (working days since filing) at the period's end is {span}")
    for stage, (name, nid, nen, span) in _STAGES.items():
        del stage
        units: tuple[tuple[Unit, str, str, str], ...] = (
            ("working_days", "hari kerja", "working days", "wd"),
            ("hours", "jam", "hours", "hours"))
        for unit, uid, uen, ucode in units:
            for stat, sid, sen in (("median", "median", "median"), ("p90", "persentil 90", "p90"),
                                   ("mean", "rata-rata", "mean")):
                add(f"{name}_{ucode}_{stat}", unit, "lower_is_better",
                    f"Waktu {nid}, {sid} ({uid})", f"Time to {nen}, {sen} ({uen})",
                    f"{stat} of {span}, in {uen}, over the steps done in the period")
        add(f"{name}_count", "count", "neutral", f"Jumlah {nid} (waktu terukur)",
            f"{nen.capitalize()}s timed", f"steps {span} done in the period")
    for deadline, nid, nen in (("verification", "verifikasi", "verification"),
                               ("first_response", "tanggapan pertama", "first response"),
                               ("resolution", "penyelesaian", "resolution")):
        add(f"sla_{deadline}", "percent", "higher_is_better",
            f"Kepatuhan SLA {nid}", f"SLA compliance, {nen}",
            "deadlines met / deadlines due in the period (due_at in the period; settled by the "
            "step or by complaint.sla_breached) x 100")
    add("sla_warnings", "count", "lower_is_better", "Peringatan SLA", "SLA warnings",
        "complaint.sla_warning in the period")
    add("sla_breaches", "count", "lower_is_better", "Pelanggaran SLA", "SLA breaches",
        "complaint.sla_breached in the period")
    add("resolved_within_5wd", "percent", "higher_is_better",
        "Selesai dalam 5 hari kerja", "Resolved within 5 working days",
        "first resolutions in the period within 5 working days of filing / first resolutions "
        "in the period x 100")
    add("reopen_rate", "percent", "lower_is_better", "Tingkat dibuka kembali", "Reopen rate",
        "reopened / resolved in the period x 100")
    add("rating_mean", "score", "higher_is_better", "Rata-rata penilaian warga",
        "Citizen rating, mean", "mean of complaint.rated scores (1-5) in the period")
    add("rating_share_4plus", "percent", "higher_is_better", "Penilaian 4 atau 5",
        "Ratings of 4 or 5", "ratings of 4 or 5 / ratings in the period x 100")
    add("rating_count", "count", "neutral", "Jumlah penilaian", "Ratings",
        "complaint.rated in the period")
    add("ikm", "index", "higher_is_better", "Indeks Kepuasan Masyarakat (IKM)",
        "Community satisfaction index (IKM)",
        "PermenPANRB 14/2017: mean of the nine NRR x 25 over the units' SKM responses "
        "(docs/ikm.md); survey periods within the period")
    add("skm_respondents", "count", "higher_is_better", "Responden SKM", "SKM respondents",
        "SKM responses of the units' surveys in the period")
    add("complaint_survey_ikm", "index", "higher_is_better",
        "IKM survei pasca-pengaduan", "IKM of the post-complaint survey",
        "the IKM of the agency's post-complaint SKM survey (no unit)")
    add("custom_satisfaction", "percent", "higher_is_better", "Kepuasan survei khusus",
        "Custom-survey satisfaction",
        "mean over custom-survey answers of (score - 1) / (scale_max - 1) x 100")
    add("survey_responses", "count", "higher_is_better", "Respons survei", "Survey responses",
        "survey.response_recorded in the period (SKM and custom)")
    add("anonymous_share", "percent", "neutral", "Laporan anonim", "Anonymous reports",
        "complaints filed anonymously / complaints filed x 100")
    add("confidential_share", "percent", "neutral", "Laporan rahasia", "Confidential reports",
        "complaints filed confidentially / complaints filed x 100")
    add("integrity_complaints", "count", "lower_is_better", "Pengaduan integritas",
        "Integrity and ethics complaints",
        "complaints filed in categories flagged integrity (extortion, bribery, misconduct)")
    add("integrity_share", "percent", "neutral", "Porsi pengaduan integritas",
        "Share of integrity complaints", "integrity_complaints / filed x 100")
    add("notification_delivery_rate", "percent", "higher_is_better",
        "Notifikasi terkirim", "Notifications delivered",
        "notification.delivered / (delivered + failed) x 100 (platform-wide: agency *)")
    return tuple(out)


INDICATORS: tuple[Indicator, ...] = _catalogue()
BY_CODE: dict[str, Indicator] = {i.code: i for i in INDICATORS}


@dataclass
class Figures:
    """The stored sums of one scope and period that the indicators are computed from."""

    #: measure -> bin -> (count, sum of values)
    sums: dict[str, dict[int, tuple[int, int]]] = field(default_factory=dict)
    filed_by_category: dict[str, int] = field(default_factory=dict)
    filed_by_privacy: dict[str, int] = field(default_factory=dict)
    backlog_cohorts: dict[int, int] = field(default_factory=dict)  # filing day ordinal -> open
    backlog_day: date | None = None  # the day whose end the backlog is counted at
    skm: SkmTally | None = None
    complaint_skm: SkmTally | None = None
    integrity_categories: frozenset[str] = frozenset()
    #: which of the two filing splits are known for this scope: a slice by unit, channel or
    #: region has no cross-tabulation by category or privacy stored (cells carry one
    #: dimension), so its shares are unknown, not the whole agency's
    splits: frozenset[str] = frozenset({"category", "privacy"})

    def add(self, measure: str, bin: int, n: int, total: int) -> None:
        bins = self.sums.get(measure)
        if bins is None:
            bins = self.sums[measure] = {}
        old = bins.get(bin)
        bins[bin] = (n, total) if old is None else (old[0] + n, old[1] + total)

    def n(self, measure: str) -> int:
        return sum(n for n, _ in self.sums.get(measure, {}).values())

    def total(self, measure: str) -> int:
        return sum(t for _, t in self.sums.get(measure, {}).values())

    def bins(self, measure: str) -> dict[int, int]:
        return {b: n for b, (n, _t) in self.sums.get(measure, {}).items() if n}


Value = int | float | None


def _pct(num: int, den: int) -> float | None:
    return None if den == 0 else round(num * 100 / den, 2)


def _round(value: Fraction | float | None, places: int = 2) -> float | None:
    return None if value is None else round_half_up_float(value, places)


def ikm_of(tally: SkmTally | None) -> tuple[float | None, dict[str, object]]:
    if tally is None or tally.respondents == 0 or not all(e.count for e in tally.elements):
        return None, {}
    result = compute_ikm(tally)
    extra: dict[str, object] = {
        "grade": result.grade.value,
        "nrr": {e.code: str(e.nrr_rounded) for e in tally.elements},
        "weakest_first": [e.code for e in result.weakest_first()],
        "respondents": tally.respondents,
    }
    return float(result.ikm_rounded), extra


#: The indicators that are plain counts of events: also what a series can chart
#: (``GET .../series?measure=``).
COUNTS = ("filed", "verified", "rejected", "forwarded", "responded", "resolved", "closed",
          "reopened", "sla_warnings", "sla_breaches")


def compute(fig: Figures, calendar: WorkingCalendar) -> dict[str, tuple[Value, dict[str, object]]]:
    """Every indicator's value (None when it has no data) and its details."""
    out: dict[str, tuple[Value, dict[str, object]]] = {}

    def put(code: str, value: Value, extra: dict[str, object] | None = None) -> None:
        assert code in BY_CODE, code
        out[code] = (value, extra or {})

    for code in COUNTS:
        put(code, fig.n(code))
    for reason in ("not_in_scope", "duplicate", "incomplete"):
        put(f"rejected_{reason}", fig.n(f"rejected_{reason}"))

    ages = backlog_ages(fig.backlog_cohorts, fig.backlog_day, calendar)
    put("backlog", sum(ages.values()) if fig.backlog_day else None)
    for key, _, _ in BACKLOG_BUCKETS:
        put(f"backlog_age_{key}", ages.get(key, 0) if fig.backlog_day else None)

    for stage, (name, *_rest) in _STAGES.items():
        wd, secs = fig.bins(f"{stage}_wd"), fig.bins(f"{stage}_s")
        count = sum(wd.values())
        wd_median, wd_p90 = h.quantile_bins(wd, (h.MEDIAN, h.P90))
        hours_median, hours_p90 = h.hours_quantiles(secs, (h.MEDIAN, h.P90))
        put(f"{name}_wd_median", wd_median)
        put(f"{name}_wd_p90", wd_p90)
        put(f"{name}_wd_mean", _round(Fraction(fig.total(f"{stage}_wd"), count)) if count else None)
        put(f"{name}_hours_median", _round(hours_median))
        put(f"{name}_hours_p90", _round(hours_p90))
        put(f"{name}_hours_mean",
            _round(Fraction(fig.total(f"{stage}_s"), count * 3600)) if count else None)
        put(f"{name}_count", count)

    for deadline in ("verification", "first_response", "resolution"):
        due, met = fig.n(f"sla_{deadline}_due"), fig.n(f"sla_{deadline}_met")
        put(f"sla_{deadline}", _pct(met, due), {"due": due, "met": met})
    first = fig.n("resolved_first")
    put("resolved_within_5wd", _pct(fig.n("resolved_5wd"), first),
        {"resolved": first, "within": fig.n("resolved_5wd")})
    put("reopen_rate", _pct(fig.n("reopened"), fig.n("resolved")))

    ratings = fig.bins("rated")
    rated = sum(ratings.values())
    put("rating_mean", _round(Fraction(fig.total("rated"), rated)) if rated else None,
        {"distribution": {str(s): ratings.get(s, 0) for s in RATING_SCORES}})
    put("rating_share_4plus", _pct(ratings.get(4, 0) + ratings.get(5, 0), rated))
    put("rating_count", rated)

    ikm, extra = ikm_of(fig.skm)
    put("ikm", ikm, extra)
    put("skm_respondents", fig.skm.respondents if fig.skm is not None else 0)
    cikm, cextra = ikm_of(fig.complaint_skm)
    put("complaint_survey_ikm", cikm, cextra)
    put("custom_satisfaction", custom_satisfaction(fig.bins("custom_answer")))
    put("survey_responses", fig.n("survey_response"))

    filed = fig.n("filed")
    privacy = fig.filed_by_privacy
    known = "privacy" in fig.splits
    put("anonymous_share", _pct(privacy.get("anonymous", 0), filed) if known else None)
    put("confidential_share", _pct(privacy.get("confidential", 0), filed) if known else None)
    integrity = sum(n for code, n in fig.filed_by_category.items()
                    if code in fig.integrity_categories)
    known = "category" in fig.splits
    put("integrity_complaints", integrity if known else None)
    put("integrity_share", _pct(integrity, filed) if known else None)
    delivered = fig.n("notification_delivered")
    put("notification_delivery_rate",
        _pct(delivered, delivered + fig.n("notification_failed")))
    return out


def custom_satisfaction(bins: Mapping[int, int]) -> float | None:
    """Mean of (score - 1) / (scale_max - 1) x 100 over the answers behind ``bins``."""
    answers = sum(bins.values())
    if not answers:
        return None
    total = sum((Fraction(b % 100 - 1, b // 100 - 1) * 100 * n for b, n in bins.items()),
                Fraction(0))
    return _round(total / answers)


def age_bucket(age: int) -> str:
    for key, low, high in BACKLOG_BUCKETS:
        if age >= low and (high is None or age <= high):
            return key
    return BACKLOG_BUCKETS[0][0]


def backlog_ages(cohorts: Mapping[int, int], day: date | None,
                 calendar: WorkingCalendar) -> dict[str, int]:
    """Open complaints at the end of ``day`` per age bucket, from the open count per filing
    day (``cohorts``: ordinal -> open)."""
    if day is None:
        return {}
    out: dict[str, int] = {}
    for ordinal, n in cohorts.items():
        if n <= 0:
            continue
        age = max(calendar.working_days_between(date.fromordinal(ordinal), day), 0)
        key = age_bucket(age)
        out[key] = out.get(key, 0) + n
    return out


def score(value: float | None, target: float | None, direction: str) -> float | None:
    """CityScore: value / target when higher is better, target / value when lower is better;
    capped at 2 (a value of 0 against an ``at_most`` target scores 2). None without both."""
    if value is None or target is None:
        return None
    if direction == "at_least":
        if target == 0:
            return 2.0
        raw = value / target
    else:
        if value == 0:
            return 2.0
        raw = target / value
    return _round(min(max(raw, 0.0), 2.0), 4)


def misses(value: float | None, target: float | None, direction: str) -> bool:
    if value is None or target is None:
        return False
    return value < target if direction == "at_least" else value > target


def change(value: Value, previous: Value) -> float | None:
    if value is None or previous is None:
        return None
    return _round(Fraction(value) - Fraction(previous), 2)


def format_id(value: float | int | None, places: int = 2) -> str:
    """Indonesian number format: 91,48 and 12.345 (thousands with a dot)."""
    if value is None:
        return "\u2013"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}".replace(",", ".")
    text = f"{Decimal(str(value)).quantize(Decimal(10) ** -places):,}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


__all__ = ["BY_CODE", "ELEMENT_CODES", "INDICATORS", "Figures", "Indicator", "compute"]
