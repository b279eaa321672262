"""Use-case results as HTTP models, CSV and the data dictionary (shared by every route)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from services.kpi.domain.indicators import INDICATORS
from services.kpi.domain.suppression import SENSITIVE
from services.kpi.schemas import (
    BreakdownCellRead,
    BreakdownRead,
    BreakdownRowRead,
    IndicatorRead,
    IndicatorsRead,
    TargetRead,
)
from services.kpi.service import BreakdownResult, IndicatorsResult
from services.kpi.service.targets import StoredTarget


def indicators_read(r: IndicatorsResult) -> IndicatorsRead:
    info = r.tree.info(r.agency_id)
    return IndicatorsRead(
        agency_id=r.agency_id, period=r.period.code, period_start=r.period.start,
        period_end=r.period.last_day, name_id=info.name_id, name_en=info.name_en,
        overall_score=r.overall_score, agencies=list(r.agencies),
        category_code=r.category_code, unit_id=r.unit_id,
        indicators=[IndicatorRead(
            code=i.code, value=i.value, target=i.target, score=i.score, previous=i.previous,
            change=i.change, year_before=i.year_before, change_year_before=i.change_year_before,
            unit=i.spec.unit, comparison=i.direction,  # type: ignore[arg-type]
            missed=i.missed, details=i.details, suppressed=i.suppressed,
            withheld=list(i.withheld)) for i in r.indicators])


def breakdown_read(r: BreakdownResult) -> BreakdownRead:
    return BreakdownRead(
        agency_id=r.agency_id, period=r.period.code, by=r.dimension,
        suppression_threshold=r.threshold,
        rows=[BreakdownRowRead(value=row.value, name_id=row.name_id, name_en=row.name_en,
                               indicators={code: BreakdownCellRead(value=c.value,
                                                                   suppressed=c.suppressed)
                                           for code, c in row.cells.items()})
              for row in r.rows])


INDICATOR_CSV = ("agency_id", "period", "code", "value", "target", "comparison", "score",
                 "previous", "change", "year_before", "change_year_before", "unit",
                 "suppressed", "withheld")


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def indicators_csv(data: IndicatorsRead) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(INDICATOR_CSV)
    for i in data.indicators:
        writer.writerow([data.agency_id, data.period, i.code, _cell(i.value), _cell(i.target),
                         _cell(i.comparison), _cell(i.score), _cell(i.previous),
                         _cell(i.change), _cell(i.year_before), _cell(i.change_year_before),
                         i.unit, "true" if i.suppressed else "false", " ".join(i.withheld)])
    return buffer.getvalue()


def breakdown_csv(data: BreakdownRead) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    codes = list(data.rows[0].indicators) if data.rows else []
    writer.writerow(["agency_id", "period", "by", "value", "name_id", "name_en", *codes])
    for row in data.rows:
        writer.writerow([data.agency_id, data.period, data.by, row.value, row.name_id,
                         row.name_en, *("suppressed" if row.indicators[c].suppressed
                                        else _cell(row.indicators[c].value) for c in codes)])
    return buffer.getvalue()


DICTIONARY_COLUMNS = {
    "agency_id": "The agency (its sub-agencies rolled up).",
    "period": "YYYY, YYYY-Hn, YYYY-Qn, YYYY-MM, YYYY-Www or YYYY-MM-DD (local dates).",
    "code": "The indicator (see indicators).",
    "value": "The indicator's value in the period; empty when there is no data.",
    "target": "The target in force, if any.",
    "comparison": "at_least: the value should reach the target; at_most: stay under it.",
    "score": "value / target (at_least) or target / value (at_most), capped at 2.",
    "previous": "The value in the previous period of the same kind.",
    "change": "value - previous, in the indicator's unit.",
    "year_before": "The value in the same period one year earlier.",
    "change_year_before": "value - year_before.",
    "unit": "count, percent, working_days, hours, index (25-100) or score (1-5).",
    "suppressed": "true: the value is withheld (the cell is empty, which is not zero): fewer "
                  "complaints than the threshold behind it, or it would give such a number "
                  "away (its complement). In breakdowns a withheld cell reads 'suppressed'; in "
                  "the indicators only the sensitive indicators (sensitive: yes) are ever "
                  "withheld.",
    "withheld": "In the indicators: every field withheld for the same reason, separated by "
                "spaces (value, target, score, previous, change, year_before, "
                "change_year_before); those cells are empty. A zero is never withheld.",
}


def data_dictionary() -> dict[str, Any]:
    return {"columns": DICTIONARY_COLUMNS,
            "indicators": [{"code": i.code, "unit": i.unit, "direction": i.direction,
                            "name_id": i.name_id, "name_en": i.name_en, "formula": i.formula,
                            "sensitive": i.code in SENSITIVE}
                           for i in INDICATORS]}


def dictionary_csv() -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["code", "unit", "direction", "name_id", "name_en", "formula", "sensitive"])
    for i in INDICATORS:
        writer.writerow([i.code, i.unit, i.direction, i.name_id, i.name_en, i.formula,
                         "yes" if i.code in SENSITIVE else "no"])
    return buffer.getvalue()


def etag_of(content: bytes) -> str:
    return '"' + hashlib.sha256(content).hexdigest()[:32] + '"'


def _headers(etag: str, max_age: int, filename: str | None) -> dict[str, str]:
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={max_age}"}
    if filename is not None:
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return headers


def not_modified(request: Request, etag: str, max_age: int,
                 filename: str | None = None) -> Response | None:
    """A 304 when the client holds ``etag`` already (None: send the body)."""
    match = request.headers.get("if-none-match", "")
    if etag in [m.strip() for m in match.split(",")] or match.strip() == "*":
        return Response(status_code=304, headers=_headers(etag, max_age, filename))
    return None


def cached(request: Request, body: bytes, media_type: str, max_age: int,
           filename: str | None = None, *, etag: str | None = None) -> Response:
    """A public answer with a strong ETag (of the body, unless given: a body that embeds the
    time it was made passes the ETag of what it shows) and Cache-Control; 304 when the client
    has it."""
    etag = etag or etag_of(body)
    return not_modified(request, etag, max_age, filename) or Response(
        body, media_type=media_type, headers=_headers(etag, max_age, filename))


def json_bytes(model: Any) -> bytes:
    if hasattr(model, "model_dump_json"):
        return str(model.model_dump_json()).encode()
    return json.dumps(model, ensure_ascii=False, default=str).encode()


def target_read(target: StoredTarget) -> TargetRead:
    return TargetRead(**vars(target))
