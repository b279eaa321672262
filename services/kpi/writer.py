"""Writing a folded ``Batch`` into the projection tables (the live ones or a rebuild's)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from services.kpi import models, repository
from services.kpi.domain.batch import Batch
from services.kpi.domain.projection import rollup
from services.kpi.repository import LIVE, Tables

_SKM_NAMES = ("respondents", *models.SKM_COUNT_COLUMNS)


def skm_rows(batch: Batch) -> list[dict[str, Any]]:
    return [{"agency_id": a, "unit_key": u, "period_code": p, "day": d,
             **dict(zip(_SKM_NAMES, counts, strict=True))}
            for (a, u, p, d), counts in batch.skm.items()]


async def write_batch(conn: AsyncConnection, batch: Batch, t: Tables = LIVE, *,
                      fresh: bool = False) -> None:
    """Add the batch to the projection in ``conn``'s transaction. ``fresh``: the tables hold
    none of the batch's keys (a rebuild's single final write): plain INSERTs."""
    await repository.add_cells(conn, rollup(batch.cells), t, fresh=fresh)
    await repository.add_skm(conn, skm_rows(batch), t, fresh=fresh)
    if fresh:
        await repository.insert_complaints(conn, batch.complaints.values(), t)
    else:
        for state in batch.complaints.values():
            await repository.save_complaint(conn, state, t)
    for values in batch.agencies.values():
        await repository.upsert_versioned(conn, t.agencies, "agency_id", values)
    for values in batch.categories.values():
        await repository.upsert_versioned(conn, t.categories, "category_code", values)
