"""HTTP models of the kpi service (one strict base for input)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

IndicatorCode = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class IndicatorRead(BaseModel):
    code: str
    value: float | int | None
    target: float | None
    score: float | None
    previous: float | int | None
    change: float | None
    year_before: float | int | None = None
    change_year_before: float | None = None
    unit: str = ""
    comparison: Literal["at_least", "at_most"] | None = None
    missed: bool = False
    details: dict[str, Any] = Field(default_factory=dict)
    suppressed: bool = Field(
        False, description="In public: the value is withheld (a small number of complaints of a "
        "sensitive kind, or one that would give such a number away); null, not zero.")
    withheld: list[str] = Field(
        default_factory=list, description="In public: every field withheld for the same reason "
        "(value, target, score, previous, change, year_before, change_year_before).")


class IndicatorsRead(BaseModel):
    agency_id: str
    period: str
    indicators: list[IndicatorRead]
    period_start: date | None = None
    period_end: date | None = Field(None, description="Last day of the period.")
    name_id: str | None = None
    name_en: str | None = None
    overall_score: float | None = Field(None, description="Mean of the indicator scores.")
    agencies: list[str] = Field(default_factory=list,
                                description="The agency and its sub-agencies rolled up.")
    category_code: str | None = None
    unit_id: str | None = None


class BreakdownCellRead(BaseModel):
    value: float | int | None
    suppressed: bool = False


class BreakdownRowRead(BaseModel):
    value: str
    name_id: str
    name_en: str
    indicators: dict[str, BreakdownCellRead]


class BreakdownRead(BaseModel):
    agency_id: str
    period: str
    by: str
    suppression_threshold: int | None = Field(
        None, description="Cells behind fewer complaints are withheld (public only).")
    rows: list[BreakdownRowRead]


class SeriesPoint(BaseModel):
    start: date
    values: dict[str, int]


class SeriesRead(BaseModel):
    agency_id: str
    period: str
    points: list[SeriesPoint]


class TargetCreate(_In):
    agency_id: str = Field(min_length=1, max_length=64)
    indicator_code: IndicatorCode
    value: float = Field(ge=-1_000_000, le=1_000_000)
    direction: Literal["at_least", "at_most"]
    mode: Literal["absolute", "relative"] = "absolute"
    baseline_period: str | None = Field(None, max_length=10)
    category_code: str = Field("", max_length=64)
    unit_id: str = Field("", max_length=64)


class TargetUpdate(_In):
    value: float | None = Field(None, ge=-1_000_000, le=1_000_000)
    direction: Literal["at_least", "at_most"] | None = None
    mode: Literal["absolute", "relative"] | None = None
    baseline_period: str | None = Field(None, max_length=10)
    version: int = Field(ge=1, description="The version read: a concurrent change is a 409.")


class TargetRead(BaseModel):
    id: str
    agency_id: str
    indicator_code: str
    value: float
    direction: str
    mode: str
    baseline_period: str | None
    category_code: str
    unit_id: str
    version: int
    created_at: datetime
    updated_at: datetime


class AuditRead(BaseModel):
    action: str
    actor: str
    at: datetime
    before: dict[str, Any] | None
    after: dict[str, Any] | None
