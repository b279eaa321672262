"""kpi_cells by measure: the filings per category or privacy mode of a period are read without
scanning the dimension's histogram cells.

Revision ID: kpi_0002
Revises: kpi_0001
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "kpi_0002"
down_revision: str | Sequence[str] | None = "kpi_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_kpi_cells_measure", "kpi_cells",
                    ["agency_id", "grain", "dim", "measure", "start"])


def downgrade() -> None:
    op.drop_index("ix_kpi_cells_measure", "kpi_cells")
