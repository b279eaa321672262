"""``suara-kpi rebuild``: replay every topic from the beginning into fresh tables, swap them in.

1. Fresh copies of the projection tables (``models.PROJECTION``) are created under a new name
   (``kpi_cells__r<id>``...).
2. Every partition of ``suara.complaints``, ``suara.surveys`` and ``suara.notifications`` is
   read from its first offset to its end, without a consumer group (the live consumer's offsets
   are not touched). Events are folded in memory by the very code the live consumer runs
   (``domain.batch.Folder``), duplicates dropped by event id, and written in large batches —
   never a transaction per event.
3. The swap, in one transaction that first takes the projection's write lock (PostgreSQL:
   ``LOCK TABLE kpi_applied IN EXCLUSIVE MODE``, which every live handler needs first; SQLite:
   the database's write lock): the events published meanwhile are read and folded (the topics'
   new end offsets), then the live tables are renamed away, the fresh ones renamed in, and the
   old ones dropped. A live handler waits for the swap, then finds in the new ``kpi_applied``
   whether the rebuild already counted its event: nothing is counted twice or lost, whether the
   service runs during the rebuild or not.

Targets, their audit trail and the published target misses are not projection data: they stay
(a rebuild never publishes a miss again).
"""

from __future__ import annotations

import gc
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from pydantic import ValidationError
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.kpi import models, repository
from services.kpi.consumers import PROJECTED, TOPICS
from services.kpi.domain.batch import Batch, Folder
from services.kpi.domain.projection import ComplaintState, rollup
from services.kpi.repository import Tables, insert_applied
from services.kpi.settings import KpiSettings
from services.kpi.writer import skm_rows, write_batch
from shared.db import create_engine, is_sqlite
from shared.events import AnyEvent, ComplaintEvent, UnknownEventType, parse_event
from shared.events.envelope import peek_type
from shared.kafka_options import kafka_client_options
from shared.topics import topic_name

log = structlog.get_logger(__name__)
PROJECTED_TYPES = frozenset(p.event_type for p in PROJECTED)
FLUSH_CELLS = 1_500_000  # in-memory cells before an intermediate write


