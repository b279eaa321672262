"""The complaint.resolved handler handed events directly (shared.testing.Deliverer: the real
inbox path, no broker), with a fixed clock; test_invitations.py has the real-broker test."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import zlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from services.surveys.models import invitations
from shared.events import (
    AgencyChanged,
    AgencyCreated,
    ComplaintResolved,
    SurveyInvitationCreated,
    new_event,
)
from shared.testing import Deliverer
from tests.integration.surveys.conftest import make_settings, serve

NOW = datetime(2026, 5, 20, 3, 0, tzinfo=UTC)


def resolved(complaint_id: str, *, when: datetime = NOW,
             token: str | None = None) -> ComplaintResolved:
    digest = hashlib.sha256((token or secrets.token_urlsafe(32)).encode()).hexdigest()
    return ComplaintResolved(complaint_id=complaint_id, agency_id="agency-7",
                             category_code="ktp", occurred_at=when,
                             filed_at=when - timedelta(days=3), survey_token_sha256=digest)


@pytest.fixture
async def clocked(broker, database_url, topic_prefix):
    """The app (no consumer group) whose clock says NOW."""
    settings = make_settings(database_url, broker.bootstrap, topic_prefix)
    async for served in serve(settings, consume=False, clock=lambda: NOW):
        yield served


def deliverer(api) -> Deliverer:
    (sub, _) = api.subscriptions  # what create_app built, with its clock
    return Deliverer(api.runtime.engine, sub, source="/suara/complaints")


async def invitation_count(api) -> int:
    async with api.runtime.engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(invitations))).scalar_one()


async def test_a_resolution_creates_one_invitation_and_its_event(clocked):
    deliver = deliverer(clocked)
    event = new_event(resolved("c-1"), source="/suara/complaints")
    handled = await deliver(event)
    assert handled.outcome == "handled"
    (created,) = handled.published
    assert created.type == SurveyInvitationCreated.event_type
    assert created.data.occurred_at == NOW  # the injected clock, not the wall clock
    assert created.data.expires_at == NOW + timedelta(days=30)
    assert (await deliver(event)).outcome == "duplicate"  # the inbox saw it
    again = await deliver(resolved("c-1", when=NOW + timedelta(days=2)))  # after a reopen
    assert again.outcome == "handled" and again.published == ()
    assert await invitation_count(clocked) == 1
    survey = (await clocked.client.get(f"/v1/surveys/{created.data.survey_id}")).json()
    assert [p["code"] for p in survey["periods"]] == ["2026-05"]  # the resolution's month


async def test_a_token_hash_never_opens_two_invitations(clocked):
    deliver = deliverer(clocked)
    token = secrets.token_urlsafe(32)
    first = await deliver(resolved("c-1", token=token))
    second = await deliver(resolved("c-2", token=token))  # the same hash for another complaint
    assert len(first.published) == 1 and second.outcome == "handled" and second.published == ()
    assert await invitation_count(clocked) == 1


def pdf_text(pdf: bytes) -> str:
    """The text drawn in a PDF's (Flate-compressed) content streams, roughly."""
    out = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", pdf, flags=re.S):
        data = stream.strip()
        if data.endswith(b"~>"):  # reportlab: ASCII85 around the deflated stream
            data = base64.a85decode(data[:-2])
        try:
            out.append(zlib.decompress(data).decode("latin-1"))
        except zlib.error:
            continue
    return " ".join(out).replace("\\(", "(").replace("\\)", ")")  # PDF string escapes


async def test_the_report_names_the_agency_from_the_catalogue_events(clocked):
    (_, catalogue) = clocked.subscriptions
    deliver = Deliverer(clocked.runtime.engine, catalogue, source="/suara/complaints")
    base = {"agency_id": "agency-1", "parent_id": None, "kind": "regional",
            "occurred_at": NOW}
    await deliver(AgencyCreated(**base, name_id="Dinas Kependudukan", name_en="Civil Registry",
                                revision=1))
    await deliver(AgencyChanged(**base, name_id="Disdukcapil Kota", name_en="City Registry",
                                revision=2))
    await deliver(AgencyChanged(**base, name_id="Nama lama", name_en="Old name", revision=1))
    survey_id = await clocked.survey("2026")
    r = await clocked.client.get(f"/v1/surveys/{survey_id}/report.pdf",
                                 params={"period": "2026"})
    assert r.status_code == 200
    text = pdf_text(r.content)
    assert "Disdukcapil Kota / City Registry (agency-1)" in text, text[:2000]
    assert "Nama lama" not in text  # an older revision replayed changes nothing
