"""Alembic revisions of the surveys service (branch label `surveys`).

The bus tables come from shared/migrations (branch `bus`)."""

from pathlib import Path

VERSIONS = Path(__file__).parent / "versions"
