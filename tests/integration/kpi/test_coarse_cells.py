"""Quarter, year and monthly-backlog cells: written with every event (``rollup``), and derived
by migration kpi_0004 for a database whose cells were written before they existed — the same
rows either way, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from benchmarks.kpi import complaint_events
from services.kpi import models, repository
from services.kpi.domain.batch import Batch, Folder
from services.kpi.domain.projection import BACKLOG_DIM, rollup
from services.kpi.migrations import VERSIONS
from services.kpi.settings import KpiSettings
from shared import migrate
from shared.calendar import WorkingCalendar
from shared.db import create_engine
from shared.events import parse_event


def folded(n_events: int) -> Batch:
    folder = Folder(calendar=WorkingCalendar(), zone=KpiSettings().zone)
    batch = Batch()
    states: dict = {}
    for _, raw in complaint_events(n_events, seed=4):
        event = parse_event(raw)
        cid = event.data.complaint_id
        folder.fold(batch, event, states.get(cid))
        states[cid] = batch.complaints[cid]
    return batch


def stored_as_before_0004(cells: dict) -> dict:
    """The cells as the code before kpi_0004 wrote them: no q/y, no monthly backlog."""
    return {k: v for k, v in cells.items() if not (k[0] == "m" and k[3] == BACKLOG_DIM)}


async def all_cells(engine) -> dict:
    c = models.cells
    async with engine.connect() as conn:
        rows = (await conn.execute(select(c))).mappings().all()
    return {(r["grain"], r["start"], r["agency_id"], r["dim"], r["value"], r["measure"],
             r["bin"]): [r["n"], r["total"]] for r in rows}


def test_rollup_adds_months_into_their_quarter_and_year():
    batch = folded(3000)
    cells = rollup(batch.cells)
    for grain, first_of in (("q", lambda d: d.replace(month=(d.month - 1) // 3 * 3 + 1)),
                            ("y", lambda d: d.replace(month=1))):
        expected: dict = {}
        for k, (n, total) in cells.items():
            if k[0] == "m":
                sums = expected.setdefault((grain, first_of(k[1]), *k[2:]), [0, 0])
                sums[0] += n
                sums[1] += total
        assert {k: v for k, v in cells.items() if k[0] == grain} == expected
    filed = sum(v[0] for k, v in cells.items() if k[0] == "y" and k[3] == "" and k[5] == "filed")
    assert filed == sum(s.cohort is not None for s in batch.complaints.values()) > 0


@pytest.mark.asyncio
async def test_migration_derives_the_coarse_cells(database_url):
    batch = folded(4000)
    engine = create_engine(database_url)
    try:
        await migrate.upgrade(engine, VERSIONS, "kpi_0003")
        async with engine.begin() as conn:
            await repository.add_cells(conn, stored_as_before_0004(batch.cells), fresh=True)
        await migrate.upgrade(engine, VERSIONS)
        got = await all_cells(engine)
    finally:
        await engine.dispose()
    expected = {k: v for k, v in rollup(batch.cells).items() if v[0] or v[1]}
    assert got == expected
    assert json.dumps(sorted({k[0] for k in got})) == '["d", "m", "q", "y"]'
