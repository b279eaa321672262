"""Settings of the surveys service: `SUARA_SURVEYS_*`, falling back to `SUARA_*`."""

from typing import ClassVar

from pydantic import Field

from shared.settings import ServiceSettings


class SurveysSettings(ServiceSettings):
    service: ClassVar[str] = "surveys"
    port: int = Field(default=8002, ge=0, le=65535)
