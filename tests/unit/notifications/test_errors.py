"""Every error code the notifications service raises has its Indonesian and English text."""

from __future__ import annotations

import re
from pathlib import Path

from services.notifications.app import create_app
from services.notifications.settings import NotificationsSettings

SOURCE = Path(__file__).resolve().parents[3] / "services" / "notifications"


def raised_codes() -> set[str]:
    codes: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        text = path.read_text()
        codes |= set(re.findall(r'code="([a-z_]+)"', text))
        codes |= set(re.findall(r'invalid\(\s*"[^"]+",\s*(?:f?"[^"]*"|str\(exc\)),\s*"([a-z_]+)"',
                                text))
    return codes


def test_every_raised_code_is_registered(tmp_path):
    app = create_app(NotificationsSettings(environment="test",
                                           database_url=f"sqlite+aiosqlite:///{tmp_path}/n.db"))
    codes = raised_codes()
    assert {"refused_url", "unknown_event_type", "webhook_not_found"} <= codes
    assert codes <= set(app.state.messages.codes())
