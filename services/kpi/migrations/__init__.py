"""Alembic revisions of the kpi service (branch label `kpi`).

The bus tables come from shared/migrations (branch `bus`)."""

from pathlib import Path

VERSIONS = Path(__file__).parent / "versions"
