"""complaints: the reporter's contact is erased after the retention (``contact_erased_at``
marks it), and each push request remembers the hash of the token it went to, so that a
``notification.failed`` (invalid_recipient) can drop a dead device token

Revision ID: complaints_0008
Revises: complaints_0007
Create Date: 2026-12-07 11:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "complaints_0008"
down_revision: str | Sequence[str] | None = "complaints_0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("complaints") as batch:
        batch.add_column(sa.Column("contact_erased_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "push_requests",
        sa.Column("notification_id", sa.String(64), primary_key=True),
        sa.Column("complaint_id", sa.String(64), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_push_requests_created_at", "push_requests", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_push_requests_created_at", table_name="push_requests")
    op.drop_table("push_requests")
    with op.batch_alter_table("complaints") as batch:
        batch.drop_column("contact_erased_at")
