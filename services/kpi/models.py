"""The kpi service's tables (SQLAlchemy Core). Mirrored by migration ``kpi_0001``.

*Projection* tables hold nothing but what the consumed events imply; ``suara-kpi rebuild``
recreates them from the topics and swaps them in (``PROJECTION``). Targets, their audit trail
and the record of published target misses are the service's own data and are never rebuilt.

``kpi_cells`` is the store of every count: one row per grain (``d`` a local day, ``m`` a month,
``q`` a quarter and ``y`` a year, rolled up from the months), start date, agency, dimension
(``""`` for the total, else category, channel, region, privacy or unit) and its value, measure
and bin, with the number of facts ``n`` and the sum of their values ``total`` (whole days,
seconds or scores: exact). Histograms are measures whose bins are fixed boundaries
(services/kpi/domain/histogram.py).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)

from shared.ikm import ELEMENT_CODES, MAX_SCORE, MIN_SCORE
from shared.types import UtcDateTime

metadata = MetaData()
ZERO = text("0")


def count_column(code: str, score: int) -> str:
    return f"{code.lower()}_s{score}"


SKM_COUNT_COLUMNS = tuple(count_column(c, s) for c in ELEMENT_CODES
                          for s in range(MIN_SCORE, MAX_SCORE + 1))

cells = Table(
    "kpi_cells", metadata,
    Column("agency_id", String(64), primary_key=True),
    Column("grain", String(1), primary_key=True),
    Column("dim", String(16), primary_key=True),
    Column("start", Date, primary_key=True),
    Column("measure", String(48), primary_key=True),
    Column("value", String(64), primary_key=True),
    Column("bin", Integer, primary_key=True),
    Column("n", BigInteger, nullable=False, server_default=ZERO),
    Column("total", BigInteger, nullable=False, server_default=ZERO),
    Index("ix_kpi_cells_measure", "agency_id", "grain", "dim", "measure", "start"),
    sqlite_with_rowid=False,
)

#: One row per complaint: what later events of it need (services/kpi/domain/projection.py).
complaints = Table(
    "kpi_complaints", metadata,
    Column("complaint_id", String(64), primary_key=True),
    Column("agency_id", String(64), nullable=False),
    Column("category_code", String(64), nullable=False),
    Column("channel", String(16), nullable=False, server_default=""),
    Column("privacy", String(16), nullable=False, server_default=""),
    Column("region_code", String(16), nullable=False, server_default=""),
    Column("unit_id", String(64), nullable=False, server_default=""),
    Column("filed_at", UtcDateTime(), nullable=True),
    Column("verification_due_at", UtcDateTime(), nullable=True),
    Column("decided_at", UtcDateTime(), nullable=True),
    Column("first_response_due_at", UtcDateTime(), nullable=True),
    Column("resolution_due_at", UtcDateTime(), nullable=True),
    Column("first_responded_at", UtcDateTime(), nullable=True),
    Column("first_resolved_at", UtcDateTime(), nullable=True),
    Column("open_agency", String(64), nullable=True),
    Column("cohort", Date, nullable=True),
    Column("settled", String(8), nullable=False, server_default=""),
)

#: Every event folded into the projection (its own record, replaced with it by a rebuild, so
#: that the live consumer skips what a rebuild already counted).
applied = Table(
    "kpi_applied", metadata,
    Column("event_id", String(64), primary_key=True),
    sqlite_with_rowid=False,
)

agencies = Table(
    "kpi_agencies", metadata,
    Column("agency_id", String(64), primary_key=True),
    Column("parent_id", String(64), nullable=True),
    Column("kind", String(16), nullable=False),
    Column("name_id", String(200), nullable=False),
    Column("name_en", String(200), nullable=False),
    Column("revision", Integer, nullable=False),
)

categories = Table(
    "kpi_categories", metadata,
    Column("category_code", String(64), primary_key=True),
    Column("agency_id", String(64), nullable=False),
    Column("name_id", String(200), nullable=False),
    Column("name_en", String(200), nullable=False),
    Column("integrity", Boolean, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("revision", Integer, nullable=False),
)

#: SKM answers per agency, unit ("" for the post-complaint survey), survey period and local
#: day: respondents and, per element and score, how many answers (as the surveys service).
skm = Table(
    "kpi_skm", metadata,
    Column("agency_id", String(64), primary_key=True),
    Column("unit_key", String(64), primary_key=True),
    Column("period_code", String(7), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("respondents", Integer, nullable=False, server_default=ZERO),
    *[Column(name, Integer, nullable=False, server_default=ZERO) for name in SKM_COUNT_COLUMNS],
)

PROJECTION: tuple[Table, ...] = (cells, complaints, applied, agencies, categories, skm)

targets = Table(
    "kpi_targets", metadata,
    Column("id", String(36), primary_key=True),
    Column("agency_id", String(64), nullable=False),
    Column("indicator_code", String(64), nullable=False),
    Column("category_code", String(64), nullable=False, server_default=""),
    Column("unit_id", String(64), nullable=False, server_default=""),
    Column("value", Float, nullable=False),
    Column("direction", String(8), nullable=False),
    Column("mode", String(8), nullable=False),
    Column("baseline_period", String(10), nullable=True),
    Column("version", Integer, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Index("ix_kpi_targets_agency", "agency_id"),
)

target_audit = Table(
    "kpi_target_audit", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("target_id", String(36), nullable=False),
    Column("action", String(8), nullable=False),  # create | update | delete
    Column("actor", String(200), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("before", JSON, nullable=True),
    Column("after", JSON, nullable=True),
    Index("ix_kpi_target_audit_target", "target_id"),
)

#: One row per (agency, indicator, scope, period) whose miss was published: claimed in the
#: transaction that writes kpi.target_missed.v1 to the outbox, so it is published once across
#: replicas, restarts and rebuilds.
target_misses = Table(
    "kpi_target_misses", metadata,
    Column("agency_id", String(64), primary_key=True),
    Column("indicator_code", String(64), primary_key=True),
    Column("category_code", String(64), primary_key=True),
    Column("unit_id", String(64), primary_key=True),
    Column("period", String(10), primary_key=True),
    Column("value", Float, nullable=False),
    Column("target", Float, nullable=False),
    Column("published_at", UtcDateTime(), nullable=False),
)

#: Periods already evaluated against their targets.
closed_periods = Table(
    "kpi_closed_periods", metadata,
    Column("period", String(10), primary_key=True),
    Column("closed_at", UtcDateTime(), nullable=False),
    Column("note", Text, nullable=True),
)
