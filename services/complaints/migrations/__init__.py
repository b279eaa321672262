"""Alembic revisions of the complaints service (branch label `complaints`).

The bus tables come from shared/migrations (branch `bus`)."""

from pathlib import Path

VERSIONS = Path(__file__).parent / "versions"
