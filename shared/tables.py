"""The bus's own tables, present in every service's database (migration ``bus_0001``)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    text,
)

from shared.types import UtcDateTime

bus_metadata = MetaData()

#: Events waiting to be published. ``id`` gives the publication order; the relay publishes the
#: rows of one key in ``id`` order. ``payload`` is the whole CloudEvents envelope, as sent.
outbox = Table(
    "outbox",
    bus_metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("event_id", String(64), nullable=False, unique=True),
    Column("topic", String(200), nullable=False),
    Column("key", String(200), nullable=False),
    Column("event_type", String(200), nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("sent_at", UtcDateTime(), nullable=True),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("last_error", Text, nullable=True),
    Index("ix_outbox_unsent", "id", sqlite_where=text("sent_at IS NULL"),
          postgresql_where=text("sent_at IS NULL")),
    Index("ix_outbox_unsent_key", "topic", "key", "id", sqlite_where=text("sent_at IS NULL"),
          postgresql_where=text("sent_at IS NULL")),
    Index("ix_outbox_sent_at", "sent_at"),
)

#: The inbox: one row per (consumer group, event id) already handled, written in the handler's
#: own transaction, so a redelivered event is recognised and skipped.
processed_events = Table(
    "processed_events",
    bus_metadata,
    Column("consumer", String(200), primary_key=True),
    Column("event_id", String(64), primary_key=True),
    Column("event_type", String(200), nullable=False),
    Column("processed_at", UtcDateTime(), nullable=False),
)
