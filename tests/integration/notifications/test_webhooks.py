"""Webhooks to agencies, per the Standard Webhooks spec, verified by the independent
``standardwebhooks`` package: endpoints API, bad input, retries over a long outage with a
driven clock, rotation, per-subject ordering, isolation from a hanging endpoint, 410 Gone,
giving up and recovery, the disposisi chain. SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import socket
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from shared.events import (
    ComplaintFiled,
    ComplaintForwarded,
    ComplaintResponded,
    new_event,
    parse_event,
)
from shared.tables import outbox
from tests.integration.notifications.conftest import make_settings, serve
from tests.integration.notifications.receiver import Receiver

T0 = datetime(2026, 12, 1, 7, 5, tzinfo=UTC)


@pytest.fixture
async def receiver():
    r = await Receiver().start()
    yield r
    await r.stop()


@pytest.fixture
async def hooks(database_url, smtp, clock):
    settings = make_settings(database_url, smtp_port=smtp.port, webhook_timeout_s=2.0)
    async for s in serve(settings, clock, background=False):
        stopping = asyncio.Event()
        task = asyncio.create_task(s.webhooks.dispatch_forever(stopping))
        s.stop_dispatcher = (stopping, task)
        yield s
        stopping.set()
        await asyncio.wait_for(task, 10)


def filed(complaint_id: str | None = None, agency: str = "dpupr-bdg"):
    return new_event(ComplaintFiled(
        complaint_id=complaint_id or str(uuid.uuid4()), agency_id=agency,
        category_code="JALAN-RUSAK", occurred_at=T0, channel="web", privacy="public",
        verification_due_at=T0), source="/suara/complaints")


async def publish(svc, event) -> None:
    async with svc.runtime.unit_of_work() as uow:
        await svc.webhooks.fan_out(uow, event)
    svc.webhooks.wakeup.set()


async def subscribe(svc, url: str, **fields) -> dict:
    body = {"url": url, "event_types": ["complaint.*"], "description": "Dinas test"} | fields
    r = await svc.client.post("/v1/webhooks", json=body, headers=svc.auth())
    assert r.status_code == 201, r.text
    return r.json()


async def eventually(check, timeout: float = 15.0):
    """``await check()`` until it returns something truthy (the dispatcher records in the
    background); that value."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = await check()
        if value:
            return value
        assert loop.time() < deadline, "not reached in time"
        await asyncio.sleep(0.1)


async def settled(svc) -> None:
    """Until every attempt made so far is recorded (no message is leased)."""
    from services.notifications.models import webhook_messages as m

    async def none_leased():
        async with svc.runtime.engine.connect() as conn:
            rows = (await conn.execute(select(m.c.seq).where(m.c.lease_until.is_not(None))
                                       .limit(1))).first()
        return rows is None

    await eventually(none_leased)


def verify(secret: str, delivery) -> dict:
    return Webhook(secret).verify(delivery.body, delivery.headers)


async def test_a_subscribed_agency_receives_signed_cloudevents(hooks, receiver):
    created = await subscribe(hooks, receiver.url())
    assert created["secret"].startswith("whsec_") and len(created["secret"]) > 30
    listed = await hooks.client.get("/v1/webhooks", headers=hooks.auth())
    assert [e["id"] for e in listed.json()] == [created["id"]]
    assert "secret" not in listed.json()[0]
    event = filed()
    await publish(hooks, event)
    await publish(hooks, filed(agency="dinkes-bdg"))  # another agency's: not ours
    await receiver.wait_for(1)
    [delivery] = receiver.received
    assert verify(created["secret"], delivery)["id"] == event.id
    assert delivery.headers["webhook-id"] == event.id
    assert delivery.body == event.model_dump_json().encode()
    assert json.loads(delivery.body)["type"] == "complaint.filed.v1"
    await asyncio.sleep(0.3)
    assert len(receiver.received) == 1


