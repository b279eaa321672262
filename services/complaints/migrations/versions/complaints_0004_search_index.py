"""complaints: a full-text index over title and description (PostgreSQL only)

`GET /v1/complaints?q=` searches the Indonesian text document of each complaint through this
GIN index (models.SEARCH_DOCUMENT); SQLite, the embedded default, scans with LIKE instead.

Revision ID: complaints_0004
Revises: complaints_0003
Create Date: 2026-12-07 03:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "complaints_0004"
down_revision: str | Sequence[str] | None = "complaints_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DOCUMENT = "to_tsvector('indonesian'::regconfig, (title::text || ' '::text) || description)"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE INDEX ix_complaints_search ON complaints USING gin ({DOCUMENT})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_complaints_search")
