"""What the routes answer: the use cases' result objects as HTTP models and CSV text.

Pure functions (no I/O): the same ``SkmResults`` becomes the JSON result, its CSV and the
figures of the printable report (``report``).
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

from services.surveys.domain import custom
from services.surveys.domain.ikm import LikertTally, SkmTally, compute_ikm
from services.surveys.domain.skm import ELEMENTS
from services.surveys.schemas import (
    BatchReport,
    BurstRead,
    BurstsRead,
    ElementRead,
    ElementResult,
    IkmRead,
    InvitationRead,
    ItemResult,
    ItemResultsRead,
    ItemSegment,
    PeriodRead,
    ResponseRecorded,
    ResultsRead,
    RowReport,
    SampleRead,
    SegmentResult,
    SurveyRead,
    WithoutFlaggedRead,
)
from services.surveys.service import (
    BatchResult,
    InvitationView,
    ItemResults,
    PeriodView,
    Recorded,
    Scope,
    Segment,
    SkmResults,
    SurveyView,
)
from services.surveys.service.bursts import BurstView
from services.surveys.service.results import BurstSummary, Counts

QUESTIONNAIRE = [ElementRead(code=e.code, name_id=e.name_id, name_en=e.name_en,
                             question_id=e.question_id, question_en=e.question_en,
                             labels_id=list(e.labels_id), labels_en=list(e.labels_en))
                 for e in ELEMENTS]


# -- surveys, responses, invitations ------------------------------------------------------------


def period_read(p: PeriodView) -> PeriodRead:
    return PeriodRead(code=p.code, starts_on=p.starts_on, last_day=p.ends_on - timedelta(days=1),
                      population=p.population, status="closed" if p.closed_at else "open",
                      closed_at=p.closed_at)


def survey_read(s: SurveyView) -> SurveyRead:
    return SurveyRead(id=s.id, agency_id=s.agency_id, unit_id=s.unit_id,
                      service_id=s.service_id, kind=s.kind, purpose=s.purpose, title=s.title,
                      version=s.version, created_at=s.created_at,
                      periods=[period_read(p) for p in s.periods],
                      questionnaire=QUESTIONNAIRE if s.kind == "skm" else [], items=s.items)


def recorded(done: Recorded) -> ResponseRecorded:
    return ResponseRecorded(response_id=done.response_id, survey_id=done.survey_id,
                            period=done.period, recorded_at=done.recorded_at,
                            replayed=done.replayed)


def batch_report(result: BatchResult) -> BatchReport:
    report = [RowReport(row=o.row, response_id=o.response_id, status=o.status,
                        errors=[{"field": e.field, "message": e.message} for e in o.errors])
              for o in result.outcomes]
    return BatchReport(survey_id=result.survey_id, rows=len(report),
                       recorded=result.count("recorded"), duplicates=result.count("duplicate"),
                       rejected=result.count("rejected"), report=report)


def invitation_read(view: InvitationView) -> InvitationRead:
    return InvitationRead(survey_id=view.survey_id, title=view.title, status=view.status,
                          expires_at=view.expires_at, retry_after_s=view.retry_after_s,
                          kind=view.kind, items=view.items,
                          questionnaire=QUESTIONNAIRE if view.kind == "skm" else [])


# -- SKM results --------------------------------------------------------------------------------


def describe(scope: Scope) -> dict[str, str | None]:
    return {"agency_id": scope.agency_id, "unit_id": scope.unit_id,
            "service_id": scope.service_id, "survey_id": scope.survey_id,
            "period": scope.period}


def ikm_fields(tally: SkmTally) -> dict[str, Any]:
    elements = []
    for spec, e in zip(ELEMENTS, tally.elements, strict=True):
        answered = e.count > 0
        elements.append(ElementResult(
            code=e.code, name_id=spec.name_id, name_en=spec.name_en, answers=e.count,
            distribution={str(s): n for s, n in enumerate(e.counts, start=1)},
            nrr=e.nrr_rounded if answered else None,
            index=e.index_rounded if answered else None,
            grade=e.grade.value if answered else None))
    out: dict[str, Any] = {
        "respondents": tally.respondents, "elements": elements, "ni": None, "ikm": None,
        "grade": None, "grade_label_id": None, "grade_label_en": None, "weakest_first": []}
    if all(e.count for e in tally.elements):
        result = compute_ikm(tally)
        band = result.grade.band
        out |= {"ni": result.ni_rounded, "ikm": result.ikm_rounded, "grade": result.grade.value,
                "grade_label_id": band.label_id, "grade_label_en": band.label_en,
                "weakest_first": [e.code for e in result.weakest_first()]}
    return out


def _labels(segment: Segment) -> dict[str, Any]:
    choice = segment.choice
    return {"value": segment.value or "not_given",
            "label_id": choice.label_id if choice else "Tidak diisi",
            "label_en": choice.label_en if choice else "Not given"}


def results_read(results: SkmResults) -> ResultsRead:
    s = results.sample
    sample = None if s is None else SampleRead(
        population=s.population, required=s.required, respondents=s.respondents,
        sufficient=s.sufficient, shortfall=s.shortfall)
    segments = [SegmentResult(**_labels(seg), **ikm_fields(tally))
                for seg, tally in results.segments]
    return ResultsRead(scope=describe(results.scope), periods=list(results.scope.periods),
                       sample=sample, segment=results.by, segments=segments,
                       bursts=_bursts_read(results.bursts), **ikm_fields(results.total))


def _bursts_read(b: BurstSummary | None) -> BurstsRead | None:
    if b is None:
        return None
    headline = ikm_fields(b.without_flagged)
    return BurstsRead(flagged=b.flagged, flagged_responses=b.flagged_responses,
                      excluded=b.excluded, excluded_responses=b.excluded_responses,
                      without_flagged=WithoutFlaggedRead(
                          respondents=b.without_flagged.respondents, ni=headline["ni"],
                          ikm=headline["ikm"], grade=headline["grade"]))


def burst_read(v: BurstView) -> BurstRead:
    return BurstRead(id=v.id, period=v.period, window_start=v.window_start,
                     window_end=v.window_end, responses=v.responses, flagged_at=v.flagged_at,
                     excluded=v.excluded_at is not None, excluded_at=v.excluded_at,
                     excluded_by=v.excluded_by,
                     ikm=Decimal(str(v.ikm)) if v.ikm is not None else None, grade=v.grade)


CSV_HEADER = ("period", "segment", "value", "element", "name_id", "name_en", "respondents",
              "answers", "score_1", "score_2", "score_3", "score_4", "nrr", "index", "grade")


def _num(value: object) -> str:
    return "" if value is None else str(value)


def _csv_rows(period: str, segment: str, value: str, part: IkmRead) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = [
        (period, segment, value, e.code, e.name_id, e.name_en, part.respondents, e.answers,
         *(e.distribution[str(s)] for s in range(1, 5)), _num(e.nrr), _num(e.index),
         e.grade or "") for e in part.elements]
    rows.append((period, segment, value, "IKM", "Indeks Kepuasan Masyarakat",
                 "Community satisfaction index", part.respondents, "", "", "", "", "",
                 _num(part.ni), _num(part.ikm), part.grade or ""))
    return rows


def to_csv(results: ResultsRead) -> str:
    """One line per element and one ``IKM`` line (nrr column = NI), for the total and for each
    segment. Decimal point, comma separator, UTF-8."""
    period = results.scope["period"] or ""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    writer.writerows(_csv_rows(period, "all", "", results))
    for seg in results.segments:
        writer.writerows(_csv_rows(period, results.segment or "", seg.value, seg))
    return buffer.getvalue()


# -- custom surveys -----------------------------------------------------------------------------


def _item_parts(items: tuple[custom.Item, ...], counts: Counts) -> dict[str, Any]:
    out = []
    for item in items:
        dist: dict[str, int]
        if item.type == "likert":
            assert item.points is not None
            dist = {str(s): counts.get((item.code, str(s)), 0)
                    for s in range(1, item.points + 1)}
            tally = LikertTally(tuple(dist.values()))
            answered = tally.count
            mean = tally.mean_rounded if answered else None
            satisfaction = tally.satisfaction_rounded if answered else None
        else:
            dist = {o.code: counts.get((item.code, o.code), 0) for o in item.options}
            answered = (sum(dist.values()) if item.type == "single"
                        else counts.get((item.code, ""), 0))
            mean = satisfaction = None
        out.append(ItemResult(code=item.code, type=item.type, text_id=item.text_id,
                              text_en=item.text_en, answers=answered, distribution=dist,
                              mean=mean, satisfaction=satisfaction))
    return {"respondents": counts.get(("", ""), 0), "items": out}


def item_results_read(data: ItemResults) -> ItemResultsRead:
    segments = [ItemSegment(**_labels(seg), **_item_parts(data.items, counts))
                for seg, counts in data.segments]
    return ItemResultsRead(survey_id=data.survey_id, version=data.version, period=data.period,
                           periods=list(data.periods), service_id=data.service_id,
                           segment=data.by, segments=segments,
                           **_item_parts(data.items, data.total))


ITEM_CSV_HEADER = ("period", "version", "segment", "value", "item", "type", "text_id",
                   "respondents", "answers", "answer_value", "count", "mean", "satisfaction")


def items_to_csv(data: ItemResultsRead) -> str:
    """One line per item and value (score or option; one line for a text item), for the
    total and each segment. Free-text content never appears."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(ITEM_CSV_HEADER)
    parts: list[tuple[str, str, ItemResultsRead | ItemSegment]] = [
        ("all", "", data), *((data.segment or "", s.value, s) for s in data.segments)]
    for segment, value, part in parts:
        for item in part.items:
            values: list[tuple[str, int]] = list(item.distribution.items()) or [
                ("", item.answers)]
            for answer_value, count in values:
                writer.writerow((data.period, data.version, segment, value, item.code,
                                 item.type, item.text_id, part.respondents, item.answers,
                                 answer_value, count, _num(item.mean),
                                 _num(item.satisfaction)))
    return buffer.getvalue()
