"""Settings of the notifications service: `SUARA_NOTIFICATIONS_*`, falling back to `SUARA_*`."""

from typing import ClassVar

from pydantic import Field

from shared.settings import ServiceSettings


class NotificationsSettings(ServiceSettings):
    service: ClassVar[str] = "notifications"
    port: int = Field(default=8004, ge=0, le=65535)
