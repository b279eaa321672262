"""Messages, preferences, the disposisi-chain copy, webhook endpoints, messages, attempts.

Revision ID: notifications_0001
Revises:
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

from services.notifications.models import metadata

revision: str = "notifications_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("notifications",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # the first revision is the tables as models.py declares them; later ones alter them
    metadata.create_all(op.get_bind())


def downgrade() -> None:
    metadata.drop_all(op.get_bind())