@dataclass(frozen=True)
class RebuildResult:
    messages: int
    folded: int
    duplicates: int
    unparseable: int
    caught_up: int
    seconds: float

    @property
    def events_per_s(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0


def _create_indexes(sync: Any, indexes: list[Any]) -> None:
    for index in indexes:
        index.create(sync)


def fresh_tables(generation: str) -> tuple[MetaData, Tables]:
    md = MetaData()
    copies = {t.name: t.to_metadata(md, name=f"{t.name}__{generation}")
              for t in models.PROJECTION}
    for copy in copies.values():  # index names are global in a SQLite or PostgreSQL schema
        for index in copy.indexes:
            index.name = f"{index.name}__{generation}"  # type: ignore[assignment]
    m = {name.removeprefix("kpi_"): t for name, t in copies.items()}
    return md, Tables(cells=m["cells"], complaints=m["complaints"], applied=m["applied"],
                      agencies=m["agencies"], categories=m["categories"], skm=m["skm"])


class _Replay:
    """The in-memory side of a rebuild: folded state, seen ids, and the writes."""

    def __init__(self, settings: KpiSettings, tables: Tables) -> None:
        self.folder = Folder(calendar=settings.working_calendar(), zone=settings.zone)
        self.tables = tables
        self.batch = Batch()
        self.states: dict[str, ComplaintState] = {}
        self.seen: set[str] = set()
        self.pending_ids: list[str] = []
        self.written_once = False
        self.messages = self.folded = self.duplicates = self.unparseable = 0

    def feed(self, raw: bytes | None) -> None:
        self.messages += 1
        if raw is None:
            return
        try:
            event_type = peek_type(raw)
            if event_type not in PROJECTED_TYPES:
                return
            event: AnyEvent = parse_event(raw, event_type)
        except (ValidationError, UnknownEventType, ValueError):
            self.unparseable += 1  # the live consumer dead-letters it: it counts nowhere
            return
        if event.id in self.seen:
            self.duplicates += 1
            return
        self.seen.add(event.id)
        self.pending_ids.append(event.id)
        data = event.data
        state = self.states.get(data.complaint_id) if isinstance(data, ComplaintEvent) else None
        self.folder.fold(self.batch, event, state)
        if isinstance(data, ComplaintEvent):
            self.states[data.complaint_id] = self.batch.complaints[data.complaint_id]
        self.folded += 1

    @property
    def full(self) -> bool:
        return len(self.batch.cells) >= FLUSH_CELLS

    async def write(self, conn: AsyncConnection, *, final: bool) -> None:
        """Write what was folded since the last write: cells and tallies add up (plain INSERTs
        the first time), the complaints' states once at the end, when every event of each
        complaint is in."""
        t, fresh = self.tables, not self.written_once
        await repository.add_cells(conn, rollup(self.batch.cells), t, fresh=fresh)
        await repository.add_skm(conn, skm_rows(self.batch), t, fresh=fresh)
        for values in self.batch.agencies.values():
            await repository.upsert_versioned(conn, t.agencies, "agency_id", values)
        for values in self.batch.categories.values():
            await repository.upsert_versioned(conn, t.categories, "category_code", values)
        if final:
            await repository.insert_complaints(conn, self.states.values(), t)
        await insert_applied(conn, self.pending_ids, t)
        self.pending_ids = []
        self.batch.clear()
        self.written_once = True


async def _partitions(consumer: AIOKafkaConsumer, topics: Iterable[str]) -> list[TopicPartition]:
    out = []
    for topic in topics:
        parts = consumer.partitions_for_topic(topic)
        if parts is None:
            await consumer._client.force_metadata_update()
            parts = consumer.partitions_for_topic(topic) or set()
        out += [TopicPartition(topic, p) for p in sorted(parts)]
    return out


async def _read_to_end(consumer: AIOKafkaConsumer, partitions: list[TopicPartition],
                       replay: _Replay, engine: AsyncEngine | None = None) -> int:
    """Read every partition to its end; returns the messages read. The end is the listed end
    offset and the high watermark of the fetch responses (the local broker, Tansu, lists end
    offsets below the real ones: the fetches' high watermark is right on both)."""
    listed = await consumer.end_offsets(partitions)
    read = 0
    pending = set(partitions)
    while pending:
        batches = await consumer.getmany(*pending, timeout_ms=300, max_records=20_000)
        for records in batches.values():
            for record in records:
                replay.feed(record.value)
            read += len(records)
        for tp in list(pending):
            position, high = await consumer.position(tp), consumer.highwater(tp)
            if not batches.get(tp) and position >= listed[tp] and (high is None
                                                                   or position >= high):
                pending.discard(tp)
        if replay.full and engine is not None:
            async with engine.begin() as conn:
                await replay.write(conn, final=False)
    return read


async def rebuild(settings: KpiSettings, *, engine: AsyncEngine | None = None) -> RebuildResult:
    """Rebuild the projection from the topics (see the module's docstring)."""
    started = time.perf_counter()
    # the fold makes millions of small tuples and lists, none of them cyclic: the collector's
    # passes over the growing heap took a quarter of its time
    collecting = gc.isenabled()
    gc.disable()
    try:
        return await _rebuild(settings, engine, started)
    finally:
        if collecting:
            gc.enable()


async def _rebuild(settings: KpiSettings, engine: AsyncEngine | None,
                   started: float) -> RebuildResult:
    own_engine = engine is None
    engine = engine or create_engine(settings.database_url)
    generation = "r" + uuid.uuid4().hex[:10]
    md, tables = fresh_tables(generation)
    replay = _Replay(settings, tables)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap, group_id=None, enable_auto_commit=False,
        client_id=f"{settings.kafka_client_id}-rebuild", fetch_max_wait_ms=100,
        max_partition_fetch_bytes=8 * 1024 * 1024, fetch_max_bytes=64 * 1024 * 1024,
        request_timeout_ms=max(settings.kafka_request_timeout_ms, 10_000),
        **kafka_client_options(settings))
    try:
        # secondary indexes are built after the bulk write (faster than maintaining them)
        indexes = [index for table in md.tables.values() for index in table.indexes]
        for table in md.tables.values():
            table.indexes.clear()
        async with engine.begin() as conn:
            await conn.run_sync(md.create_all)
        await consumer.start()
        partitions = await _partitions(
            consumer, [topic_name(t, settings.topic_prefix) for t in TOPICS])
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        await _read_to_end(consumer, partitions, replay, engine)
        read_s = time.perf_counter() - started
        async with engine.begin() as conn:
            await replay.write(conn, final=True)
            await conn.run_sync(_create_indexes, indexes)
        log.info("kpi.rebuild_read", seconds=round(read_s, 2),
                 written_s=round(time.perf_counter() - started - read_s, 2))
        async with engine.begin() as conn:
            await repository.lock_projection(conn)
            caught_up = await _read_to_end(consumer, partitions, replay)
            if caught_up:
                await _write_catch_up(conn, replay)
            await repository.swap_projection(conn, generation)
    except BaseException:
        async with engine.begin() as conn:
            await conn.run_sync(lambda sync: md.drop_all(sync, checkfirst=True))
        raise
    finally:
        await consumer.stop()
        if own_engine:
            await engine.dispose()
    result = RebuildResult(replay.messages, replay.folded, replay.duplicates,
                           replay.unparseable, caught_up, time.perf_counter() - started)
    log.info("kpi.rebuilt", messages=result.messages, folded=result.folded,
             duplicates=result.duplicates, caught_up=caught_up,
             seconds=round(result.seconds, 2), sqlite=is_sqlite(engine))
    return result


async def _write_catch_up(conn: AsyncConnection, replay: _Replay) -> None:
    """The events published during the rebuild: their complaints' states are upserted."""
    touched = set(replay.batch.complaints)
    replay.batch.complaints = {cid: replay.states[cid] for cid in touched}
    await write_batch(conn, replay.batch, replay.tables, fresh=False)
    await insert_applied(conn, replay.pending_ids, replay.tables)
    replay.pending_ids = []
    replay.batch.clear()


def describe(result: RebuildResult) -> dict[str, Any]:
    return {"messages": result.messages, "folded": result.folded,
            "duplicates": result.duplicates, "unparseable": result.unparseable,
            "caught_up": result.caught_up, "seconds": round(result.seconds, 3),
            "events_per_s": round(result.events_per_s)}
