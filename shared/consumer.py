"""At-least-once consumption with an inbox, retries and a dead-letter topic.

For each message, in partition order: parse the envelope, then in ONE database transaction
claim the event id in the inbox and run the handler; commit the Kafka offset only after that
transaction committed. A crash anywhere redelivers the message; the inbox makes the redelivery
a no-op. A handler that raises is retried with backoff; after ``consumer_max_attempts`` the
message goes to ``<topic>.dlq`` with the error in its headers and consumption goes on. A
message that cannot be parsed is dead-lettered at once (retrying cannot fix it). Infrastructure
errors (database or broker unreachable) are retried without limit and never dead-letter: they
are not the message's fault.

Rebalances: processing holds a lock for a whole batch, and ``on_partitions_revoked`` takes the
same lock before committing, so the offsets of everything handled are committed before a
partition moves to another member.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError
from aiokafka.structs import ConsumerRecord, OffsetAndMetadata
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from shared import inbox
from shared.events import AnyEvent, UnknownEventType, parse_event
from shared.events.envelope import peek_type
from shared.kafka import BrokerUnavailable, KafkaBus
from shared.kafka_options import kafka_client_options
from shared.metrics import ServiceMetrics
from shared.settings import ServiceSettings
from shared.topics import Topic, dead_letter_topic
from shared.uow import UnitOfWork, unit_of_work

log = structlog.get_logger(__name__)

EventHandler = Callable[[UnitOfWork, AnyEvent], Awaitable[None]]
TRANSIENT = (OperationalError, InterfaceError, DisconnectionError, OSError, TimeoutError,
             BrokerUnavailable, KafkaError)


@dataclass(frozen=True)
class Subscription:
    """A consumer group of a service: the topics it reads and a handler per event type."""

    name: str
    topics: tuple[Topic, ...]
    handlers: Mapping[str, EventHandler]


@dataclass(frozen=True)
class Handled:
    """What handling one event did: ``handled``, or ``duplicate`` (the inbox had it), and the
    events the handler published (in the outbox, committed with the claim)."""

    outcome: Literal["handled", "duplicate"]
    published: tuple[AnyEvent, ...] = ()


async def handle_event(engine: AsyncEngine, *, source: str, consumer: str,
                       handler: EventHandler, event: AnyEvent) -> Handled:
    """Claim ``event`` in ``consumer``'s inbox and run ``handler`` in the same transaction:
    both commit or neither does. What every consumer does with a parsed message, and what
    ``shared.testing`` does to hand an event straight to a handler."""
    async with unit_of_work(engine, source) as uow:
        fresh = await inbox.claim(uow.conn, consumer=consumer, event_id=event.id,
                                  event_type=event.type)
        if not fresh:
            return Handled("duplicate")
        await handler(uow, event)
    return Handled("handled", tuple(uow.published))


class _Poison(Exception):
    """The message can never be handled (unparseable): dead-letter it at once."""


def describe_error(exc: BaseException) -> str:
    """An error's type and message, without echoing input values (they may be personal)."""
    if isinstance(exc, ValidationError):
        locs = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['type']}" for e in exc.errors())
        return f"ValidationError: {locs}"[:1000]
    if isinstance(exc, DBAPIError):
        return f"{type(exc).__name__}: {type(exc.orig).__name__}"
    return f"{type(exc).__name__}: {exc}"[:1000]


