"""Offline batches: a JSON list of responses or a CSV file, each row recorded on its own.

All rows go through one transaction, each row inside a savepoint: a bad row is rolled back
alone and reported (row number, fields), the good rows are stored. Every row carries its
client-generated ``response_id``, so uploading the same batch twice stores each response
once (the second upload reports them as ``duplicate``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ValidationError

from services.surveys import batch_csv, errors
from services.surveys.domain.skm import InvalidSurveyInput
from services.surveys.schemas import ResponseCreate
from services.surveys.service.base import ServiceBase, load_survey
from services.surveys.service.management import authorize
from services.surveys.service.recording import check_channel, record, to_new
from shared.auth import Principal
from shared.errors import SuaraError
from shared.http.problems import clean, validation_fields
from shared.types import AnyRow
from shared.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class RowError:
    field: str | None
    message: str


@dataclass(frozen=True, slots=True)
class RowOutcome:
    row: int  # 1-based position in the batch (CSV: data line number)
    response_id: str | None
    status: Literal["recorded", "duplicate", "rejected"]
    errors: tuple[RowError, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class BatchResult:
    survey_id: str
    outcomes: tuple[RowOutcome, ...]

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)


def _validation_errors(exc: ValidationError, raw: object) -> tuple[RowError, ...]:
    """A row's validation errors with the paths the client sent (no union internals), every
    text echoed from the row made encodable (a lone surrogate cannot be UTF-8)."""
    return tuple(RowError(f.field, f.message)
                 for f in validation_fields(exc.errors(include_url=False), raw))


def _suara_errors(exc: SuaraError) -> tuple[RowError, ...]:
    if exc.fields:
        return tuple(RowError(clean(f.field), clean(f.message)) for f in exc.fields)
    return (RowError(None, exc.message),)


class BatchUseCases(ServiceBase):
    async def record_batch(self, *, principal: Principal, survey_id: str,
                           rows: Sequence[Any]) -> BatchResult:
        """A JSON batch: each element a response as in POST .../responses."""
        limit = self.settings.max_batch_rows
        if len(rows) > limit:
            raise errors.invalid_field("rows", f"at most {limit} rows per batch",
                                       "too_many_rows", code="invalid_batch",
                                       params={"max": limit})
        return await self._record(principal, survey_id, list(enumerate(rows, 1)), None)

    async def import_csv(self, *, principal: Principal, survey_id: str,
                         text: str) -> BatchResult:
        """A CSV file (``batch_csv``), read once the caller may upload to the survey."""
        return await self._record(principal, survey_id, None, text)

    async def _record(self, principal: Principal, survey_id: str,
                      rows: list[tuple[int, Any]] | None, csv_text: str | None) -> BatchResult:
        async with self._writing() as uow:
            survey = await load_survey(uow, survey_id)
            authorize(principal, survey.agency_id)
            check_channel(survey, "batch")
            if csv_text is not None:
                rows = batch_csv.parse_csv(csv_text, max_rows=self.settings.max_batch_rows)
            assert rows is not None
            outcomes = [await self._row(uow, survey, number, raw) for number, raw in rows]
        return BatchResult(survey_id, tuple(outcomes))

    async def _row(self, uow: UnitOfWork, survey: AnyRow, number: int,
                   raw: Any) -> RowOutcome:
        response_id = raw.get("response_id") if isinstance(raw, dict) else None
        response_id = clean(str(response_id))[:64] if response_id is not None else None
        try:
            new = to_new(ResponseCreate.model_validate(raw))
        except ValidationError as exc:
            return RowOutcome(number, response_id, "rejected", _validation_errors(exc, raw))
        except InvalidSurveyInput as exc:
            return RowOutcome(number, response_id, "rejected",
                              _suara_errors(errors.from_domain(exc, prefix="profile.")))
        try:
            async with uow.conn.begin_nested():
                done = await record(uow, settings=self.settings, now=self.clock(),
                                    survey=survey, new=new, channel="batch")
        except SuaraError as exc:
            return RowOutcome(number, new.response_id, "rejected", _suara_errors(exc))
        return RowOutcome(number, new.response_id,
                          "duplicate" if done.replayed else "recorded")
