"""Settings of the complaints service: `SUARA_COMPLAINTS_*`, falling back to `SUARA_*`."""

from typing import ClassVar

from pydantic import Field

from shared.settings import ServiceSettings


class ComplaintsSettings(ServiceSettings):
    service: ClassVar[str] = "complaints"
    port: int = Field(default=8001, ge=0, le=65535)
