"""The KPI service's use cases (each module's docstring says what it owns): the indicators,
breakdowns, series and dashboard of a scope (``indicators``), the targets (``targets``) and the
closing of ended periods (``closing``); ``app.py`` builds one object of each and registers it."""

from services.kpi.service.closing import Closed, close_period, close_ready, ready_periods
from services.kpi.service.indicators import (
    TREND_CODES,
    BreakdownCell,
    BreakdownResult,
    BreakdownRow,
    Dashboard,
    IndicatorResult,
    IndicatorsResult,
    KpiService,
    UnitIkm,
    period_of,
)
from services.kpi.service.targets import StoredTarget, TargetChange, TargetService

__all__ = ["TREND_CODES", "BreakdownCell", "BreakdownResult", "BreakdownRow", "Closed",
           "Dashboard", "IndicatorResult", "IndicatorsResult", "KpiService", "StoredTarget",
           "TargetChange", "TargetService", "UnitIkm", "close_period", "close_ready", "period_of",
           "ready_periods"]
