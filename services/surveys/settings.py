"""Settings of the surveys service: `SUARA_SURVEYS_*`, falling back to `SUARA_*`."""

from __future__ import annotations

from typing import ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator

from shared.settings import ServiceSettings

#: Derives development invitation tokens only; refused in production.
DEV_INVITATION_SECRET = "suara-surveys-development-only-invitation-secret"  # noqa: S105


class SurveysSettings(ServiceSettings):
    service: ClassVar[str] = "surveys"
    port: int = Field(default=8002, ge=0, le=65535)

    timezone: str = Field(
        default="Asia/Jakarta",
        description="The agency's time zone: which calendar day (and period) a response is in.")
    public_url: str = Field(
        default="https://surveys.suara.localhost", pattern=r"^https://",
        description="Public base URL of this service; invitation links start with it.")
    invitation_secret: SecretStr | None = Field(
        default=None,
        description="Derives invitation tokens (HMAC), so replaying complaint.resolved "
        "rebuilds the same links. Development and tests: a fixed value by default.")
    invitation_ttl_days: int = Field(default=30, ge=1, le=365)
    max_batch_rows: int = Field(default=1000, ge=1, le=100_000)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @model_validator(mode="after")
    def _invitation_secret(self) -> SurveysSettings:
        """Outside production the development secret is the default. In production a secret
        that is given must be a private one (refused for every command, ``migrate``
        included: it is a mistake wherever it appears); none at all is accepted, since only
        the consumer that creates invitations needs it (``migrate`` and the API do not): it
        then fails on each complaint.resolved, which waits in the dead-letter topic."""
        secret = self.invitation_secret
        if secret is None:
            if self.environment != "production":
                object.__setattr__(self, "invitation_secret", SecretStr(DEV_INVITATION_SECRET))
        elif self.environment == "production" and (
                secret.get_secret_value() == DEV_INVITATION_SECRET
                or len(secret.get_secret_value()) < 32):
            raise ValueError("SUARA_SURVEYS_INVITATION_SECRET must be a private value of at "
                             "least 32 characters in production")
        return self
