"""complaints: stored filing answers no longer hold a clear token

Every answer stored before this revision holds the citizen's token in clear under a
guessable key (`file:citizen:citizen:<channel>` and the key, or the client id). They are all
deleted: a retry of such a filing within the TTL now files again or, with a client id, is a
409 (the id is taken). New answers hold the token sealed with the client's Idempotency-Key
(see `sealing.py`).

Revision ID: complaints_0003
Revises: complaints_0002
Create Date: 2026-12-06 13:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "complaints_0003"
down_revision: str | Sequence[str] | None = "complaints_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("DELETE FROM idempotency_keys")


def downgrade() -> None:
    """Nothing to restore: the deleted answers are gone (their complaints are not)."""
