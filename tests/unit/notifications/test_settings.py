"""Production refuses the notifications service's development secrets (when the settings are
read, so `serve` and `migrate` alike)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.notifications.settings import NotificationsSettings

PROD = {"environment": "production", "jwt_secret": "j" * 40,
        "database_url": "sqlite+aiosqlite:///x.db"}
GOOD = PROD | {"secret_key": "k" * 40, "dlr_secret": "d" * 40,
               "public_url": "https://notifikasi.example.go.id"}


@pytest.mark.parametrize(("missing", "named"), [
    ("secret_key", "SUARA_NOTIFICATIONS_SECRET_KEY"),
    ("dlr_secret", "SUARA_NOTIFICATIONS_DLR_SECRET"),
    ("public_url", "SUARA_NOTIFICATIONS_PUBLIC_URL"),
])
def test_production_refuses_a_development_default(missing, named):
    values = {k: v for k, v in GOOD.items() if k != missing}
    with pytest.raises(ValidationError, match=named):
        NotificationsSettings(**values)


def test_production_with_its_own_secrets_and_no_loopback_webhooks():
    s = NotificationsSettings(**GOOD)
    assert not s.allow_loopback and s.require_https
    assert s.public_base == "https://notifikasi.example.go.id"


def test_development_needs_nothing():
    s = NotificationsSettings(environment="development")
    assert s.allow_loopback and not s.require_https
    assert s.public_base == "http://127.0.0.1:8004"
