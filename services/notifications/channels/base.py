"""The interface every channel adapter implements."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from services.notifications.domain.messages import Outcome
from services.notifications.rendering import Rendered


@dataclass(frozen=True)
class Outgoing:
    """One message to send. ``id`` is stable across attempts: adapters pass it to the
    provider (Message-ID, idempotency key, reference) so a duplicate can be dropped there."""

    id: str
    channel: str
    recipient: str
    rendered: Rendered
    unsubscribe_url: str | None = None
    data: dict[str, str] = field(default_factory=dict)


class Channel(Protocol):
    name: str

    async def send(self, message: Outgoing) -> Outcome: ...

    async def close(self) -> None: ...


def http_outcome(status: int, *, provider_id: str | None, retry_after: float | None = None,
                 invalid_recipient: bool = False) -> Outcome:
    """An HTTP provider's answer as an outcome: 2xx sent; 408/429/5xx transient; other 4xx
    refused for good."""
    from datetime import timedelta

    if 200 <= status < 300:
        return Outcome(ok=True, provider_id=provider_id)
    wait = timedelta(seconds=retry_after) if retry_after is not None else None
    if status in (408, 425, 429) or status >= 500:
        return Outcome(ok=False, transient=True, reason="provider_unavailable",
                       retry_after=wait)
    return Outcome(ok=False, reason="invalid_recipient" if invalid_recipient
                   else "rejected_by_provider")


def retry_after_seconds(value: str | None) -> float | None:
    if value and value.strip().isdigit():
        return float(value.strip())
    return None
