"""The bus tables every service has: the outbox and the inbox (processed events).

Revision ID: bus_0001
Revises:
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "bus_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("bus",)
depends_on: str | Sequence[str] | None = None

UNSENT = sa.text("sent_at IS NULL")


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True,
                  autoincrement=True),
        sa.Column("event_id", sa.String(64), nullable=False, unique=True),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("last_error", sa.Text(), nullable=True),
    )
    op.create_index("ix_outbox_unsent", "outbox", ["id"], sqlite_where=UNSENT,
                    postgresql_where=UNSENT)
    op.create_index("ix_outbox_unsent_key", "outbox", ["topic", "key", "id"],
                    sqlite_where=UNSENT, postgresql_where=UNSENT)
    op.create_index("ix_outbox_sent_at", "outbox", ["sent_at"])
    op.create_table(
        "processed_events",
        sa.Column("consumer", sa.String(200), primary_key=True),
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("processed_events")
    op.drop_table("outbox")
