"""Rate limits per client: the catch-all for public writes, a route's own limit, Redis shared
by replicas, Redis down, trusted proxies (issue 8 item 5)."""

from __future__ import annotations

import socket
import time
import uuid

import httpx
import pytest
from fastapi import APIRouter

from shared.auth import Role, mint_token
from shared.broker import free_port
from shared.http.ratelimit import rate_limit
from tests.integration.web.testapp import WebTestSettings
from tests.integration.web.testapp import create_app as _create_app

REDIS = "redis://127.0.0.1:6379/0"


def redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


needs_redis = pytest.mark.skipif(not redis_up(), reason="no Redis on 127.0.0.1:6379")


def create_app(*routers, **settings):
    return _create_app(*routers, **({"rate_limit_enabled": True} | settings))


def client_of(app, peer: str = "203.0.113.7") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app, raise_app_exceptions=False, client=(peer, 5555))
    return httpx.AsyncClient(transport=transport, base_url="http://web")


async def test_a_route_limit_answers_429_with_retry_after():
    app = create_app(rate_limits={"filing": "3/minute"})
    async with client_of(app) as c:
        codes = [(await c.post("/limited")).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        r = await c.post("/limited", headers={"Accept-Language": "en"})
        assert r.status_code == 429 and 1 <= int(r.headers["retry-after"]) <= 120
        assert r.json()["error"] == "rate_limited"
        seconds = r.headers["retry-after"]
        assert r.json()["detail"] == f"Too many requests; retry in {seconds} seconds."
        metrics = (await c.get("/metrics")).text
    assert 'suara_http_rate_limited_total{limit="filing",service="webtest"} 2.0' in metrics
    async with client_of(app, peer="198.51.100.1") as other:  # another address: its own count
        assert (await other.post("/limited")).status_code == 200


async def test_a_read_route_can_be_limited_too():
    app = create_app(rate_limits={"token_check": "2/minute"})
    async with client_of(app) as c:
        assert [(await c.get("/checked")).status_code for _ in range(3)] == [200, 200, 429]


async def test_every_public_write_is_limited_even_on_a_route_that_forgot():
    app = create_app(rate_limits={"public_write": "5/minute"})
    settings = app.state.runtime.settings
    officer = {"Authorization": "Bearer " + mint_token(settings, subject="o",
                                                       roles=[Role.OFFICER], agency_id="a")}
    async with client_of(app) as c:
        codes = [(await c.post("/raw", content=b"x")).status_code for _ in range(6)]
        assert codes == [200] * 5 + [429]
        assert (await c.put("/raw")).status_code == 429  # any write method, any route
        assert (await c.post("/raw", headers={"Authorization": "Bearer forged"})).status_code \
            == 429  # a token that is not valid does not exempt
        assert (await c.post("/raw", content=b"x", headers=officer)).status_code == 200
        assert (await c.get("/filings")).status_code == 200  # reads are not public writes


async def test_the_catch_all_refuses_before_reading_the_body():
    app = create_app(rate_limits={"public_write": "1/minute"})
    async with client_of(app) as c:
        await c.post("/raw", content=b"x")
        r = await c.post("/raw", content=b"x" * 5_000_000)  # over the size limit too: 429 first
        assert r.status_code == 429


async def test_the_test_environment_has_them_off_unless_asked():
    async with client_of(_create_app(rate_limits={"filing": "1/minute"})) as c:
        assert {(await c.post("/limited")).status_code for _ in range(3)} == {200}
    assert WebTestSettings(environment="development").rate_limit_enabled is True
    assert WebTestSettings(environment="production", jwt_secret="s" * 40).rate_limit_enabled


async def test_limits_can_be_switched_off():
    app = create_app(rate_limits={"filing": "1/minute"}, rate_limit_enabled=False)
    async with client_of(app) as c:
        assert {(await c.post("/limited")).status_code for _ in range(5)} == {200}


def test_a_route_naming_an_unknown_limit_refuses_to_start():
    router = APIRouter()

    @router.post("/x", dependencies=[rate_limit("no_such_limit")])
    async def x() -> None:
        return None

    with pytest.raises(ValueError, match="no_such_limit"):
        create_app(router)


def test_a_bad_rate_is_refused_at_start():
    with pytest.raises(ValueError, match="filing"):
        WebTestSettings(rate_limits={"filing": "lots"})
    with pytest.raises(ValueError, match="CIDR"):
        WebTestSettings(trusted_proxies="10.0.0.0/33")


async def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_count():
    app = create_app(rate_limits={"filing": "1/minute"}, trusted_proxies="10.0.0.0/8")
    async with client_of(app, peer="10.1.2.3") as c:
        for client in ("1.1.1.1", "2.2.2.2"):
            r = await c.post("/limited", headers={"X-Forwarded-For": f"9.9.9.9, {client}"})
            assert r.status_code == 200
        r = await c.post("/limited", headers={"X-Forwarded-For": "8.8.8.8, 1.1.1.1"})
        assert r.status_code == 429  # a forged left part changes nothing
    untrusted = create_app(rate_limits={"filing": "1/minute"})
    async with client_of(untrusted, peer="10.1.2.3") as c:
        assert (await c.post("/limited", headers={"X-Forwarded-For": "1.1.1.1"})).status_code \
            == 200
        assert (await c.post("/limited", headers={"X-Forwarded-For": "2.2.2.2"})).status_code \
            == 429  # without the setting, the header is ignored


@needs_redis
async def test_replicas_share_their_counts_through_redis():
    prefix = f"test:{uuid.uuid4().hex}:"
    settings = {"rate_limits": {"filing": "3/minute"}, "redis_url": REDIS,
                "rate_limit_key_prefix": prefix}
    first, second = create_app(**settings), create_app(**settings)
    async with client_of(first) as a, client_of(second) as b:
        assert [(await a.post("/limited")).status_code for _ in range(2)] == [200, 200]
        assert (await b.post("/limited")).status_code == 200
        assert (await b.post("/limited")).status_code == 429
        assert (await a.post("/limited")).status_code == 429
    for app in (first, second):
        await app.state.rate_limiter.close()
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(REDIS)
    try:
        keys = [k async for k in client.scan_iter(match=f"{prefix}*")]
        ttls = [await client.pttl(k) for k in keys]
        assert keys and all(0 < ttl <= 120_000 for ttl in ttls)
        await client.delete(*keys)
    finally:
        await client.aclose()


async def test_redis_down_falls_back_to_counting_in_the_process():
    """Decided: neither open nor closed. Each replica keeps limiting on its own (no 5xx, no
    waiting on a dead Redis for every request), and the fallback is counted."""
    app = create_app(rate_limits={"filing": "3/minute"},
                     redis_url=f"redis://127.0.0.1:{free_port()}/0")
    async with client_of(app) as c:
        started = time.perf_counter()
        codes = [(await c.post("/limited")).status_code for _ in range(5)]
        elapsed = time.perf_counter() - started
        assert codes == [200, 200, 200, 429, 429]
        metrics = (await c.get("/metrics")).text
    assert elapsed < 5  # one failed connection attempt, then local counts (retried after 5 s)
    assert 'suara_rate_limit_backend_errors_total{service="webtest"}' in metrics
    await app.state.rate_limiter.close()
