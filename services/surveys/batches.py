"""Offline batches: a JSON list of responses or a CSV file, each row recorded on its own.

All rows go through one transaction, each row inside a savepoint: a bad row is rolled back
alone and reported (row number, fields), the good rows are stored. Every row carries its
client-generated ``response_id``, so uploading the same batch twice stores each response
once (the second upload reports them as ``duplicate``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from pydantic import ValidationError
from sqlalchemy import Row

from services.surveys import errors, recording
from services.surveys.schemas import BatchReport, ResponseCreate, RowReport
from services.surveys.settings import SurveysSettings
from services.surveys.skm import ELEMENT_CODES, InvalidSurveyInput
from shared.errors import SuaraError
from shared.uow import UnitOfWork

PROFILE_COLUMNS = ("age", "sex", "education", "occupation", "service_date")
CSV_COLUMNS = ("response_id", "submitted_at", "period", "service_id", *PROFILE_COLUMNS,
               *ELEMENT_CODES)
REQUIRED_CSV_COLUMNS = ("response_id", *ELEMENT_CODES)
MAX_CSV_BYTES = 5_000_000


def _validation_errors(exc: ValidationError) -> list[dict]:
    return [{"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
            for e in exc.errors()]


def _suara_errors(exc: SuaraError) -> list[dict]:
    if "fields" in exc.extra:
        return [{"field": f["field"], "message": f["message"]} for f in exc.extra["fields"]]
    return [{"field": exc.extra.get("field"), "message": exc.message}]


async def record_rows(uow: UnitOfWork, *, settings: SurveysSettings, survey: Row,
                      rows: Iterable[tuple[int, dict]], channel: str = "batch") -> BatchReport:
    report: list[RowReport] = []
    for number, raw in rows:
        response_id = raw.get("response_id") if isinstance(raw, dict) else None
        response_id = str(response_id) if response_id is not None else None
        try:
            body = ResponseCreate.model_validate(raw)
            new = recording.to_new(body)
        except ValidationError as exc:
            report.append(RowReport(row=number, response_id=response_id, status="rejected",
                                    errors=_validation_errors(exc)))
            continue
        except InvalidSurveyInput as exc:
            report.append(RowReport(row=number, response_id=response_id, status="rejected",
                                    errors=_suara_errors(errors.from_domain(
                                        exc, prefix="profile."))))
            continue
        try:
            async with uow.conn.begin_nested():
                done = await recording.record(uow, settings=settings, survey=survey, new=new,
                                              channel=channel)
        except SuaraError as exc:
            report.append(RowReport(row=number, response_id=new.response_id, status="rejected",
                                    errors=_suara_errors(exc)))
            continue
        report.append(RowReport(row=number, response_id=new.response_id,
                                status="duplicate" if done.replayed else "recorded"))
    counts = {s: sum(1 for r in report if r.status == s)
              for s in ("recorded", "duplicate", "rejected")}
    return BatchReport(survey_id=survey.id, rows=len(report), recorded=counts["recorded"],
                       duplicates=counts["duplicate"], rejected=counts["rejected"],
                       report=report)


def _cell_int(value: str) -> int | str:
    try:
        return int(value.strip())
    except ValueError:
        return value  # left as text: validation names the field


def parse_csv(text: str, *, max_rows: int) -> list[tuple[int, dict]]:
    reader = csv.DictReader(io.StringIO(text))
    try:
        return _parse(reader, max_rows=max_rows)
    except csv.Error as exc:  # NUL bytes, a huge field, an unterminated quote...
        raise errors.invalid_field("file", f"not readable as CSV at line {reader.line_num}: "
                                   f"{exc}", code="invalid_batch") from None


def _parse(reader: csv.DictReader, *, max_rows: int) -> list[tuple[int, dict]]:
    """CSV rows as request-shaped dicts, numbered from 1 (the first data line). Columns:
    ``response_id, submitted_at, period, service_id, age, sex, education, occupation,
    service_date, U1..U9``; empty cells are "not given". Raises 422 naming ``file`` for a
    header with unknown or missing columns, or too many rows."""
    header = reader.fieldnames or []
    unknown = [c for c in header if c not in CSV_COLUMNS]
    missing = [c for c in REQUIRED_CSV_COLUMNS if c not in header]
    if unknown or missing or len(set(header)) != len(header):
        problems = []
        if unknown:
            problems.append(f"unknown columns {', '.join(unknown)}")
        if missing:
            problems.append(f"missing columns {', '.join(missing)}")
        if len(set(header)) != len(header):
            problems.append("a column appears twice")
        raise errors.invalid_field("file", "; ".join(problems) + f" (expected: "
                                   f"{', '.join(CSV_COLUMNS)})", code="invalid_batch")
    rows: list[tuple[int, dict]] = []
    for number, record in enumerate(reader, start=1):
        if number > max_rows:
            raise errors.invalid_field("file", f"more than {max_rows} rows; split the file",
                                       code="invalid_batch")
        if None in record:
            rows.append((number, {"response_id": record.get("response_id"),
                                  "extra_cells": record[None]}))
            continue
        cells = {k: v.strip() for k, v in record.items() if v is not None and v.strip()}
        row: dict = {k: cells[k] for k in ("response_id", "submitted_at", "period",
                                           "service_id") if k in cells}
        row["answers"] = {c: _cell_int(cells[c]) for c in ELEMENT_CODES if c in cells}
        profile = {k: cells[k] for k in PROFILE_COLUMNS if k in cells}
        if "age" in profile:
            profile["age"] = _cell_int(profile["age"])
        row["profile"] = profile
        rows.append((number, row))
    return rows
