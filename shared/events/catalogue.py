"""The complaints service's catalogue, published for the services that keep a copy of it.

The complaints service owns the agencies (*instansi*, in a hierarchy) and the categories a
complaint can be about. The KPI service rolls figures up the agency tree and names agencies and
categories on its public pages; the surveys service names agencies in its reports; webhook
subscribers may mirror the catalogue. None of them reads the complaints database: each keeps
its own copy, fed by these events (event-carried state transfer: every event holds the whole
entity, so a consumer upserts it and needs nothing else).

They travel on ``suara.complaints`` (the catalogue's owner), keyed by the agency id or the
category code, so one entity's changes stay in order. ``revision`` counts the entity's versions
(1 when created): a consumer that sees a revision lower than the one it holds may ignore it.
No personal data: an agency's notification address is contact data and stays in the
complaints service.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, Field

from shared.events.complaints import Code, ComplexityClass
from shared.events.envelope import EventPayload
from shared.topics import Topic

Id = Annotated[str, Field(min_length=1, max_length=64)]
Name = Annotated[str, Field(min_length=1, max_length=200)]


class AgencyEvent(EventPayload):
    """Base of the agency events (abstract: registers no type). The whole agency."""

    topic = Topic.COMPLAINTS
    key_field = "agency_id"

    agency_id: Id = Field(description="The agency.")
    parent_id: Id | None = Field(
        None, description="The agency it belongs to (a regional government above its units); "
        "None at the top of the tree.")
    kind: Literal["ministry", "regional", "unit"] = Field(
        description="ministry, regional government or service unit.")
    name_id: Name = Field(description="Name in Bahasa Indonesia.")
    name_en: Name = Field(description="Name in English.")
    revision: int = Field(ge=1, description="The agency's version: 1 when created, +1 a change.")
    occurred_at: AwareDatetime = Field(description="When it was created or changed.")


class AgencyCreated(AgencyEvent):
    """An agency was added to the catalogue."""

    event_type = "agency.created.v1"


class AgencyChanged(AgencyEvent):
    """An agency's parent, kind or names changed (the event holds the new state)."""

    event_type = "agency.changed.v1"


class CategoryEvent(EventPayload):
    """Base of the category events (abstract: registers no type). The whole category."""

    topic = Topic.COMPLAINTS
    key_field = "category_code"

    category_code: Code = Field(description="The category (Open311 service_code).")
    agency_id: Id = Field(description="The agency responsible for complaints in it.")
    name_id: Name = Field(description="Name in Bahasa Indonesia.")
    name_en: Name = Field(description="Name in English.")
    complexity: ComplexityClass = Field(description="Default complexity class of its complaints.")
    integrity: bool = Field(
        False, description="The category concerns integrity or ethics of staff (extortion, "
        "bribery, misconduct): counted apart by the KPI service.")
    active: bool = Field(True, description="False once retired: no new complaints in it.")
    revision: int = Field(ge=1, description="The category's version: 1 when created, +1 a "
                          "change.")
    occurred_at: AwareDatetime = Field(description="When it was created or changed.")


class CategoryCreated(CategoryEvent):
    """A category was added to the catalogue."""

    event_type = "category.created.v1"


class CategoryChanged(CategoryEvent):
    """A category's agency, names, complexity, integrity flag or activity changed."""

    event_type = "category.changed.v1"
