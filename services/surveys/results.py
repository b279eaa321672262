"""IKM results from the stored tallies, as JSON-ready models and CSV. No rescan of answers.

A scope is a set of (survey, period) pairs: one survey's period, or every SKM survey of a
unit with a period of that code. Their tallies are summed (exactly the IKM of all their
responses together, never an average of IKMs), optionally for one service and per segment.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from sqlalchemy import Row, select

from services.surveys import custom, errors, repository
from services.surveys.ikm import LikertTally, SkmTally, compute_ikm
from services.surveys.models import survey_periods, surveys
from services.surveys.profile import SEGMENTS
from services.surveys.repository import ReadOnly
from services.surveys.schemas import (
    ElementResult,
    IkmRead,
    ItemResult,
    ItemResultsRead,
    ItemSegment,
    ResultsRead,
    SampleRead,
    SegmentResult,
)
from services.surveys.skm import ELEMENTS, check_sample
from shared.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Scope:
    agency_id: str
    unit_id: str | None
    period: str
    period_ids: tuple[str, ...]
    populations: tuple[int | None, ...]
    survey_id: str | None = None
    service_id: str | None = None

    def describe(self) -> dict[str, str | None]:
        return {"agency_id": self.agency_id, "unit_id": self.unit_id,
                "service_id": self.service_id, "survey_id": self.survey_id,
                "period": self.period}

    @property
    def population(self) -> int | None:
        """Known only if every period of the scope has one (then their sum)."""
        if not self.populations or any(p is None for p in self.populations):
            return None
        return sum(p for p in self.populations if p is not None)


def survey_scope(survey: Row, period: Row, service_id: str | None) -> Scope:
    return Scope(survey.agency_id, survey.unit_id, period.code, (period.id,),
                 (period.population,), survey_id=survey.id, service_id=service_id)


async def unit_scope(uow: UnitOfWork | ReadOnly, *, agency_id: str, unit_id: str | None,
                     period: str, service_id: str | None) -> Scope:
    """Every general SKM survey of the unit (of the whole agency when ``unit_id`` is None)
    with a period of that code. Post-complaint surveys are left out: they rate complaint
    handling, not a unit's services."""
    stmt = (select(survey_periods.c.id, survey_periods.c.population)
            .join(surveys, surveys.c.id == survey_periods.c.survey_id)
            .where(surveys.c.agency_id == agency_id,
                   surveys.c.kind == "skm", surveys.c.purpose == "general",
                   survey_periods.c.code == period))
    if unit_id is not None:
        stmt = stmt.where(surveys.c.unit_id == unit_id)
    rows = (await uow.conn.execute(stmt)).all()
    return Scope(agency_id, unit_id, period, tuple(r.id for r in rows),
                 tuple(r.population for r in rows), service_id=service_id)


def ikm_fields(tally: SkmTally) -> dict:
    elements = []
    for spec, e in zip(ELEMENTS, tally.elements, strict=True):
        answered = e.count > 0
        elements.append(ElementResult(
            code=e.code, name_id=spec.name_id, name_en=spec.name_en, answers=e.count,
            distribution={str(s): n for s, n in enumerate(e.counts, start=1)},
            nrr=e.nrr_rounded if answered else None,
            index=e.index_rounded if answered else None,
            grade=e.grade.value if answered else None))
    out = {"respondents": tally.respondents, "elements": elements, "ni": None, "ikm": None,
           "grade": None, "grade_label_id": None, "grade_label_en": None, "weakest_first": []}
    if all(e.count for e in tally.elements):
        result = compute_ikm(tally)
        band = result.grade.band
        out |= {"ni": result.ni_rounded, "ikm": result.ikm_rounded, "grade": result.grade.value,
                "grade_label_id": band.label_id, "grade_label_en": band.label_en,
                "weakest_first": [e.code for e in result.weakest_first()]}
    return out


