"""complaints: the catalogue is published — a revision per agency and category, the revision
last written to the outbox (NULL: never, so the rows an upgrade finds are announced once at
start), when it last changed, and whether a category concerns integrity or ethics

Revision ID: complaints_0007
Revises: complaints_0006
Create Date: 2026-12-07 10:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "complaints_0007"
down_revision: str | Sequence[str] | None = "complaints_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("agencies") as batch:
        batch.add_column(sa.Column("revision", sa.Integer, nullable=False, server_default="1"))
        batch.add_column(sa.Column("announced_revision", sa.Integer, nullable=True))
        batch.add_column(sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("categories") as batch:
        batch.add_column(sa.Column("integrity", sa.Boolean, nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("revision", sa.Integer, nullable=False, server_default="1"))
        batch.add_column(sa.Column("announced_revision", sa.Integer, nullable=True))
        batch.add_column(sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("categories") as batch:
        batch.drop_column("changed_at")
        batch.drop_column("announced_revision")
        batch.drop_column("revision")
        batch.drop_column("integrity")
    with op.batch_alter_table("agencies") as batch:
        batch.drop_column("changed_at")
        batch.drop_column("announced_revision")
        batch.drop_column("revision")
