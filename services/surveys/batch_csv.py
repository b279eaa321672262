"""An offline batch's CSV file read as rows shaped like JSON batch rows. Pure; no I/O.

Columns: ``response_id, submitted_at, period, service_id, age, sex, education, occupation,
service_date, U1..U9`` (UTF-8, a header line, empty cells are "not given"). A file that is not
CSV, has unknown or missing columns or too many rows is refused whole (422 naming ``file``);
a bad cell is left for the row's own validation to name.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from services.surveys import errors
from services.surveys.domain.skm import ELEMENT_CODES

PROFILE_COLUMNS = ("age", "sex", "education", "occupation", "service_date")
CSV_COLUMNS = ("response_id", "submitted_at", "period", "service_id", *PROFILE_COLUMNS,
               *ELEMENT_CODES)
REQUIRED_CSV_COLUMNS = ("response_id", *ELEMENT_CODES)
MAX_CSV_BYTES = 5_000_000


def _cell_int(value: str) -> int | str:
    try:
        return int(value.strip())
    except ValueError:
        return value  # left as text: validation names the field


def parse_csv(text: str, *, max_rows: int) -> list[tuple[int, dict[str, Any]]]:
    reader = csv.DictReader(io.StringIO(text))
    try:
        return _parse(reader, max_rows=max_rows)
    except csv.Error as exc:  # NUL bytes, a huge field, an unterminated quote...
        raise errors.invalid_field("file", f"not readable as CSV at line {reader.line_num}: "
                                   f"{exc}", "not_csv", code="invalid_batch",
                                   params={"line": reader.line_num}) from None


def _parse(reader: csv.DictReader[str], *, max_rows: int) -> list[tuple[int, dict[str, Any]]]:
    """CSV rows as request-shaped dicts, numbered from 1 (the first data line). Columns:
    ``response_id, submitted_at, period, service_id, age, sex, education, occupation,
    service_date, U1..U9``; empty cells are "not given". Raises 422 naming ``file`` for a
    header with unknown or missing columns, or too many rows."""
    header = reader.fieldnames or []
    unknown = [c for c in header if c not in CSV_COLUMNS]
    missing = [c for c in REQUIRED_CSV_COLUMNS if c not in header]
    if unknown or missing or len(set(header)) != len(header):
        problems: list[str] = []
        if unknown:
            problems.append(f"unknown columns {', '.join(unknown)}")
        if missing:
            problems.append(f"missing columns {', '.join(missing)}")
        if len(set(header)) != len(header):
            problems.append("a column appears twice")
        raise errors.invalid_field("file", "; ".join(problems) + f" (expected: "
                                   f"{', '.join(CSV_COLUMNS)})", "csv_columns",
                                   code="invalid_batch",
                                   params={"problems": "; ".join(problems),
                                           "expected": ", ".join(CSV_COLUMNS)})
    rows: list[tuple[int, dict[str, Any]]] = []
    for number, record in enumerate(reader, start=1):
        if number > max_rows:
            raise errors.invalid_field("file", f"more than {max_rows} rows; split the file",
                                       "too_many_rows", code="invalid_batch",
                                       params={"max": max_rows})
        if None in record:
            rows.append((number, {"response_id": record.get("response_id"),
                                  "extra_cells": record[None]}))
            continue
        cells = {k: v.strip() for k, v in record.items() if v is not None and v.strip()}
        row: dict[str, Any] = {k: cells[k] for k in ("response_id", "submitted_at", "period",
                                           "service_id") if k in cells}
        row["answers"] = {c: _cell_int(cells[c]) for c in ELEMENT_CODES if c in cells}
        profile: dict[str, Any] = {k: cells[k] for k in PROFILE_COLUMNS if k in cells}
        if "age" in profile:
            profile["age"] = _cell_int(profile["age"])
        row["profile"] = profile
        rows.append((number, row))
    return rows