@pytest.mark.parametrize(("field", "body"), [
    ("url", {"url": "ftp://example.org/hook"}),
    ("url", {"url": "http://10.1.2.3/hook"}),
    ("url", {"url": "http://169.254.169.254/latest/meta-data"}),
    ("url", {"url": "http://[::ffff:192.168.1.1]/hook"}),
    ("event_types", {"event_types": ["complaint.exploded.v1"]}),
    ("event_types", {"event_types": ["notification.requested.v1"]}),
    ("event_types", {"event_types": ["Complaint!"]}),
    ("description", {"description": "x" * 501}),
])
async def test_bad_input_is_a_4xx_naming_the_field_and_nothing_is_stored(hooks, field, body):
    full = {"url": "http://127.0.0.1:9/hook", "event_types": ["complaint.*"]} | body
    r = await hooks.client.post("/v1/webhooks", json=full, headers=hooks.auth())
    assert r.status_code == 422, r.text
    answer = r.json()
    named = [answer.get("field") or ""] + [f["field"] for f in answer.get("fields", [])]
    assert any(field in n.split(".") for n in named), answer
    assert (await hooks.client.get("/v1/webhooks", headers=hooks.auth())).json() == []


async def test_production_refuses_loopback_and_http(database_url, smtp, clock):
    settings = make_settings(database_url, smtp_port=smtp.port, environment="test",
                             webhook_allow_loopback=False, webhook_require_https=True)
    async for s in serve(settings, clock, background=False):
        for url in ("http://example.org/hook", "https://127.0.0.1/hook",
                    "https://localhost/hook"):
            r = await s.client.post("/v1/webhooks", headers=s.auth(),
                                    json={"url": url, "event_types": ["*"]})
            assert r.status_code == 422 and r.json()["field"] == "url", (url, r.text)


async def test_an_outage_of_a_day_then_every_message_exactly_once(hooks, receiver, clock):
    created = await subscribe(hooks, receiver.url())
    receiver.default["/hook"] = 503
    events = [filed() for _ in range(5)]
    for e in events:
        await publish(hooks, e)
    for n in range(1, 7):  # attempts 1..6 fail: at 0 s, 5 s, 5 min, 30 min, 2 h, 5 h
        await receiver.wait_for(5 * n)
        await settled(hooks)  # the failures are recorded
        if n == 6:  # about 7.6 hours down; the 7th attempt is due 10 h later
            receiver.default["/hook"] = 200
        clock.advance(hours=11)
        hooks.webhooks.wakeup.set()
    await receiver.wait_for(35)
    await asyncio.sleep(0.5)
    ok = [d for d in receiver.received[30:]]
    assert sorted(d.headers["webhook-id"] for d in ok) == sorted(e.id for e in events)
    for d in receiver.received:  # failed attempts carry valid signatures too
        verify(created["secret"], d)
    page = await hooks.client.get(f"/v1/webhooks/{created['id']}/messages",
                                  headers=hooks.auth())
    assert {m["status"] for m in page.json()} == {"succeeded"}
    assert {m["attempts"] for m in page.json()} == {7}
    log = await hooks.client.get(f"/v1/webhooks/{created['id']}/attempts",
                                 params={"webhook_id": events[0].id}, headers=hooks.auth())
    codes = [a["status_code"] for a in log.json()]
    assert codes == [200] + [503] * 6
    assert log.json()[1]["response_excerpt"] == "no"


async def test_giving_up_publishes_delivery_failed_and_recover_sends_again(hooks, receiver,
                                                                           clock):
    created = await subscribe(hooks, receiver.url())
    receiver.default["/hook"] = 500
    event = filed()
    await publish(hooks, event)
    for n in range(1, 9):
        await receiver.wait_for(n)
        await settled(hooks)
        clock.advance(hours=11)
        hooks.webhooks.wakeup.set()
    await asyncio.sleep(0.5)
    assert len(receiver.received) == 8
    async with hooks.runtime.engine.connect() as conn:
        rows = (await conn.execute(select(outbox.c.payload))).all()
    failed = [parse_event(r.payload) for r in rows]
    [gave_up] = [e for e in failed if e.type == "webhook.delivery_failed.v1"]
    assert gave_up.data.event_id == event.id and gave_up.data.last_status_code == 500
    receiver.default["/hook"] = 200
    r = await hooks.client.post(f"/v1/webhooks/{created['id']}/recover",
                                json={"since": "2026-01-01T00:00:00Z"}, headers=hooks.auth())
    assert r.json() == {"requeued": 1}
    await receiver.wait_for(9)
    assert receiver.received[-1].headers["webhook-id"] == event.id
    r = await hooks.client.post(
        f"/v1/webhooks/{created['id']}/messages/{event.id}/replay", headers=hooks.auth())
    assert r.status_code == 202
    await receiver.wait_for(10)
    assert receiver.received[-1].headers["webhook-id"] == event.id