class EventConsumer:
    def __init__(self, *, subscription: Subscription, settings: ServiceSettings,
                 engine: AsyncEngine, bus: KafkaBus, metrics: ServiceMetrics,
                 after_commit: Callable[[], None] = lambda: None) -> None:
        self.sub = subscription
        self._s = settings
        self._engine = engine
        self._bus = bus
        self._metrics = metrics
        self._after_commit = after_commit
        self.group_id = f"{settings.consumer_group}.{subscription.name}"
        self._consumer: AIOKafkaConsumer | None = None
        self._lock = asyncio.Lock()
        self._done: dict[TopicPartition, int] = {}  # next offset to commit, per partition
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.connected = False
        self._m_labels = {"service": metrics.service, "consumer": subscription.name}

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"consumer-{self.sub.name}")

    async def stop(self) -> None:
        """Finish the message in hand, commit what was handled, leave the group."""
        self._stopping.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def _run(self) -> None:
        backoff = 0.5
        while not self._stopping.is_set():
            try:
                await self._connect()
                backoff = 0.5
                await self._loop()
            except TRANSIENT as exc:
                self.connected = False
                log.warning("consumer.connection_lost", consumer=self.group_id,
                            error=describe_error(exc), retry_in=backoff)
                await self._close()
                await self._sleep(backoff)
                backoff = min(backoff * 2, 30.0)
        await self._close()

    async def _connect(self) -> None:
        s = self._s
        consumer = AIOKafkaConsumer(
            bootstrap_servers=s.kafka_bootstrap,
            group_id=self.group_id,
            client_id=f"{s.kafka_client_id}-{self.sub.name}",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=s.kafka_fetch_max_wait_ms,
            max_poll_records=s.consumer_max_batch,
            request_timeout_ms=max(s.kafka_request_timeout_ms, 10_000),
            session_timeout_ms=s.kafka_session_timeout_ms,
            heartbeat_interval_ms=max(500, s.kafka_session_timeout_ms // 3),
            **kafka_client_options(s),
        )
        consumer.subscribe([self._bus.topic(t) for t in self.sub.topics],
                           listener=_CommitOnRevoke(self))
        try:
            await consumer.start()
        except BaseException:
            await consumer.stop()
            raise
        self._consumer = consumer
        self.connected = True
        log.info("consumer.started", consumer=self.group_id, topics=list(self.sub.topics))

    async def _close(self) -> None:
        consumer = self._consumer
        self.connected = False
        if consumer is None:
            return
        try:  # what was handled since the last commit, before leaving the group
            async with self._lock:
                await self._commit()
        except (KafkaError, OSError) as exc:
            log.warning("consumer.final_commit_failed", consumer=self.group_id,
                        error=describe_error(exc))
        self._consumer = None
        try:
            await consumer.stop()
        except (KafkaError, OSError) as exc:
            log.warning("consumer.stop_failed", consumer=self.group_id, error=describe_error(exc))

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._stopping.wait(), seconds)
        except TimeoutError:
            pass

    # -- the loop --------------------------------------------------------------------------

    async def _loop(self) -> None:
        assert self._consumer is not None
        while not self._stopping.is_set():
            batches = await self._consumer.getmany(timeout_ms=500,
                                                   max_records=self._s.consumer_max_batch)
            if not batches:
                continue
            async with self._lock:
                for tp, records in batches.items():
                    for record in records:
                        if self._stopping.is_set():
                            break
                        await self._process(record)
                        self._done[tp] = record.offset + 1
                await self._commit()

    async def _commit(self, partitions: frozenset[TopicPartition] | None = None) -> None:
        """Commit the handled offsets (of ``partitions``, or all). Caller holds the lock."""
        if self._consumer is None:
            return
        offsets = {tp: OffsetAndMetadata(off, "") for tp, off in self._done.items()
                   if partitions is None or tp in partitions}
        if not offsets:
            return
        try:
            await self._consumer.commit(offsets)
        except CommitFailedError as exc:
            # the group moved on: these messages will be redelivered, and the inbox skips them
            log.warning("consumer.commit_failed", consumer=self.group_id, error=str(exc))
        for tp in offsets:
            self._done.pop(tp, None)

    # -- one message -----------------------------------------------------------------------

    async def _process(self, record: ConsumerRecord) -> None:
        if record.value is None:
            return
        try:
            event_type = peek_type(record.value)
        except ValidationError as exc:
            await self._dead_letter(record, exc, attempts=1)
            return
        handler = self.sub.handlers.get(event_type)
        if handler is None:
            self._metrics.consumed.labels(**self._m_labels, outcome="ignored").inc()
            return
        attempts = 0
        while True:
            attempts += 1
            try:
                outcome = await self._handle_once(record, handler, event_type)
            except TRANSIENT:
                raise  # the caller reconnects; the offset is not committed
            except Exception as exc:  # noqa: BLE001 - a decision: retry, then dead-letter
                self._metrics.handler_failures.labels(**self._m_labels).inc()
                poison = isinstance(exc, _Poison)
                cause = exc.__cause__ if poison and exc.__cause__ else exc
                if poison or attempts >= self._s.consumer_max_attempts:
                    await self._dead_letter(record, cause, attempts=attempts)
                    return
                log.warning("consumer.handler_failed", consumer=self.group_id,
                            event_type=event_type, attempt=attempts, error=describe_error(exc))
                await asyncio.sleep(self._s.consumer_retry_backoff_s * 2 ** (attempts - 1))
                continue
            self._metrics.consumed.labels(**self._m_labels, outcome=outcome).inc()
            return

    async def _handle_once(self, record: ConsumerRecord, handler: EventHandler,
                           event_type: str) -> str:
        try:
            event = parse_event(record.value, event_type)
        except (ValidationError, UnknownEventType, ValueError) as exc:
            raise _Poison(describe_error(exc)) from exc
        handled = await handle_event(self._engine, source=self._s.source_uri,
                                     consumer=self.group_id, handler=handler, event=event)
        if handled.published:
            self._after_commit()
        return handled.outcome

    async def _dead_letter(self, record: ConsumerRecord, exc: BaseException,
                           attempts: int) -> None:
        error = describe_error(exc)
        target = dead_letter_topic(record.topic)
        headers = [
            *(record.headers or ()),
            ("suara-dlq-error", error.encode()),
            ("suara-dlq-consumer", self.group_id.encode()),
            ("suara-dlq-topic", record.topic.encode()),
            ("suara-dlq-partition", str(record.partition).encode()),
            ("suara-dlq-offset", str(record.offset).encode()),
            ("suara-dlq-attempts", str(attempts).encode()),
            ("suara-dlq-at", datetime.now(UTC).isoformat().encode()),
        ]
        started = time.monotonic()
        while True:  # the offset moves on only once the dead letter is safely stored
            try:
                producer = await self._bus.producer()
                await producer.send_and_wait(target, value=record.value, key=record.key,
                                             headers=headers)
                break
            except (BrokerUnavailable, KafkaError, OSError) as exc2:
                if self._stopping.is_set():
                    raise
                log.warning("consumer.dead_letter_retry", consumer=self.group_id,
                            error=describe_error(exc2),
                            waited_s=round(time.monotonic() - started, 1))
                await asyncio.sleep(1.0)
        self._metrics.dead_lettered.labels(**self._m_labels).inc()
        log.error("consumer.dead_lettered", consumer=self.group_id, topic=record.topic,
                  partition=record.partition, offset=record.offset, attempts=attempts,
                  error=error)


class _CommitOnRevoke(ConsumerRebalanceListener):  # type: ignore[misc]  # aiokafka: untyped
    def __init__(self, owner: EventConsumer) -> None:
        self._owner = owner

    async def on_partitions_revoked(self, revoked: frozenset[TopicPartition]) -> None:
        async with self._owner._lock:  # wait for the batch in hand, then commit its offsets
            await self._owner._commit(frozenset(revoked))

    async def on_partitions_assigned(self, assigned: frozenset[TopicPartition]) -> None:
        return None
