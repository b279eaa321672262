"""Coarser cells: the backlog's +1/-1 also per month, and every monthly cell also per quarter
(``q``) and year (``y``), so that a year's or a quarter's figures, and the backlog at a day's
end, read a few hundred rows per agency instead of every month's or every day's
(services/kpi/domain/projection.rollup does the same for every new event).

Derived here from the stored cells with INSERT ... SELECT ... GROUP BY: no replay needed.

Revision ID: kpi_0004
Revises: kpi_0003
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "kpi_0004"
down_revision: str | Sequence[str] | None = "kpi_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = "agency_id, grain, dim, start, measure, value, bin, n, total"
# a DATE column's first day of its month, quarter and year: SQLite keeps a date as ISO text
SQLITE = {
    "month": "substr(start, 1, 7) || '-01'",
    "quarter": ("substr(start, 1, 5) || printf('%02d', "
                "(CAST(substr(start, 6, 2) AS INTEGER) - 1) / 3 * 3 + 1) || '-01'"),
    "year": "substr(start, 1, 4) || '-01-01'",
}
POSTGRESQL = {unit: f"CAST(date_trunc('{unit}', start) AS DATE)"
              for unit in ("month", "quarter", "year")}


def _derive(grain: str, first: str, where: str) -> str:
    return (f"INSERT INTO kpi_cells ({COLUMNS}) "  # noqa: S608 - constants of this module
            f"SELECT agency_id, '{grain}', dim, {first}, measure, value, bin, sum(n), sum(total) "
            f"FROM kpi_cells WHERE {where} "
            f"GROUP BY agency_id, dim, {first}, measure, value, bin "
            f"HAVING sum(n) <> 0 OR sum(total) <> 0")  # a backlog's +1 and -1 cancel out


def upgrade() -> None:
    first = POSTGRESQL if op.get_bind().dialect.name == "postgresql" else SQLITE
    op.execute(_derive("m", first["month"], "grain = 'd' AND dim = 'backlog'"))
    op.execute(_derive("q", first["quarter"], "grain = 'm'"))
    op.execute(_derive("y", first["year"], "grain = 'm'"))


def downgrade() -> None:
    op.execute("DELETE FROM kpi_cells WHERE grain IN ('q', 'y') "
               "OR (grain = 'm' AND dim = 'backlog')")