async def test_rotation_signs_with_both_secrets_for_a_day(hooks, receiver, clock):
    created = await subscribe(hooks, receiver.url())
    r = await hooks.client.post(f"/v1/webhooks/{created['id']}/rotate-secret",
                                headers=hooks.auth())
    new = r.json()["secret"]
    assert new != created["secret"]
    await publish(hooks, filed())
    await receiver.wait_for(1)
    during = receiver.received[0]
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    verify(created["secret"], during)
    verify(new, during)
    clock.advance(hours=25)
    await publish(hooks, filed())
    await receiver.wait_for(2)
    after = receiver.received[1]
    assert len(after.headers["webhook-signature"].split(" ")) == 1
    verify(new, after)
    with pytest.raises(WebhookVerificationError):
        verify(created["secret"], after)


async def test_per_subject_ordering_holds_under_retries(hooks, receiver, clock):
    await subscribe(hooks, receiver.url("/ordered"), ordering="per_subject")
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    receiver.script["/ordered"].extend([503])  # a's first event fails once
    first = filed(a)
    later = new_event(ComplaintResponded(
        complaint_id=a, agency_id="dpupr-bdg", category_code="JALAN-RUSAK", occurred_at=T0,
        first_response=True, filed_at=T0), source="/suara/complaints")
    other = filed(b)
    # a's first event alone, so that the scripted 503 is surely its attempt (published with
    # b's, b's could reach the receiver first under load and take the 503 instead)
    await publish(hooks, first)
    await receiver.wait_for(1)
    assert receiver.received[0].headers["webhook-id"] == first.id
    for e in (later, other):
        await publish(hooks, e)
    await receiver.wait_for(2)  # a's failed attempt and b's event
    await asyncio.sleep(0.5)
    ids = [d.headers["webhook-id"] for d in receiver.received]
    assert later.id not in ids and other.id in ids  # b went on; a's later event waits
    clock.advance(seconds=10)
    hooks.webhooks.wakeup.set()
    await receiver.wait_for(4)
    ids = [d.headers["webhook-id"] for d in receiver.received]
    assert ids.index(later.id) > len(ids) - 2 and ids.count(first.id) == 2
    assert ids.index(later.id) > max(i for i, x in enumerate(ids) if x == first.id)


async def test_a_hanging_endpoint_does_not_slow_a_healthy_one(database_url, smtp, clock,
                                                              receiver):
    settings = make_settings(database_url, smtp_port=smtp.port, webhook_timeout_s=10.0)
    async for s in serve(settings, clock, background=False):
        receiver.default["/hang"] = "hang"
        await subscribe(s, receiver.url("/hang"))
        await subscribe(s, receiver.url("/fast"))
        for _ in range(40):  # 5 times the hanging endpoint's concurrency, each for both
            await publish(s, filed())
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        started = loop.time()
        task = asyncio.create_task(s.webhooks.dispatch_forever(stopping))
        # every healthy delivery arrives before the hanging endpoint's first timeout (10 s)
        await receiver.wait_for(40, "/fast", timeout=9.5)
        assert loop.time() - started < 10
        assert receiver.at("/hang") == []
        stopping.set()
        await asyncio.wait_for(task, 20)


