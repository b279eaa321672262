"""`q=` searches title and description (issue 8.10); a parameter a route does not read is a 422
naming it, never silently ignored, except on Open311 whose clients may send extensions."""

from __future__ import annotations

from sqlalchemy import select, text

from services.complaints.models import complaints
from services.complaints.repository import search_clause
from shared.auth import Role


async def _ids(api, q: str, **headers) -> list[str]:
    r = await api.client.get("/v1/complaints", params={"q": q},
                             headers=headers or api.token(Role.ADMIN))
    assert r.status_code == 200, r.text
    return [c["id"] for c in r.json()["items"]]


async def test_q_finds_words_of_the_title_and_description_within_what_the_caller_sees(offline):
    api = offline
    lamp = await api.file(title="Lampu jalan mati di Jl. Dago",
                          description="Sudah seminggu gelap, rawan begal.")
    hole = await api.file(title="Jalan berlubang", description="Lubang dalam dekat pasar_baru.")
    permit = await api.file(title="Izin usaha lambat", description="Pelayanan izin berbelit.",
                            category_code="IZIN-USAHA", attributes={})
    assert await _ids(api, "lampu") == [lamp["id"]]
    assert await _ids(api, "LUBANG") == [hole["id"]]  # case does not matter
    assert set(await _ids(api, "jalan")) == {lamp["id"], hole["id"]}
    assert await _ids(api, "jalan gelap") == [lamp["id"]]  # every word must match
    assert await _ids(api, "banjir") == []
    assert await _ids(api, "%%") == []  # no word: nothing, never everything
    assert await _ids(api, "pasar_baru") == [hole["id"]]
    assert await _ids(api, "pasarXbaru") == []  # "_" is no wildcard
    assert await _ids(api, permit["tracking_code"].lower()) == [permit["id"]]
    # an officer of Bandung's public works never finds Surabaya's permit complaint
    officer = api.token(Role.OFFICER, agency="dpupr-bdg")
    assert await _ids(api, "izin", **officer) == []
    assert await _ids(api, permit["tracking_code"], **officer) == []
    assert await _ids(api, "jalan", **officer) != []
    # search combines with the other filters and pages like the plain list
    r = await api.client.get("/v1/complaints", params={"q": "jalan", "limit": 1},
                             headers=api.token(Role.ADMIN))
    page = r.json()
    assert len(page["items"]) == 1 and page["next_cursor"], page
    r = await api.client.get("/v1/complaints", params={"q": "jalan", "cursor": page["next_cursor"]},
                             headers=api.token(Role.ADMIN))
    assert len(r.json()["items"]) == 1 and r.json()["next_cursor"] is None, r.text
    r = await api.client.get("/v1/complaints", params={"q": "jalan", "category": "IZIN-USAHA"},
                             headers=api.token(Role.ADMIN))
    assert r.json()["items"] == []
    if api.app.state.runtime.engine.dialect.name == "postgresql":
        # Indonesian stemming and web-search syntax
        assert await _ids(api, "layanan") == [permit["id"]]  # pelayanan -> layan
        assert await _ids(api, '"lampu jalan"') == [lamp["id"]]
        assert await _ids(api, "jalan -lubang") == [lamp["id"]]
        assert set(await _ids(api, "begal or pasar")) == {lamp["id"], hole["id"]}


async def test_q_is_bounded(offline):
    admin = offline.token(Role.ADMIN)
    for q in ("j", "x" * 201):
        r = await offline.client.get("/v1/complaints", params={"q": q}, headers=admin)
        assert r.status_code == 422, r.text
        assert [f["field"] for f in r.json()["fields"]] == ["q"]


async def test_postgresql_answers_q_from_the_text_index(offline):
    engine = offline.app.state.runtime.engine
    if engine.dialect.name != "postgresql":
        return  # SQLite has no text index: a LIKE scan, documented in docs/complaints.md
    stmt = select(complaints.c.id).where(search_clause("jalan rusak", "postgresql"))
    compiled = stmt.compile(engine, compile_kwargs={"literal_binds": True})
    async with engine.connect() as conn:
        await conn.execute(text("SET enable_seqscan = off"))  # a tiny table: force the choice
        plan = "\n".join(r[0] for r in await conn.execute(text(f"EXPLAIN {compiled}")))
    assert "ix_complaints_search" in plan, plan


async def test_an_unknown_query_parameter_is_a_422_naming_it(offline):
    api = offline
    admin = api.token(Role.ADMIN)
    r = await api.client.get("/v1/complaints?satus=new&status=new&zz=1", headers=admin)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["error"] == "validation_error"  # as every malformed request
    assert [(f["field"], f["code"]) for f in body["fields"]] == [
        ("satus", "unknown_parameter"), ("zz", "unknown_parameter")]
    assert "status" in body["fields"][0]["message"]  # it says what the route reads
    r = await api.client.get("/v1/complaints?satus=new", headers=admin | {"Accept-Language": "id"})
    assert "Parameter tidak dikenal" in r.json()["fields"][0]["message"], r.text
    # a route without parameters, and a parameter the caller's auth would otherwise decide
    assert (await api.client.get("/v1/agencies?page=2")).status_code == 422
    # Open311 clients send jurisdiction_id, api_key and extensions to any server: ignored
    r = await api.client.get("/open311/v2/services.json?jurisdiction_id=bandung&x_app=1")
    assert r.status_code == 200, r.text
    r = await api.client.get("/open311/v2/requests.json?jurisdiction_id=bandung&extensions=true")
    assert r.status_code == 200, r.text
