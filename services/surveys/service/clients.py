"""The one thing the surveys service keeps of a client: a hash that means nothing tomorrow."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime


class ClientHasher:
    """HMAC-SHA256 of a client address under a random key per time window, held in memory
    only (never stored, never logged) for the current and the previous window (answers in
    flight across a boundary): a hash links one window's answers from one address, and once
    its window's key is gone nobody can tell which address it was, not even with the
    database and a list of every address (service.bursts)."""

    def __init__(self) -> None:
        self._keys: dict[datetime, bytes] = {}

    def __call__(self, address: str, window: datetime) -> str:
        key = self._keys.get(window)
        if key is None:
            key = self._keys[window] = secrets.token_bytes(32)
            for old in sorted(self._keys)[:-2]:
                del self._keys[old]
        return hmac.new(key, address.encode(), hashlib.sha256).hexdigest()[:32]
