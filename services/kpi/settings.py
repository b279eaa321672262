"""Settings of the kpi service: `SUARA_KPI_*`, falling back to `SUARA_*`."""

from typing import ClassVar

from pydantic import Field

from shared.settings import ServiceSettings


class KpiSettings(ServiceSettings):
    service: ClassVar[str] = "kpi"
    port: int = Field(default=8003, ge=0, le=65535)
