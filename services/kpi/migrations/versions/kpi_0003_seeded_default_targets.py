"""The default targets become rows: listed by GET /v1/targets, changed and deleted like any
target (and audited), instead of constants applied behind the API's back.

Seeded from the seeds: resolution within 5 working days at least 90 %, satisfaction (IKM) at
least 90. A database that already holds an agency ``*`` target for one of them keeps its own.

Revision ID: kpi_0003
Revises: kpi_0002
Create Date: 2026-12-07
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "kpi_0003"
down_revision: str | Sequence[str] | None = "kpi_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: (id, indicator, value): agency "*", at_least, absolute. Written out here, not imported: a
#: migration keeps meaning what it meant when it was written.
SEEDED = (("default-resolved-within-5wd", "resolved_within_5wd", 90.0),
          ("default-ikm", "ikm", 90.0))
ACTOR = "migration:kpi_0003"


TS = sa.DateTime(timezone=True)
TARGETS = sa.table(
    "kpi_targets", sa.column("id"), sa.column("agency_id"), sa.column("indicator_code"),
    sa.column("category_code"), sa.column("unit_id"), sa.column("value"),
    sa.column("direction"), sa.column("mode"), sa.column("baseline_period"),
    sa.column("version"), sa.column("created_at", TS), sa.column("updated_at", TS))
AUDIT = sa.table("kpi_target_audit", sa.column("target_id"), sa.column("action"),
                 sa.column("actor"), sa.column("at", TS), sa.column("before", sa.JSON),
                 sa.column("after", sa.JSON))


def upgrade() -> None:
    conn = op.get_bind()
    now = datetime.now(UTC)
    for target_id, indicator, value in SEEDED:
        taken = conn.execute(sa.select(sa.func.count()).select_from(TARGETS).where(sa.or_(
            TARGETS.c.id == target_id,
            sa.and_(TARGETS.c.agency_id == "*", TARGETS.c.indicator_code == indicator,
                    TARGETS.c.category_code == "", TARGETS.c.unit_id == "")))).scalar()
        if taken:
            continue
        row = {"id": target_id, "agency_id": "*", "indicator_code": indicator,
               "category_code": "", "unit_id": "", "value": value, "direction": "at_least",
               "mode": "absolute", "baseline_period": None, "version": 1}
        conn.execute(TARGETS.insert().values(**row, created_at=now, updated_at=now))
        conn.execute(AUDIT.insert().values(
            target_id=target_id, action="create", actor=ACTOR, at=now, before=None,
            after=row | {"created_at": now.isoformat(), "updated_at": now.isoformat()}))


def downgrade() -> None:
    conn = op.get_bind()
    conn.execute(AUDIT.delete().where(AUDIT.c.actor == ACTOR))
    conn.execute(TARGETS.delete().where(TARGETS.c.id.in_([t for t, _, _ in SEEDED]),
                                        TARGETS.c.version == 1))
