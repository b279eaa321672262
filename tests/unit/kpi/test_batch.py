"""``Batch.add``'s fast path adds each delta to exactly the cells ``projection.cells`` names."""

from __future__ import annotations

import random
from datetime import date, timedelta

from services.kpi.domain.batch import Batch
from services.kpi.domain.projection import DIMENSIONS, HISTOGRAMS, Delta, cells

MEASURES = sorted({"filed", "verified", "open", "rated", "sla_resolution_due", "closed_resolved",
                   "survey_response", "custom_answer", *HISTOGRAMS})


def test_batch_adds_the_cells_of_each_delta():
    rng = random.Random(5)
    batch = Batch()
    expected: dict = {}
    for _ in range(3000):
        dims = tuple(rng.choice(["", f"{name}-{rng.randint(1, 3)}"]) for name in DIMENSIONS)
        delta = Delta(date(2026, 1, 1) + timedelta(days=rng.randrange(400)),
                      rng.choice(["kec-a", "kec-b"]), dims, rng.choice(MEASURES),  # type: ignore[arg-type]
                      rng.randint(0, 40), rng.choice([1, -1]), rng.randint(0, 99))
        batch.add(delta)
        for key in cells(delta):
            sums = expected.setdefault(key, [0, 0])
            sums[0] += delta.n
            sums[1] += delta.total
    assert batch.cells == expected
    grains = {k[0] for k in expected}
    assert grains == {"d", "m"}
    assert {k[3] for k in expected} >= {"", "backlog", *DIMENSIONS}