async def test_410_gone_disables_the_endpoint_and_tells_the_agency(hooks, receiver):
    created = await subscribe(hooks, receiver.url("/gone"), contact_email="it@dpupr.go.id")
    receiver.default["/gone"] = 410
    await publish(hooks, filed())
    await receiver.wait_for(1)

    async def state():
        return (await hooks.client.get(f"/v1/webhooks/{created['id']}",
                                       headers=hooks.auth())).json()

    row = await eventually(lambda: _disabled(state))
    assert row["disabled_reason"] == "gone"
    async with hooks.runtime.engine.connect() as conn:
        rows = (await conn.execute(select(outbox.c.event_type))).scalars().all()
    assert "webhook.endpoint_disabled.v1" in rows and "notification.requested.v1" in rows
    await publish(hooks, filed())
    await asyncio.sleep(0.4)
    assert len(receiver.received) == 1  # disabled: nothing more


async def test_the_disposisi_chain_receives_a_forwarded_complaints_events(hooks, receiver):
    await subscribe(hooks, receiver.url("/a"))
    token_b = hooks.auth(agency="dinkes-bdg")
    r = await hooks.client.post("/v1/webhooks", headers=token_b, json={
        "url": receiver.url("/b"), "event_types": ["complaint.*"]})
    assert r.status_code == 201
    cid = str(uuid.uuid4())
    await publish(hooks, filed(cid))
    await publish(hooks, new_event(ComplaintForwarded(
        complaint_id=cid, agency_id="dinkes-bdg", category_code="JALAN-RUSAK",
        occurred_at=T0, from_agency_id="dpupr-bdg", forward_position=1),
        source="/suara/complaints"))
    await publish(hooks, new_event(ComplaintResponded(
        complaint_id=cid, agency_id="dinkes-bdg", category_code="JALAN-RUSAK",
        occurred_at=T0, first_response=True, filed_at=T0), source="/suara/complaints"))
    await receiver.wait_for(3, "/a")
    await receiver.wait_for(2, "/b")
    types_b = [json.loads(d.body)["type"] for d in receiver.at("/b")]
    assert types_b == ["complaint.forwarded.v1", "complaint.responded.v1"] or sorted(
        types_b) == ["complaint.forwarded.v1", "complaint.responded.v1"]


async def test_the_address_connected_is_checked_not_only_the_url(database_url, smtp, clock,
                                                                 receiver):
    host = socket.gethostname()
    try:
        addresses = {i[4][0] for i in socket.getaddrinfo(host, None)}
    except OSError:
        pytest.skip("the machine's host name does not resolve")
    import ipaddress
    if any(ipaddress.ip_address(a).is_global for a in addresses):
        pytest.skip("the host name resolves to a public address here")
    settings = make_settings(database_url, smtp_port=smtp.port,
                             webhook_allow_loopback=False)
    async for s in serve(settings, clock, background=False):
        answer = await s.webhooks.client.post(f"http://{host}:{receiver.port}/hook", b"{}",
                                              {})
        assert answer.error_class == "refused_address"
        assert receiver.received == []
        r = await s.client.post("/v1/webhooks", headers=s.auth(), json={
            "url": f"http://{host}:{receiver.port}/hook", "event_types": ["*"]})
        assert r.status_code == 422 and r.json()["field"] == "url"


async def test_test_event_and_agency_scope(hooks, receiver):
    created = await subscribe(hooks, receiver.url())
    other = hooks.auth(agency="dinkes-bdg")
    assert (await hooks.client.get(f"/v1/webhooks/{created['id']}",
                                   headers=other)).status_code == 404
    from shared.auth import Role
    officer = hooks.auth(Role.OFFICER)
    assert (await hooks.client.post("/v1/webhooks", headers=officer, json={
        "url": receiver.url(), "event_types": ["*"]})).status_code == 403
    r = await hooks.client.post(f"/v1/webhooks/{created['id']}/test", headers=hooks.auth())
    assert r.status_code == 202
    await receiver.wait_for(1)
    body = verify(created["secret"], receiver.received[0])
    assert body["type"] == "webhook.test" and receiver.received[0].headers[
        "webhook-id"] == r.json()["webhook_id"]


