"""Projection (cells, complaints, applied events, catalogue, SKM tallies), targets, misses.

Revision ID: kpi_0001
Revises:
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "kpi_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("kpi",)
depends_on: str | Sequence[str] | None = None

ZERO = sa.text("0")
SKM_COLUMNS = [f"u{i}_s{s}" for i in range(1, 10) for s in range(1, 5)]


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "kpi_cells",
        sa.Column("agency_id", sa.String(64), primary_key=True),
        sa.Column("grain", sa.String(1), primary_key=True),
        sa.Column("dim", sa.String(16), primary_key=True),
        sa.Column("start", sa.Date(), primary_key=True),
        sa.Column("measure", sa.String(48), primary_key=True),
        sa.Column("value", sa.String(64), primary_key=True),
        sa.Column("bin", sa.Integer(), primary_key=True),
        sa.Column("n", sa.BigInteger(), nullable=False, server_default=ZERO),
        sa.Column("total", sa.BigInteger(), nullable=False, server_default=ZERO),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "kpi_complaints",
        sa.Column("complaint_id", sa.String(64), primary_key=True),
        sa.Column("agency_id", sa.String(64), nullable=False),
        sa.Column("category_code", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False, server_default=""),
        sa.Column("privacy", sa.String(16), nullable=False, server_default=""),
        sa.Column("region_code", sa.String(16), nullable=False, server_default=""),
        sa.Column("unit_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("filed_at", _utc(), nullable=True),
        sa.Column("verification_due_at", _utc(), nullable=True),
        sa.Column("decided_at", _utc(), nullable=True),
        sa.Column("first_response_due_at", _utc(), nullable=True),
        sa.Column("resolution_due_at", _utc(), nullable=True),
        sa.Column("first_responded_at", _utc(), nullable=True),
        sa.Column("first_resolved_at", _utc(), nullable=True),
        sa.Column("open_agency", sa.String(64), nullable=True),
        sa.Column("cohort", sa.Date(), nullable=True),
        sa.Column("settled", sa.String(8), nullable=False, server_default=""),
    )
    op.create_table("kpi_applied", sa.Column("event_id", sa.String(64), primary_key=True),
                    sqlite_with_rowid=False)
    op.create_table(
        "kpi_agencies",
        sa.Column("agency_id", sa.String(64), primary_key=True),
        sa.Column("parent_id", sa.String(64), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name_id", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
    )
    op.create_table(
        "kpi_categories",
        sa.Column("category_code", sa.String(64), primary_key=True),
        sa.Column("agency_id", sa.String(64), nullable=False),
        sa.Column("name_id", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("integrity", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
    )
    op.create_table(
        "kpi_skm",
        sa.Column("agency_id", sa.String(64), primary_key=True),
        sa.Column("unit_key", sa.String(64), primary_key=True),
        sa.Column("period_code", sa.String(7), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("respondents", sa.Integer(), nullable=False, server_default=ZERO),
        *[sa.Column(c, sa.Integer(), nullable=False, server_default=ZERO) for c in SKM_COLUMNS],
    )
    op.create_table(
        "kpi_targets",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("agency_id", sa.String(64), nullable=False),
        sa.Column("indicator_code", sa.String(64), nullable=False),
        sa.Column("category_code", sa.String(64), nullable=False, server_default=""),
        sa.Column("unit_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("mode", sa.String(8), nullable=False),
        sa.Column("baseline_period", sa.String(10), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
    )
    op.create_index("ix_kpi_targets_agency", "kpi_targets", ["agency_id"])
    op.create_table(
        "kpi_target_audit",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True,
                  autoincrement=True),
        sa.Column("target_id", sa.String(36), nullable=False),
        sa.Column("action", sa.String(8), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("at", _utc(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
    )
    op.create_index("ix_kpi_target_audit_target", "kpi_target_audit", ["target_id"])
    op.create_table(
        "kpi_target_misses",
        sa.Column("agency_id", sa.String(64), primary_key=True),
        sa.Column("indicator_code", sa.String(64), primary_key=True),
        sa.Column("category_code", sa.String(64), primary_key=True),
        sa.Column("unit_id", sa.String(64), primary_key=True),
        sa.Column("period", sa.String(10), primary_key=True),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("target", sa.Float(), nullable=False),
        sa.Column("published_at", _utc(), nullable=False),
    )
    op.create_table(
        "kpi_closed_periods",
        sa.Column("period", sa.String(10), primary_key=True),
        sa.Column("closed_at", _utc(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
    )


def downgrade() -> None:
    for name in ("kpi_closed_periods", "kpi_target_misses", "kpi_target_audit", "kpi_targets",
                 "kpi_skm", "kpi_categories", "kpi_agencies", "kpi_applied", "kpi_complaints",
                 "kpi_cells"):
        op.drop_table(name)
