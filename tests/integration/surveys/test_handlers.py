"""The complaint.resolved handler handed events directly (shared.testing.Deliverer: the real
inbox path, no broker), with a fixed clock; test_invitations.py has the real-broker test."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from services.surveys.consumers import subscriptions
from services.surveys.models import invitations
from shared.events import ComplaintResolved, SurveyInvitationCreated, new_event
from shared.testing import Deliverer
from tests.integration.surveys.conftest import make_settings, serve

NOW = datetime(2026, 5, 20, 3, 0, tzinfo=UTC)


def resolved(complaint_id: str, *, when: datetime = NOW) -> ComplaintResolved:
    return ComplaintResolved(complaint_id=complaint_id, agency_id="agency-7",
                             category_code="ktp", occurred_at=when,
                             filed_at=when - timedelta(days=3))


@pytest.fixture
async def clocked(broker, database_url, topic_prefix):
    """The app (no consumer group) whose clock says NOW."""
    settings = make_settings(database_url, broker.bootstrap, topic_prefix)
    async for served in serve(settings, consume=False, clock=lambda: NOW):
        yield served


def deliverer(api) -> Deliverer:
    (sub,) = subscriptions(api.service)
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


async def test_a_handler_that_fails_leaves_nothing_and_no_claim(broker, database_url,
                                                                topic_prefix):
    # production without SUARA_SURVEYS_INVITATION_SECRET: the API serves, the handler fails
    settings = make_settings(database_url, broker.bootstrap, topic_prefix).model_copy(
        update={"environment": "production", "invitation_secret": None})
    async for api in serve(settings, consume=False):
        deliver = deliverer(api)
        event = new_event(resolved(str(uuid.uuid4())), source="/suara/complaints")
        with pytest.raises(RuntimeError, match="INVITATION_SECRET"):
            await deliver(event)
        assert await invitation_count(api) == 0
        assert await api.counts() == (0, 0, 0)  # no outbox row either
        with pytest.raises(RuntimeError):  # not claimed: a redelivery tries again
            await deliver(event)
