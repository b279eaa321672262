"""complaints: the reporter's app (an FCM registration token), kept with the contact data

Revision ID: complaints_0006
Revises: complaints_0005
Create Date: 2026-12-07 09:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "complaints_0006"
down_revision: str | Sequence[str] | None = "complaints_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("complaints") as batch:
        batch.add_column(sa.Column("reporter_push_token", sa.String(4096), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("complaints") as batch:
        batch.drop_column("reporter_push_token")
