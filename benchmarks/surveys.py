"""Surveys benchmarks: responses recorded per second through the app, next to a bare insert
of the same row in the same run; and the IKM of one unit with 100 000 responses, read from
the stored tallies.

The app is driven in-process over ASGI by a minimal client (no HTTP parsing, no httpx): the
figure is the app's own cost — routing, pydantic validation, the checks, the response row, the
tally upsert and the outbox row in one transaction. The relay is off (no broker needed; the
outbox rows stay unsent), so nothing else competes for the one Python core.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import statistics
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert

from benchmarks.bus import percentile
from benchmarks.pg import drop_database, fresh_database
from services.surveys.app import create_app
from services.surveys.domain.ikm import ElementTally, SkmTally, compute_ikm, merge_tallies
from services.surveys.domain.profile import AGE_BAND_CODES, EDUCATION_CODES, OCCUPATION_CODES
from services.surveys.domain.skm import ELEMENT_CODES
from services.surveys.models import count_column, responses, skm_tallies
from services.surveys.repository import get_period
from services.surveys.schemas import ResponseCreate
from services.surveys.service import SurveyService, to_new
from services.surveys.service.base import load_survey
from services.surveys.service.recording import record
from services.surveys.settings import SurveysSettings
from shared.auth import Role, mint_token

CONCURRENCY = 32
AT = "2026-03-10T09:00:00+07:00"


class AsgiClient:
    """Calls an ASGI app directly: one request, the whole body, the status and the body."""

    def __init__(self, app) -> None:
        self.app = app

    async def request(self, method: str, path: str, body: bytes = b"",
                      headers: dict[str, str] | None = None,
                      query: str = "") -> tuple[int, bytes]:
        raw_headers = [(b"content-type", b"application/json"),
                       (b"content-length", str(len(body)).encode())]
        raw_headers += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                 "method": method, "scheme": "http", "path": path, "raw_path": path.encode(),
                 "query_string": query.encode(), "root_path": "", "headers": raw_headers,
                 "client": ("127.0.0.1", 1), "server": ("bench", 80)}
        sent = False
        status = 0
        chunks: list[bytes] = []

        async def receive():
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.sleep(3600)
            return {"type": "http.disconnect"}

        async def send(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        return status, b"".join(chunks)


def _settings(database_url: str) -> SurveysSettings:
    return SurveysSettings(environment="test", database_url=database_url, relay_enabled=False,
                           kafka_bootstrap="127.0.0.1:9", log_level="WARNING")


def _answers(rng: random.Random) -> dict[str, int]:
    return {c: rng.choices((1, 2, 3, 4), weights=(1, 3, 8, 6))[0] for c in ELEMENT_CODES}


def _body(rng: random.Random) -> bytes:
    return json.dumps({
        "response_id": str(uuid.uuid4()), "answers": _answers(rng), "submitted_at": AT,
        "service_id": rng.choice(("ktp", "kk", "akta")),
        "profile": {"age": rng.randint(17, 75), "sex": rng.choice("LP"),
                    "education": rng.choice(EDUCATION_CODES),
                    "occupation": rng.choice(OCCUPATION_CODES)}}).encode()


async def _run_concurrently(n: int, one) -> tuple[float, list[float]]:
    """``n`` calls of ``one(i)`` by CONCURRENCY workers: (per second, latencies in s)."""
    latencies: list[float] = []
    counter = iter(range(n))

    async def worker() -> None:
        for i in counter:
            started = time.perf_counter()
            await one(i)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return n / (time.perf_counter() - started), latencies


async def recording_rates(database_url: str, n: int) -> dict[str, tuple[float, list[float]]]:
    app = create_app(_settings(database_url))
    app.state.runtime.subscriptions = ()
    app.state.runtime.freeze_gc_after_start = True  # as a serving process does
    rng = random.Random(7)
    out: dict[str, tuple[float, list[float]]] = {}
    async with app.router.lifespan_context(app):
        runtime = app.state.runtime
        client = AsgiClient(app)
        token = mint_token(runtime.settings, subject="bench", roles=[Role.ADMIN],
                           agency_id="agency-1")
        auth = {"authorization": f"Bearer {token}"}
        status, body = await client.request("POST", "/v1/surveys", json.dumps(
            {"unit_id": "unit-1", "title": "bench"}).encode(), auth)
        assert status == 201, body
        survey_id = json.loads(body)["id"]
        status, body = await client.request("POST", f"/v1/surveys/{survey_id}/periods",
                                            b'{"code": "2026"}', auth)
        assert status == 201, body
        path = f"/v1/surveys/{survey_id}/responses"
        bodies = [_body(rng) for _ in range(n + 200)]

        async def post(i: int) -> None:
            status, answer = await client.request("POST", path, bodies[i])
            assert status == 201, answer

        await _run_concurrently(200, lambda i: post(n + i))  # warm-up
        out["app"] = await _run_concurrently(n, post)

        # the same use case without HTTP (no routing, no pydantic request model)
        async with runtime.unit_of_work() as uow:
            survey = await load_survey(uow, survey_id)
        news = [to_new(ResponseCreate.model_validate_json(_body(rng))) for _ in range(n)]

        async def use_case(i: int) -> None:
            async with runtime.unit_of_work() as uow:
                await record(uow, settings=runtime.settings, now=datetime.now(UTC),
                             survey=survey, new=news[i], channel="online")

        out["use case"] = await _run_concurrently(n, use_case)

        # the baseline: the bare response row, one transaction each, same engine
        period_id = (await _period_id(runtime, survey_id))
        now = datetime.now(UTC)
        rows = [{"id": str(uuid.uuid4()), "survey_id": survey_id, "survey_version": 1,
                 "period_id": period_id, "service_id": "ktp", "channel": "online",
                 "submitted_at": now, "recorded_at": now, "answers": _answers(rng),
                 "fingerprint": "0" * 64} for _ in range(n)]

        async def bare(i: int) -> None:
            async with runtime.engine.begin() as conn:
                await conn.execute(insert(responses).values(**rows[i]))

        out["bare insert"] = await _run_concurrently(n, bare)
    return out


async def _period_id(runtime, survey_id: str) -> str:
    async with runtime.engine.connect() as conn:
        period = await get_period(conn, survey_id, "2026")
    assert period is not None
    return period.id


def _tallies_of(n: int, rng: random.Random) -> tuple[dict[tuple, list[int]], SkmTally]:
    """``n`` random responses folded per tally key (service and segment), and their total."""
    services = ("ktp", "kk", "akta")
    ages, sexes = ("", *AGE_BAND_CODES), ("", "L", "P")
    rows: dict[tuple, list[int]] = {}
    totals = [Counter() for _ in ELEMENT_CODES]
    for _ in range(n):
        key = (rng.choice(services), rng.choice(ages), rng.choice(sexes),
               rng.choice(("", *EDUCATION_CODES)), rng.choice(("", *OCCUPATION_CODES)))
        row = rows.setdefault(key, [0] * (1 + 36))
        row[0] += 1
        for e, score in enumerate(_answers(rng).values()):  # in ELEMENT_CODES order
            row[1 + e * 4 + score - 1] += 1
            totals[e][score] += 1
    total = SkmTally(n, tuple(ElementTally(code, tuple(totals[e][s] for s in range(1, 5)))
                              for e, code in enumerate(ELEMENT_CODES)))
    return rows, total


async def ikm_timing(database_url: str, n: int, runs: int = 30) -> dict[str, object]:
    app = create_app(_settings(database_url))
    app.state.runtime.subscriptions = ()
    app.state.runtime.freeze_gc_after_start = True  # as a serving process does
    rng = random.Random(11)
    async with app.router.lifespan_context(app):
        runtime = app.state.runtime
        service: SurveyService = app.state.services[SurveyService]
        client = AsgiClient(app)
        token = mint_token(runtime.settings, subject="bench", roles=[Role.ADMIN],
                           agency_id="agency-1")
        auth = {"authorization": f"Bearer {token}"}
        status, body = await client.request("POST", "/v1/surveys", json.dumps(
            {"unit_id": "unit-1", "title": "bench"}).encode(), auth)
        survey_id = json.loads(body)["id"]
        await client.request("POST", f"/v1/surveys/{survey_id}/periods",
                             b'{"code": "2026", "population": 250000}', auth)
        period_id = await _period_id(runtime, survey_id)
        folded, expected = _tallies_of(n, rng)
        columns = ["respondents", *(count_column(c, s) for c in ELEMENT_CODES
                                    for s in range(1, 5))]
        values = [{"survey_id": survey_id, "survey_version": 1, "period_id": period_id,
                   "service_key": k[0], "age_band": k[1], "sex": k[2], "education": k[3],
                   "occupation": k[4], **dict(zip(columns, counts, strict=True))}
                  for k, counts in folded.items()]
        async with runtime.engine.begin() as conn:
            for i in range(0, len(values), 500):
                await conn.execute(insert(skm_tallies), values[i:i + 500])

        path = "/v1/agencies/agency-1/units/unit-1/results"
        timings: dict[str, list[float]] = {"http": [], "http by sex": [], "compute": []}
        body = b""
        for _ in range(runs):
            started = time.perf_counter()
            status, body = await client.request("GET", path, query="period=2026")
            timings["http"].append(time.perf_counter() - started)
            assert status == 200, body
            started = time.perf_counter()
            status, _ = await client.request("GET", path, query="period=2026&by=sex")
            timings["http by sex"].append(time.perf_counter() - started)
            started = time.perf_counter()
            await service.unit_results(agency_id="agency-1", unit_id="unit-1", period="2026",
                                       service_id=None, by=None)
            timings["compute"].append(time.perf_counter() - started)
        got = json.loads(body)
        want = compute_ikm(merge_tallies(expected))
        assert got["respondents"] == n and got["ikm"] == float(want.ikm_rounded), (got, want)
    return {"rows": len(values), "ikm": got["ikm"], "grade": got["grade"], **timings}


def _ms(values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return f"p50 {statistics.median(ms):6.1f} ms   p95 {percentile(ms, 95):6.1f} ms"


async def run(n: int = 5000, ikm_n: int = 100_000) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pg = os.environ.get("SUARA_BENCH_POSTGRES_URL") or os.environ.get("SUARA_TEST_POSTGRES_URL")
    with tempfile.TemporaryDirectory() as tmp:
        engines = [("SQLite", f"sqlite+aiosqlite:///{Path(tmp) / 'rec.db'}",
                    f"sqlite+aiosqlite:///{Path(tmp) / 'ikm.db'}")]
        if pg:
            engines.append(("PostgreSQL", await fresh_database(pg),
                            await fresh_database(pg)))
        try:
            await _measure(engines, n, ikm_n, out)
        finally:
            for name, *urls in engines:
                if name == "PostgreSQL":
                    await asyncio.gather(*(drop_database(pg, url) for url in urls))
    return out


async def _measure(engines: list[tuple[str, str, str]], n: int, ikm_n: int,
                   out: list[tuple[str, str]]) -> None:
    for name, rec_url, ikm_url in engines:
        print(f"surveys: {n} responses, {CONCURRENCY} concurrent, {name} ...", flush=True)
        rates = await recording_rates(rec_url, n)
        bare = rates["bare insert"][0]
        for label, (rate, latencies) in rates.items():
            share = "" if label == "bare insert" else f"  ({rate / bare:.0%} of bare)"
            out.append((f"{label}, {name}", f"{rate:,.0f} responses/s{share}   "
                        f"{_ms(latencies)}"))
        print(f"surveys: IKM of one unit with {ikm_n:,} responses, {name} ...", flush=True)
        ikm = await ikm_timing(ikm_url, ikm_n)
        out.append((f"IKM, {ikm_n:,} responses ({ikm['rows']} tally rows), {name}",
                    f"IKM {ikm['ikm']} {ikm['grade']}"))
        for label in ("compute", "http", "http by sex"):
            out.append((f"  IKM {label}, {name}", _ms(ikm[label])))  # type: ignore[arg-type]