async def compute(uow: UnitOfWork | ReadOnly, scope: Scope, *,
                  by: str | None = None) -> ResultsRead:
    conn = uow.conn
    if scope.period_ids:
        total = (await repository.read_tallies(conn, period_ids=scope.period_ids,
                                               service_id=scope.service_id))[None]
    else:
        total = SkmTally()
    population = scope.population
    sample = None
    if population is not None:
        check = check_sample(population, total.respondents)
        sample = SampleRead(population=check.population, required=check.required,
                            respondents=check.respondents, sufficient=check.sufficient,
                            shortfall=check.shortfall)
    segments: list[SegmentResult] = []
    if by is not None and scope.period_ids:
        tallies = await repository.read_tallies(conn, period_ids=scope.period_ids,
                                                service_id=scope.service_id, by=by)
        labels = {c.code: c for c in SEGMENTS[by]}
        for value in [*labels, ""]:
            if value in tallies:
                choice = labels.get(value)
                segments.append(SegmentResult(
                    value=value or "not_given",
                    label_id=choice.label_id if choice else "Tidak diisi",
                    label_en=choice.label_en if choice else "Not given",
                    **ikm_fields(tallies[value])))
    return ResultsRead(scope=scope.describe(), sample=sample, segment=by, segments=segments,
                       **ikm_fields(total))


CSV_HEADER = ("period", "segment", "value", "element", "name_id", "name_en", "respondents",
              "answers", "score_1", "score_2", "score_3", "score_4", "nrr", "index", "grade")


def _num(value) -> str:
    return "" if value is None else str(value)


def _csv_rows(period: str, segment: str, value: str, part: IkmRead) -> list[tuple]:
    rows = [(period, segment, value, e.code, e.name_id, e.name_en, part.respondents,
             e.answers, *(e.distribution[str(s)] for s in range(1, 5)), _num(e.nrr),
             _num(e.index), e.grade or "") for e in part.elements]
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



def _item_parts(items: list[custom.Item], counts: dict[tuple[str, str], int]) -> dict:
    out = []
    for item in items:
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


async def item_results(uow: UnitOfWork | ReadOnly, *, survey: Row, period: Row, version: int,
                       service_id: str | None, by: str | None = None) -> ItemResultsRead:
    """Per item of a custom survey's version: answers, distribution, and for Likert items the
    mean and the 0..100 satisfaction score (``LikertTally``). Free text: only how many."""
    stored = await repository.version_items(uow.conn, survey.id, version)
    if stored is None:
        raise errors.invalid_field("version", f"this survey has no version {version}")
    items = [custom.item_from_dict(d) for d in stored]
    total = (await repository.read_item_tallies(
        uow.conn, period_ids=[period.id], version=version, service_id=service_id)).get(None, {})
    segments = []
    if by is not None:
        parts = await repository.read_item_tallies(
            uow.conn, period_ids=[period.id], version=version, service_id=service_id, by=by)
        labels = {c.code: c for c in SEGMENTS[by]}
        for value in [*labels, ""]:
            if value in parts:
                choice = labels.get(value)
                segments.append(ItemSegment(
                    value=value or "not_given",
                    label_id=choice.label_id if choice else "Tidak diisi",
                    label_en=choice.label_en if choice else "Not given",
                    **_item_parts(items, parts[value])))
    return ItemResultsRead(survey_id=survey.id, version=version, period=period.code,
                           service_id=service_id, segment=by, segments=segments,
                           **_item_parts(items, total))


ITEM_CSV_HEADER = ("period", "version", "segment", "value", "item", "type", "text_id",
                   "respondents", "answers", "answer_value", "count", "mean", "satisfaction")


def items_to_csv(data: ItemResultsRead) -> str:
    """One line per item and value (score or option; one line for a text item), for the
    total and each segment. Free-text content never appears."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(ITEM_CSV_HEADER)
    parts = [("all", "", data), *((data.segment or "", s.value, s) for s in data.segments)]
    for segment, value, part in parts:
        for item in part.items:
            values = list(item.distribution.items()) or [("", item.answers)]
            for answer_value, count in values:
                writer.writerow((data.period, data.version, segment, value, item.code,
                                 item.type, item.text_id, part.respondents, item.answers,
                                 answer_value, count, _num(item.mean),
                                 _num(item.satisfaction)))
    return buffer.getvalue()
