"""Bursts of online SKM answers: answer_buckets, burst_tallies, responses.bucket_id.

Revision ID: surveys_0002
Revises: surveys_0001
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "surveys_0002"
down_revision: str | Sequence[str] | None = "surveys_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ELEMENTS = [f"u{i}" for i in range(1, 10)]
COUNT_COLUMNS = [f"{e}_s{s}" for e in ELEMENTS for s in range(1, 5)]
ZERO = sa.text("0")


def upgrade() -> None:
    op.create_table(
        "answer_buckets",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("survey_id", sa.String(36), sa.ForeignKey("surveys.id"), nullable=False),
        sa.Column("period_id", sa.String(36), sa.ForeignKey("survey_periods.id"),
                  nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("client_hash", sa.String(32), nullable=True),
        sa.Column("responses", sa.Integer(), nullable=False, server_default=ZERO),
        sa.Column("flagged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("excluded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("excluded_by", sa.String(64), nullable=True),
        sa.UniqueConstraint("survey_id", "window_start", "client_hash",
                            name="uq_answer_buckets_key"),
    )
    op.create_index("ix_answer_buckets_flagged", "answer_buckets", ["survey_id", "flagged_at"])
    op.create_table(
        "burst_tallies",
        sa.Column("bucket_id", sa.String(36), primary_key=True),
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
    op.add_column("responses", sa.Column("bucket_id", sa.String(36), nullable=True))
    op.create_index("ix_responses_bucket", "responses", ["bucket_id"])


def downgrade() -> None:
    op.drop_index("ix_responses_bucket", table_name="responses")
    with op.batch_alter_table("responses") as batch:
        batch.drop_column("bucket_id")
    op.drop_table("burst_tallies")
    op.drop_index("ix_answer_buckets_flagged", table_name="answer_buckets")
    op.drop_table("answer_buckets")
