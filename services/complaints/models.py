"""The complaints service's tables (SQLAlchemy Core; mirrored by migration complaints_0001)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    false,
    literal_column,
)
from sqlalchemy.sql.elements import ColumnClause

from shared.types import UtcDateTime

metadata = MetaData()
TS = UtcDateTime()

#: Title and description as one text-search document (PostgreSQL's Indonesian snowball
#: stemmer: ``pelayanan`` finds ``layanan``), written as PostgreSQL prints it back, so that the
#: GIN index below, the migration that builds it and the queries that must match it for the
#: planner to use it (repository.search_clause) are one string.
SEARCH_DOCUMENT: ColumnClause[Any] = literal_column(
    "to_tsvector('indonesian'::regconfig, (title::text || ' '::text) || description)")

#: Agencies (instansi) in a hierarchy: ministry / regional government / unit.
agencies = Table(
    "agencies", metadata,
    Column("id", String(64), primary_key=True),
    Column("name_id", String(200), nullable=False),
    Column("name_en", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("parent_id", String(64), ForeignKey("agencies.id"), nullable=True),
    Column("created_at", TS, nullable=False),
    #: where SLA warnings (a daily digest) and breaches (at once) for its complaints go
    Column("notification_email", String(254), nullable=True),
    #: the agency's version (1 when created, +1 a change) and the one last put in the outbox
    #: (NULL: never announced; ``catalogue.announce_pending`` publishes it at start)
    Column("revision", Integer, nullable=False, server_default="1"),
    Column("announced_revision", Integer, nullable=True),
    Column("changed_at", TS, nullable=True),  # NULL: never changed since created_at
)

#: The service catalogue: what a complaint can be about, and who is responsible for it.
categories = Table(
    "categories", metadata,
    Column("code", String(64), primary_key=True),
    Column("agency_id", String(64), ForeignKey("agencies.id"), nullable=False),
    Column("name_id", String(200), nullable=False),
    Column("name_en", String(200), nullable=False),
    Column("description_id", Text, nullable=False, server_default=""),
    Column("description_en", Text, nullable=False, server_default=""),
    Column("complexity", String(10), nullable=False),
    Column("keywords", JSON, nullable=False),
    Column("attributes", JSON, nullable=False),  # Open311 attribute definitions
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("created_at", TS, nullable=False),
    #: integrity or ethics of staff (extortion, bribery): counted apart by the KPI service
    Column("integrity", Boolean, nullable=False, server_default=false()),
    Column("revision", Integer, nullable=False, server_default="1"),
    Column("announced_revision", Integer, nullable=True),
    Column("changed_at", TS, nullable=True),  # NULL: never changed since created_at
)

complaints = Table(
    "complaints", metadata,
    Column("id", String(64), primary_key=True),
    Column("tracking_code", String(32), nullable=False, unique=True),
    Column("token_hash", String(64), nullable=False),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("category_code", String(64), ForeignKey("categories.code"), nullable=False),
    Column("agency_id", String(64), nullable=False),  # the agency handling it now
    Column("agency_chain", JSON, nullable=False),  # every agency it was forwarded to, in order
    Column("status", String(20), nullable=False),
    Column("privacy", String(20), nullable=False),
    Column("private", Boolean, nullable=False),
    Column("channel", String(20), nullable=False),
    Column("locale", String(2), nullable=False),
    Column("lat", Float, nullable=True),
    Column("long", Float, nullable=True),
    Column("address", String(500), nullable=True),
    Column("region_code", String(16), nullable=True),
    Column("attributes", JSON, nullable=False),
    # the reporter: NULL for anonymous reports; never shown to officers when confidential
    Column("reporter_name", String(200), nullable=True),
    Column("reporter_email", String(320), nullable=True),
    Column("reporter_phone", String(32), nullable=True),
    Column("reporter_push_token", String(4096), nullable=True),
    #: when the contact above was erased, ``contact_retention_days`` after a terminal status
    Column("contact_erased_at", TS, nullable=True),
    Column("complexity", String(10), nullable=False),
    Column("filed_at", TS, nullable=False),
    Column("verify_by", TS, nullable=False),
    Column("forward_by", TS, nullable=False),
    Column("first_response_by", TS, nullable=False),
    Column("resolve_by", TS, nullable=False),
    Column("first_responded_at", TS, nullable=True),
    Column("auto_close_at", TS, nullable=True),
    Column("resolved_at", TS, nullable=True),
    Column("reopen_until", TS, nullable=True),
    Column("resolutions", Integer, nullable=False, server_default="0"),
    Column("rejection", String(20), nullable=True),
    Column("duplicate_of", String(64), nullable=True),
    Column("escalated", JSON, nullable=False),  # milestones whose deadline was breached
    Column("updated_at", TS, nullable=False),
    Index("ix_complaints_agency_status", "agency_id", "status", "filed_at"),
    Index("ix_complaints_filed_at", "filed_at"),
    Index("ix_complaints_status_filed", "status", "filed_at"),
    Index("ix_complaints_search", SEARCH_DOCUMENT,
          postgresql_using="gin").ddl_if(dialect="postgresql"),
)


#: Public replies (the citizen sees them) and internal notes (staff only), in one timeline.
messages = Table(
    "complaint_messages", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("complaint_id", String(64), ForeignKey("complaints.id"), nullable=False),
    Column("at", TS, nullable=False),
    Column("author_role", String(20), nullable=False),
    Column("author_id", String(200), nullable=False),
    Column("visibility", String(10), nullable=False),
    Column("body", Text, nullable=False),
    Index("ix_messages_complaint", "complaint_id", "id"),
)

#: Every lifecycle step: who, when, from, to, note.
audit = Table(
    "complaint_audit", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("complaint_id", String(64), ForeignKey("complaints.id"), nullable=False),
    Column("at", TS, nullable=False),
    Column("action", String(20), nullable=False),
    Column("actor_role", String(20), nullable=False),
    Column("actor_id", String(200), nullable=False),
    Column("from_status", String(20), nullable=True),
    Column("to_status", String(20), nullable=False),
    Column("note", Text, nullable=True),
    Index("ix_audit_complaint", "complaint_id", "id"),
)

ratings = Table(
    "complaint_ratings", metadata,
    Column("complaint_id", String(64), ForeignKey("complaints.id"), primary_key=True),
    Column("resolution", Integer, primary_key=True),
    Column("score", Integer, nullable=False),
    Column("comment", Text, nullable=True),
    Column("at", TS, nullable=False),
)

attachments = Table(
    "complaint_attachments", metadata,
    Column("id", String(64), primary_key=True),
    Column("complaint_id", String(64), ForeignKey("complaints.id"), nullable=False),
    Column("url", String(2000), nullable=False),
    Column("media_type", String(100), nullable=False),
    Column("size_bytes", Integer, nullable=False),
    Column("created_at", TS, nullable=False),
    Index("ix_attachments_complaint", "complaint_id"),
)

#: Retried POSTs: the first request's answer, replayed for the same key and body.
idempotency_keys = Table(
    "idempotency_keys", metadata,
    Column("scope", String(200), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("response", JSON, nullable=False),
    Column("created_at", TS, nullable=False),
    Index("ix_idempotency_keys_created_at", "created_at"),  # the purge after the TTL
)

#: Open311 clients' keys, stored hashed.
api_keys = Table(
    "api_keys", metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("created_at", TS, nullable=False),
    Column("revoked_at", TS, nullable=True),
)

#: One row per (complaint, deadline, kind) emitted: the scheduler inserts before emitting, so
#: a warning or breach goes out exactly once, however many replicas scan.
sla_emissions = Table(
    "sla_emissions", metadata,
    Column("complaint_id", String(64), primary_key=True),
    Column("deadline", String(20), primary_key=True),
    Column("kind", String(10), primary_key=True),  # warning | breached
    Column("due_at", TS, primary_key=True),  # a reopen sets a new deadline: a new emission
    Column("emitted_at", TS, nullable=False),
)

#: Each push request's token, hashed: a ``notification.failed`` (invalid_recipient) names only
#: the request's id (a uuid5 that cannot be reversed), and this row leads back to the complaint
#: and tells whether its token is still the one that failed. Purged after ``PUSH_REQUEST_DAYS``.
push_requests = Table(
    "push_requests", metadata,
    Column("notification_id", String(64), primary_key=True),
    Column("complaint_id", String(64), nullable=False),
    Column("token_sha256", String(64), nullable=False),
    Column("created_at", TS, nullable=False),
    Index("ix_push_requests_created_at", "created_at"),
)
