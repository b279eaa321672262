"""Surveys, versions, periods, responses, tallies (SKM and custom items), invitations.

Revision ID: surveys_0001
Revises:
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "surveys_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("surveys",)
depends_on: str | Sequence[str] | None = None

ELEMENTS = [f"u{i}" for i in range(1, 10)]
COUNT_COLUMNS = [f"{e}_s{s}" for e in ELEMENTS for s in range(1, 5)]
ZERO = sa.text("0")


def upgrade() -> None:
    op.create_table(
        "surveys",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("agency_id", sa.String(64), nullable=False),
        sa.Column("unit_id", sa.String(64), nullable=True),
        sa.Column("service_id", sa.String(64), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_surveys_agency_unit", "surveys", ["agency_id", "unit_id"])
    op.create_table(
        "survey_periods",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("survey_id", sa.String(36), sa.ForeignKey("surveys.id"), nullable=False),
        sa.Column("code", sa.String(7), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("survey_id", "code", name="uq_survey_periods_code"),
    )
    op.create_table(
        "responses",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("survey_id", sa.String(36), sa.ForeignKey("surveys.id"), nullable=False),
        sa.Column("survey_version", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.String(36), sa.ForeignKey("survey_periods.id"),
                  nullable=False),
        sa.Column("service_id", sa.String(64), nullable=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("age_band", sa.String(16), nullable=True),
        sa.Column("sex", sa.String(1), nullable=True),
        sa.Column("education", sa.String(8), nullable=True),
        sa.Column("occupation", sa.String(20), nullable=True),
        sa.Column("service_date", sa.Date(), nullable=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
    )
    op.create_index("ix_responses_survey_period", "responses", ["survey_id", "period_id"])
    op.create_table(
        "skm_tallies",
        sa.Column("survey_id", sa.String(36), primary_key=True),
        sa.Column("survey_version", sa.Integer(), primary_key=True),
        sa.Column("period_id", sa.String(36), primary_key=True),
        sa.Column("service_key", sa.String(64), primary_key=True),
        sa.Column("age_band", sa.String(16), primary_key=True),
        sa.Column("sex", sa.String(1), primary_key=True),
        sa.Column("education", sa.String(8), primary_key=True),
        sa.Column("occupation", sa.String(20), primary_key=True),
        sa.Column("respondents", sa.Integer(), nullable=False, server_default=ZERO),
        *(sa.Column(name, sa.Integer(), nullable=False, server_default=ZERO)
          for name in COUNT_COLUMNS),
    )
    op.create_table(
        "survey_versions",
        sa.Column("survey_id", sa.String(36), sa.ForeignKey("surveys.id"), primary_key=True),
        sa.Column("version", sa.Integer(), primary_key=True),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "item_tallies",
        sa.Column("survey_id", sa.String(36), primary_key=True),
        sa.Column("survey_version", sa.Integer(), primary_key=True),
        sa.Column("period_id", sa.String(36), primary_key=True),
        sa.Column("service_key", sa.String(64), primary_key=True),
        sa.Column("age_band", sa.String(16), primary_key=True),
        sa.Column("sex", sa.String(1), primary_key=True),
        sa.Column("education", sa.String(8), primary_key=True),
        sa.Column("occupation", sa.String(20), primary_key=True),
        sa.Column("item_code", sa.String(32), primary_key=True),
        sa.Column("value", sa.String(32), primary_key=True),
        sa.Column("answers", sa.Integer(), nullable=False, server_default=ZERO),
    )
    op.create_table(
        "invitations",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("survey_id", sa.String(36), sa.ForeignKey("surveys.id"), nullable=False),
        sa.Column("period_id", sa.String(36), sa.ForeignKey("survey_periods.id"),
                  nullable=False),
        sa.Column("complaint_id", sa.String(64), nullable=False, unique=True),
        sa.Column("agency_id", sa.String(64), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("invitations")
    op.drop_table("item_tallies")
    op.drop_table("survey_versions")
    op.drop_table("skm_tallies")
    op.drop_table("responses")
    op.drop_table("survey_periods")
    op.drop_index("ix_surveys_agency_unit", table_name="surveys")
    op.drop_table("surveys")
