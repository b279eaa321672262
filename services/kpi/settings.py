"""Settings of the kpi service: `SUARA_KPI_*`, falling back to `SUARA_*`."""

from __future__ import annotations

from typing import ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator

from shared.settings import ServiceSettings


class KpiSettings(ServiceSettings):
    service: ClassVar[str] = "kpi"
    port: int = Field(default=8003, ge=0, le=65535)

    timezone: str = Field(
        default="Asia/Jakarta",
        description="Which local calendar day (and so which period) an event's occurred_at is in.")
    small_number_threshold: int = Field(
        default=3, ge=1, le=100,
        description="In anything public, a breakdown cell with fewer complaints is suppressed "
        "(with its complement where needed).")
    close_lookback_days: int = Field(
        default=400, ge=0, le=3660,
        description="How far back the closing task looks for ended periods not closed yet "
        "(after an outage, or at the first start): every one ending within this many days "
        "before the latest closable one is closed once.")
    close_grace_days: int = Field(
        default=7, ge=0, le=90,
        description="Days after a period's end before it is evaluated against its targets (late "
        "offline events still arrive meanwhile).")
    close_scan_interval_s: float = Field(
        default=300.0, gt=0, description="How often ended periods are looked for.")
    public_max_age_s: int = Field(
        default=60, ge=0, description="Cache-Control max-age of the public API and pages; "
        "also how long this process keeps a finished public answer (0: none kept).")
    public_cache_bytes: int = Field(
        default=32 * 1024 * 1024, ge=0,
        description="How many bytes of finished public answers (indicators, dashboard pages) "
        "this process keeps at most, the least recently used dropped first (0: none).")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)
