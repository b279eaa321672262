"""Alembic revisions of the notifications service (branch label `notifications`).

The bus tables come from shared/migrations (branch `bus`)."""

from pathlib import Path

VERSIONS = Path(__file__).parent / "versions"
