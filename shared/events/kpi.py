"""Events of the kpi service, on ``suara.kpi``, keyed by agency id."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, Field

from shared.events.envelope import EventPayload
from shared.topics import Topic

Id = Annotated[str, Field(min_length=1, max_length=64)]
Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]
#: A reporting period: a year (2025), a month (2025-06), a quarter (2025-Q2) or a half (2025-H1).
Period = Annotated[str, Field(pattern=r"^[0-9]{4}(-(0[1-9]|1[0-2])|-Q[1-4]|-H[12])?$")]


class KpiTargetMissed(EventPayload):
    """An indicator's value for a closed period misses its target."""

    event_type = "kpi.target_missed.v1"
    topic = Topic.KPI
    key_field = "agency_id"

    agency_id: Id = Field(description="The agency the indicator is computed for.")
    indicator_code: Code = Field(
        description="The indicator, e.g. sla_compliance, satisfaction, first_response_time, "
        "resolution_time, backlog, reopen_rate."
    )
    period: Period = Field(description="YYYY, YYYY-MM, YYYY-Qn or YYYY-Hn.")
    unit_id: Id | None = Field(None, description="The service unit, if scoped to one.")
    category_code: str | None = Field(
        None, min_length=1, max_length=64, description="The complaint category, if scoped to one."
    )
    value: float = Field(description="The indicator's value for the period.")
    target: float = Field(description="The target it misses.")
    comparison: Literal["at_least", "at_most"] = Field(
        description="at_least: the value should reach the target (satisfaction); "
        "at_most: it should stay under it (resolution time)."
    )
    measure: Literal["percent", "hours", "days", "count", "index"] = Field(
        description="What value and target are measured in."
    )
    occurred_at: AwareDatetime = Field(description="When the miss was computed.")
