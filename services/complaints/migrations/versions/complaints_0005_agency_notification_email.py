"""complaints: an agency's notification address (SLA warnings and breaches go there)

Revision ID: complaints_0005
Revises: complaints_0004
Create Date: 2026-12-07 08:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "complaints_0005"
down_revision: str | Sequence[str] | None = "complaints_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("agencies") as batch:
        batch.add_column(sa.Column("notification_email", sa.String(254), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("agencies") as batch:
        batch.drop_column("notification_email")
