"""Settings of the complaints service: `SUARA_COMPLAINTS_*`, falling back to `SUARA_*`."""

from typing import ClassVar

from pydantic import Field

from shared.settings import ServiceSettings


class ComplaintsSettings(ServiceSettings):
    service: ClassVar[str] = "complaints"
    port: int = Field(default=8001, ge=0, le=65535)

    #: How often the SLA scheduler looks for deadlines due (warnings, breaches, auto-close).
    sla_scan_interval_s: float = Field(default=60.0, gt=0)
    #: Where citizens follow their complaint (used in notifications); {code} is filled in.
    public_tracking_url: str = "http://127.0.0.1:8001/v1/track/{code}"
    #: How long a filing's answer is kept for retries with the same Idempotency-Key (or client
    #: id); then it is deleted (the token in it too) and the same key files anew.
    idempotency_ttl_hours: int = Field(default=48, ge=1)
