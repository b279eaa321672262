"""Post-complaint surveys: complaint.resolved (with the hash of the token the complaints service
drew) -> invitation -> one response through the link; on the real broker too."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import time
import uuid
from datetime import UTC, datetime, timedelta

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sqlalchemy import select

from services.surveys.models import invitations
from services.surveys.service.invitations import invite_after_resolution
from shared.broker import ensure_topics
from shared.events import (
    ComplaintResolved,
    SurveyInvitationCreated,
    SurveyResponseRecorded,
    new_event,
    parse_event,
)
from shared.tables import outbox
from shared.topics import Topic, topic_name
from tests.integration.surveys.conftest import ALL_THREES

#: An answer to the default post-complaint questionnaire (custom.POST_COMPLAINT_ITEMS).
RATED = {"speed": 4, "clarity": 3, "conduct": 5, "resolution": 4}


def new_token() -> str:
    """What the complaints service draws for a link (docs/surveys.md, "Invitation links")."""
    return secrets.token_urlsafe(32)


def resolved(complaint_id: str, token: str | None, *,
             when: datetime | None = None) -> ComplaintResolved:
    when = when or datetime.now(UTC)
    digest = hashlib.sha256(token.encode()).hexdigest() if token is not None else None
    return ComplaintResolved(complaint_id=complaint_id, agency_id="agency-7",
                             category_code="ktp", occurred_at=when,
                             filed_at=when - timedelta(days=3), survey_token_sha256=digest)


async def handle(api, payload: ComplaintResolved) -> None:
    async with api.runtime.unit_of_work() as uow:
        await invite_after_resolution(uow, settings=api.settings, now=datetime.now(UTC),
                                      resolved=payload)


async def outbox_text(api) -> str:
    async with api.runtime.engine.connect() as conn:
        return " ".join(r.payload.decode() for r in await conn.execute(select(outbox.c.payload)))


async def test_an_invitation_is_answered_once(api):
    complaint_id, token = str(uuid.uuid4()), new_token()
    await handle(api, resolved(complaint_id, token))
    await handle(api, resolved(complaint_id, new_token()))  # a reopen: no second one
    (created,) = await api.events(SurveyInvitationCreated.event_type)
    assert created.type == "survey.invitation_created.v2"
    data = created.data
    assert data.complaint_id == complaint_id and data.agency_id == "agency-7"
    async with api.runtime.engine.connect() as conn:
        stored = (await conn.execute(select(invitations))).mappings().one()
    assert token not in str(dict(stored))  # only its hash is stored
    assert token not in await outbox_text(api) and "/v1/invitations/" not in await outbox_text(
        api)  # the link is in no event

    opened = await api.client.get(f"/v1/invitations/{token}")
    assert opened.status_code == 200 and opened.json()["status"] == "open"
    # the default post-complaint questionnaire: short, about the handling (no fees, no
    # facilities: the SKM's U4 and U9 make no sense for a pothole repair)
    assert opened.json()["kind"] == "custom" and opened.json()["questionnaire"] == []
    assert [i["code"] for i in opened.json()["items"]] == [*RATED, "suggestion"]
    url = f"/v1/invitations/{token}/responses"
    body = {"response_id": str(uuid.uuid4()), "answers": RATED, "profile": {"sex": "L"}}
    first = await api.client.post(url, json=body)
    assert first.status_code == 201, first.text
    assert (await api.client.post(url, json=body)).status_code == 200  # a retry
    other = await api.client.post(url, json=body | {"response_id": str(uuid.uuid4())})
    assert other.status_code == 410 and other.json()["error"] == "invitation_used"
    assert other.json()["field"] == "token"
    assert (await api.client.get(f"/v1/invitations/{token}")).json()["status"] == "used"
    bad = await api.client.post("/v1/invitations/nope/responses", json=body)
    assert bad.status_code == 404 and bad.json()["field"] == "token"

    (recorded,) = await api.events(SurveyResponseRecorded.event_type)
    assert complaint_id not in recorded.model_dump_json()  # the answer is not linked to it
    assert recorded.data.kind == "custom" and recorded.data.scores == RATED
    # the post-complaint survey takes no responses except through its links
    r = await api.respond(data.survey_id)
    assert r.status_code == 422 and r.json()["field"] == "survey_id"


async def test_an_invalid_answer_leaves_the_invitation_open(api):
    complaint_id, token = str(uuid.uuid4()), new_token()
    await handle(api, resolved(complaint_id, token))
    url = f"/v1/invitations/{token}/responses"
    body = {"response_id": str(uuid.uuid4()), "answers": RATED | {"speed": 9}}
    r = await api.client.post(url, json=body)
    assert r.status_code == 422 and r.json()["field"] == "answers.speed"
    r = await api.client.post(url, json=body | {"answers": RATED})
    assert r.status_code == 201


async def test_an_expired_invitation_is_refused(api):
    token = new_token()
    await handle(api, resolved("c-old", token, when=datetime.now(UTC) - timedelta(days=40)))
    assert (await api.client.get(f"/v1/invitations/{token}")).json()["status"] == "expired"
    r = await api.client.post(f"/v1/invitations/{token}/responses",
                              json={"response_id": str(uuid.uuid4()), "answers": ALL_THREES})
    assert r.status_code == 410 and r.json()["error"] == "invitation_expired"


async def test_no_invitation_for_a_closed_period(api):
    await handle(api, resolved("c-1", new_token()))
    (created,) = await api.events(SurveyInvitationCreated.event_type)
    survey_id = created.data.survey_id
    survey = (await api.client.get(f"/v1/surveys/{survey_id}")).json()
    assert survey["purpose"] == "post_complaint" and survey["unit_id"] is None
    (period,) = survey["periods"]
    auth = api.auth(agency="agency-7")
    r = await api.client.post(f"/v1/surveys/{survey_id}/periods/{period['code']}/close",
                              headers=auth)
    assert r.status_code == 200, r.text
    await handle(api, resolved("c-2", new_token()))
    assert len(await api.events(SurveyInvitationCreated.event_type)) == 1


async def test_an_agency_chooses_its_post_complaint_questionnaire(api):
    auth = api.auth(agency="agency-7")
    # the SKM instead of the default (no unit: it is the agency's); the newest one wins
    r = await api.client.post("/v1/surveys", headers=auth, json={
        "title": "SKM penanganan pengaduan", "kind": "skm", "purpose": "post_complaint"})
    assert r.status_code == 201, r.text
    token = new_token()
    await handle(api, resolved("c-skm", token))
    (created,) = await api.events(SurveyInvitationCreated.event_type)
    assert created.data.survey_id == r.json()["id"]
    opened = (await api.client.get(f"/v1/invitations/{token}")).json()
    assert opened["kind"] == "skm" and len(opened["questionnaire"]) == 9
    answered = await api.client.post(f"/v1/invitations/{token}/responses", json={
        "response_id": str(uuid.uuid4()), "answers": ALL_THREES | {"U8": 4}})
    assert answered.status_code == 201, answered.text
    (recorded,) = await api.events(SurveyResponseRecorded.event_type)
    assert recorded.data.kind == "skm" and recorded.data.scores["U8"] == 4
    # or its own short questionnaire
    items = [{"code": "fixed", "type": "likert", "points": 3, "text_id": "Sudah beres?",
              "text_en": "Is it fixed?"}]
    r = await api.client.post("/v1/surveys", headers=auth, json={
        "title": "Singkat", "kind": "custom", "purpose": "post_complaint", "items": items})
    assert r.status_code == 201, r.text
    token = new_token()
    await handle(api, resolved("c-custom", token))
    opened = (await api.client.get(f"/v1/invitations/{token}")).json()
    assert opened["survey_id"] == r.json()["id"] and opened["items"][0]["code"] == "fixed"
    # a general survey still needs its unit
    r = await api.client.post("/v1/surveys", headers=auth, json={"title": "t"})
    assert r.status_code == 422 and r.json()["field"] == "unit_id"


async def test_no_hash_no_invitation(api):
    # an anonymous report, no contact left, or not the first resolution
    await handle(api, resolved("c-anonymous", None))
    assert await api.events() == []
    assert (await api.client.get("/v1/surveys")).json() == []  # nothing created on the way


async def test_a_link_opened_before_the_resolution_arrived_says_try_again(api):
    token = new_token()
    early = await api.client.get(f"/v1/invitations/{token}")
    assert early.status_code == 202 and early.headers["retry-after"] == "30"
    assert early.json()["status"] == "pending" and early.json()["retry_after_s"] == 30
    body = {"response_id": str(uuid.uuid4()), "answers": RATED}
    r = await api.client.post(f"/v1/invitations/{token}/responses", json=body)
    assert r.status_code == 409 and r.json()["error"] == "invitation_pending"
    assert r.headers["retry-after"] == "30"
    assert r.json()["field"] == "token" and r.json()["retry_after_s"] == 30
    await handle(api, resolved(str(uuid.uuid4()), token))  # complaint.resolved consumed
    assert (await api.client.get(f"/v1/invitations/{token}")).json()["status"] == "open"
    assert (await api.client.post(f"/v1/invitations/{token}/responses",
                                  json=body)).status_code == 201
    # what can never be a link's token is a plain 404
    for bad in ("nope", token[:-1], token + "x"):
        assert (await api.client.get(f"/v1/invitations/{bad}")).status_code == 404



async def _wait_for(consumer: AIOKafkaConsumer, event_type: str, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        batches = await consumer.getmany(timeout_ms=200)
        for records in batches.values():
            for record in records:
                event = parse_event(record.value)
                if event.type == event_type:
                    return event
    raise AssertionError(f"no {event_type} within {timeout}s")


async def test_complaint_resolved_to_response_recorded_on_the_broker(consuming_api, broker,
                                                                     topic_prefix):
    api = consuming_api
    complaints = topic_name(Topic.COMPLAINTS, topic_prefix)
    surveys = topic_name(Topic.SURVEYS, topic_prefix)
    await ensure_topics(broker.bootstrap, [complaints, surveys])
    reader = AIOKafkaConsumer(surveys, bootstrap_servers=broker.bootstrap,
                              auto_offset_reset="earliest", fetch_max_wait_ms=50,
                              enable_auto_commit=False, group_id=None)
    await reader.start()
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, acks="all")
    await producer.start()
    try:
        complaint_id, token = str(uuid.uuid4()), new_token()
        event = new_event(resolved(complaint_id, token), source="/suara/complaints")
        await producer.send_and_wait(complaints, event.model_dump_json().encode(),
                                     key=complaint_id.encode())
        created = await _wait_for(reader, SurveyInvitationCreated.event_type)
        assert created.data.complaint_id == complaint_id
        body = {"response_id": str(uuid.uuid4()), "answers": RATED | {"speed": 2},
                "profile": {"occupation": "WIRAUSAHA", "age": 19}}
        r = await api.client.post(f"/v1/invitations/{token}/responses", json=body)
        assert r.status_code == 201, r.text
        recorded = await _wait_for(reader, SurveyResponseRecorded.event_type)
        data = recorded.data
        assert data.response_id == body["response_id"]
        assert data.survey_id == created.data.survey_id and data.agency_id == "agency-7"
        assert data.scores["speed"] == 2 and data.respondent.occupation == "self_employed"
        assert data.respondent.age_band == "under_20" and data.unit_id is None
        # the same complaint.resolved delivered again: no second invitation
        await producer.send_and_wait(complaints, event.model_dump_json().encode(),
                                     key=complaint_id.encode())
        await asyncio.sleep(1.0)
        assert len(await api.events(SurveyInvitationCreated.event_type)) == 1
    finally:
        await producer.stop()
        await reader.stop()