async def test_an_endpoint_failing_for_five_days_is_disabled(hooks, receiver, clock):
    created = await subscribe(hooks, receiver.url("/down"), contact_email="it@dpupr.go.id")
    path = f"/v1/webhooks/{created['id']}"
    receiver.default["/down"] = 500

    async def state():
        return (await hooks.client.get(path, headers=hooks.auth())).json()

    await publish(hooks, filed())
    await receiver.wait_for(1)
    await eventually(lambda: _failing(state))
    clock.advance(days=4, hours=23)
    await publish(hooks, filed())
    await receiver.wait_for(2)
    await asyncio.sleep(0.5)
    assert (await state())["enabled"]
    clock.advance(hours=2)  # five days without a success
    await publish(hooks, filed())
    await receiver.wait_for(3)
    row = await eventually(lambda: _disabled(state))
    assert row["disabled_reason"] == "failing"
    async with hooks.runtime.engine.connect() as conn:
        payloads = (await conn.execute(select(outbox.c.payload))).scalars().all()
    events = [parse_event(p) for p in payloads]
    [disabled] = [e for e in events if e.type == "webhook.endpoint_disabled.v1"]
    assert disabled.data.reason == "failing" and disabled.data.url == receiver.url("/down")
    [told] = [e for e in events if e.type == "notification.requested.v1"]
    assert told.data.recipient == "it@dpupr.go.id"
    assert told.data.template_name == "webhook_endpoint_disabled"
    r = await hooks.client.post(f"{path}/enable", headers=hooks.auth())
    assert r.json()["enabled"] and r.json()["failing_since"] is None


async def _failing(state):
    row = await state()
    return row if row["failing_since"] is not None else None


async def _disabled(state):
    row = await state()
    return row if not row["enabled"] else None


async def test_catalogue_events_go_to_the_agency_they_concern(hooks, receiver):
    from shared.events import AgencyChanged, CategoryCreated

    await subscribe(hooks, receiver.url("/cat"), event_types=["agency.*", "category.*"])
    await publish(hooks, new_event(AgencyChanged(
        agency_id="dpupr-bdg", kind="unit", name_id="Dinas PUPR", name_en="Public Works",
        revision=2, occurred_at=T0), source="/suara/complaints"))
    await publish(hooks, new_event(AgencyChanged(
        agency_id="dinkes-bdg", kind="unit", name_id="Dinas Kesehatan", name_en="Health",
        revision=2, occurred_at=T0), source="/suara/complaints"))
    await publish(hooks, new_event(CategoryCreated(
        category_code="JALAN-RUSAK", agency_id="dpupr-bdg", name_id="Jalan rusak",
        name_en="Damaged road", complexity="normal", revision=1, occurred_at=T0),
        source="/suara/complaints"))
    await receiver.wait_for(2)
    await asyncio.sleep(0.4)
    got = sorted(json.loads(d.body)["type"] for d in receiver.received)
    assert got == ["agency.changed.v1", "category.created.v1"]


async def test_update_disable_enable_and_delete(hooks, receiver):
    created = await subscribe(hooks, receiver.url("/one"))
    path = f"/v1/webhooks/{created['id']}"
    r = await hooks.client.patch(path, headers=hooks.auth(), json={
        "url": receiver.url("/two"), "event_types": ["complaint.filed.v1"]})
    assert r.status_code == 200 and r.json()["url"].endswith("/two")
    bad = await hooks.client.patch(path, headers=hooks.auth(), json={"url": "http://10.0.0.9/"})
    assert bad.status_code == 422 and bad.json()["field"] == "url"
    assert (await hooks.client.post(f"{path}/disable", headers=hooks.auth())).json()[
        "enabled"] is False
    await publish(hooks, filed())
    await asyncio.sleep(0.5)
    assert receiver.received == []  # disabled endpoints receive nothing
    assert (await hooks.client.post(f"{path}/enable", headers=hooks.auth())).json()["enabled"]
    await publish(hooks, filed())
    await receiver.wait_for(1, "/two")
    assert (await hooks.client.delete(path, headers=hooks.auth())).status_code == 204
    assert (await hooks.client.get(path, headers=hooks.auth())).status_code == 404
