"""An in-memory channel for tests: records what it was asked to send, answers as scripted."""

from __future__ import annotations

from collections import deque

from services.notifications.channels.base import Outgoing
from services.notifications.domain.messages import Outcome


class FakeChannel:
    def __init__(self, name: str) -> None:
        self.name = name
        self.sent: list[Outgoing] = []
        self.script: deque[Outcome] = deque()

    async def send(self, message: Outgoing) -> Outcome:
        self.sent.append(message)
        if self.script:
            return self.script.popleft()
        return Outcome(ok=True, provider_id=f"fake-{message.id}")

    async def close(self) -> None:
        return None
