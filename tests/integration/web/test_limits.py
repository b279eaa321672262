"""Request limits and the JSON guard through a real app on build_app (issue 8: 3, 6, 7)."""

from __future__ import annotations

import asyncio
import json

import pytest
import uvicorn

from shared.broker import free_port
from tests.integration.web.testapp import create_app

EN = {"Accept-Language": "en"}


async def test_a_duplicate_key_decides_nothing(client):
    raw = '{"privacy": "confidential", "title": "x", "privacy": "public"}'
    r = await client.post("/filings", content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert r.json()["fields"] == [{"field": "privacy", "code": "duplicate_key",
                                   "type": "duplicate_key",
                                   "message": "Kunci ini muncul lebih dari sekali."}]


async def test_json_guard_applies_to_json_media_types_only(client):
    dup = '{"a": 1, "a": 2}'
    for media in ("application/json", "application/json; charset=utf-8",
                  "application/merge-patch+json", "APPLICATION/JSON"):
        r = await client.post("/raw", content=dup, headers={"content-type": media})
        assert r.status_code == 422, media
    r = await client.post("/raw", content=dup, headers={"content-type": "text/plain"})
    assert r.status_code == 200 and r.content == dup.encode()  # replayed untouched


async def test_a_declared_body_over_the_limit_is_refused_unread(client):
    big = b'{"answers": {' + b", ".join(b'"K%d": 1' % i for i in range(900_000)) + b"}}"
    assert len(big) > 10_000_000
    r = await client.post("/filings", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["error"] == "payload_too_large"
    assert len(r.content) < 300


async def test_a_streamed_body_is_cut_as_soon_as_it_passes_the_limit(client):
    sent = 0

    async def chunks():
        nonlocal sent
        for _ in range(100):
            sent += 1
            yield b"x" * 65536

    r = await client.post("/raw", content=chunks())  # chunked: no Content-Length
    assert r.status_code == 413
    assert sent <= 18  # 1 MiB = 16 chunks, not the 6.5 MB offered


async def test_many_unknown_keys_under_the_size_limit_are_a_small_fast_422(client):
    body = json.dumps({"title": "x", "answers": {f"K{i}": 1 for i in range(50_000)}})
    assert len(body) < 1024 * 1024
    r = await client.post("/filings", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["fields"][0] == {
        "field": "answers", "code": "too_many_keys", "type": "too_many_keys",
        "message": "Lebih dari 1000 kunci dalam satu objek."}
    assert len(r.content) < 1000


async def test_validation_errors_are_capped(client):
    body = {"title": "x"} | {f"unknown{i}": 1 for i in range(500)}
    r = await client.post("/filings", json=body)
    assert r.status_code == 422
    assert len(r.json()["fields"]) == 20 and r.json()["more_fields"] == 480
    assert len(r.content) < 5000


@pytest.mark.parametrize("depth", [33, 500, 950, 100_000])
async def test_deep_nesting_is_a_422_naming_where(client, depth):
    body = '{"title": "x", "attributes": ' + '{"a": ' * depth + "1" + "}" * depth + "}"
    r = await client.post("/filings", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert r.json()["fields"][0]["field"] == "attributes" + ".a" * 31
    assert r.json()["fields"][0]["code"] == "too_deep"


@pytest.mark.parametrize(("raw", "field"), [
    ('{"title": "\\ud800"}', "title"), ('{"title": "x", "answers": {"\\ud800": 1}}',
                                       "answers.\ufffd")])
async def test_a_lone_surrogate_is_a_422(client, raw, field):
    r = await client.post("/filings", content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == field
    r.content.decode("utf-8")  # the answer itself is valid UTF-8


async def test_a_nul_in_a_query_parameter_or_the_path_is_a_422(client):
    r = await client.get("/filings?limit=5&filed_from=%00x")
    assert r.status_code == 422 and [f["field"] for f in r.json()["fields"]] == ["filed_from"]
    r = await client.get("/things/a%00b")
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "path"


async def test_malformed_json_is_a_400(client):
    r = await client.post("/filings", content=b'{"title": ', headers={
        "content-type": "application/json", **EN})
    assert r.status_code == 400 and r.json()["error"] == "invalid_json"
    assert "line 1" in r.json()["detail"]


async def test_headers_and_uri_over_the_limit(client):
    r = await client.get("/filings", headers={"X-Big": "x" * 20_000})
    assert r.status_code == 431 and r.json()["error"] == "headers_too_large"
    r = await client.get("/filings", params={"q": "x" * 9000})
    assert r.status_code == 414 and r.json()["error"] == "uri_too_long"


async def test_limits_are_settings(make_client):
    async with make_client(max_body_bytes=2048, max_json_depth=3) as c:
        r = await c.post("/raw", content=b"x" * 3000)
        assert r.status_code == 413 and "2048" in r.json()["detail"]
        r = await c.post("/raw", json={"a": {"b": {"c": {}}}})
        assert r.status_code == 422 and r.json()["fields"][0]["field"] == "a.b.c"


async def _exchange(reader, writer, request: bytes) -> bytes:
    writer.write(request)
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length")))
    return head + await asyncio.wait_for(reader.readexactly(length), 5)


async def test_a_bug_or_bad_input_never_drops_the_connection():
    """Over real uvicorn (httptools): after a 500, a 413, a 422 the same connection serves
    the next request (a server error escaping the app made uvicorn close it)."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(), port=port, http="httptools",
                                           log_config=None, lifespan="off"))
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            await asyncio.sleep(0.05)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        deep = b'{"a": ' * 900 + b"1" + b"}" * 900
        surrogate = b'{"title": "\\ud800"}'
        requests = [
            b"GET /things/boom HTTP/1.1\r\nHost: x\r\n\r\n",
            b"POST /filings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(deep), deep),
            b"POST /filings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(surrogate), surrogate),
            b"GET /filings?filed_from=0001-01-01T00:00:00%2B14:00 HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET /things/nothing HTTP/1.1\r\nHost: x\r\n\r\n"]
        statuses = []
        for request in requests:
            statuses.append((await _exchange(reader, writer, request)).split(b" ", 2)[1])
        assert statuses == [b"500", b"422", b"422", b"200", b"404"]
        writer.close()
    finally:
        server.should_exit = True
        await task
