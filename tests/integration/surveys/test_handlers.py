"""The complaint.resolved handler handed events directly (shared.testing.Deliverer: the real
inbox path, no broker), with a fixed clock; test_invitations.py has the real-broker test."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from services.surveys.models import invitations
from shared.events import ComplaintResolved, SurveyInvitationCreated, new_event
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
    (sub,) = api.subscriptions  # what create_app built, with its clock
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
