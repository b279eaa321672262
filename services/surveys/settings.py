"""Settings of the surveys service: `SUARA_SURVEYS_*`, falling back to `SUARA_*`.

No secret of its own: the invitation links' tokens are drawn by the complaints service, which
hands this service only their hashes (docs/surveys.md, "Invitation links"). The shared
validator refuses the production JWT settings it needs.
"""

from __future__ import annotations

from typing import ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator

from shared.settings import ServiceSettings


class SurveysSettings(ServiceSettings):
    service: ClassVar[str] = "surveys"
    port: int = Field(default=8002, ge=0, le=65535)

    timezone: str = Field(
        default="Asia/Jakarta",
        description="The agency's time zone: which calendar day (and period) a response is in.")
    public_url: str = Field(
        default="http://127.0.0.1:8002", pattern=r"^https?://",
        description="Public base URL of this service. Invitation links start with it: the "
        "complaints service builds them from the same variable, SUARA_SURVEYS_PUBLIC_URL. "
        "Production refuses a plain-http or local URL.")
    invitation_ttl_days: int = Field(default=30, ge=1, le=365)
    max_batch_rows: int = Field(default=1000, ge=1, le=100_000)
    burst_window_minutes: int = Field(
        default=60, ge=1, le=1440,
        description="Online SKM answers are counted per survey, client and window this long.")
    burst_threshold: int = Field(
        default=20, ge=1, le=100_000,
        description="More answers than this from one client in one window flag a burst.")
    burst_retention_hours: int = Field(
        default=24, ge=1, le=24 * 30,
        description="After this, a window's counts are forgotten (bursts keep theirs, without "
        "the client hash).")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value
