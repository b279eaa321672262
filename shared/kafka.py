"""The Kafka producer shared by a service's outbox relay and its dead-letter publishing.

The producer is started lazily and restarted with backoff: a service starts (and serves HTTP,
and keeps writing its outbox) while the broker is down; events wait in the outbox until the
broker is back. ``acks=all`` always; the idempotent producer only where the broker supports it
(``SUARA_KAFKA_ENABLE_IDEMPOTENCE``: Apache Kafka does, Tansu, the local broker, does not).
Connection security (TLS, SASL) comes from ``shared.kafka_options``, as for every Kafka client.
"""

from __future__ import annotations

import asyncio
import time

import structlog
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from shared.kafka_options import kafka_client_options
from shared.settings import ServiceSettings
from shared.topics import topic_name

log = structlog.get_logger(__name__)

MAX_BATCH_BYTES = 256 * 1024  # measured: ~80 000 1 KB messages/s to the local broker


class BrokerUnavailable(RuntimeError):
    """The producer could not be started or lost the broker."""


class KafkaBus:
    def __init__(self, settings: ServiceSettings, *, idempotence: bool | None = None) -> None:
        """``idempotence``: ``None`` (the default) follows ``settings.kafka_enable_idempotence``;
        ``True``/``False`` overrides it (tests, benchmarks)."""
        self._settings = settings
        self._idempotence = (settings.kafka_enable_idempotence if idempotence is None
                             else idempotence)
        self._producer: AIOKafkaProducer | None = None
        self._lock = asyncio.Lock()
        self._last_ok = 0.0
        self._last_error: str | None = "not connected yet"

    def topic(self, logical: str) -> str:
        """The physical name of a logical topic (the settings' prefix applied)."""
        return topic_name(logical, self._settings.topic_prefix)

    async def producer(self) -> AIOKafkaProducer:
        """The started producer; starts it on first use. Raises ``BrokerUnavailable``."""
        if self._producer is not None:
            return self._producer
        async with self._lock:
            if self._producer is None:
                s = self._settings
                try:  # the TLS context reads the certificate files: a bad file is an outage
                    security = kafka_client_options(s)
                except OSError as exc:
                    self.mark_failed(exc)
                    raise BrokerUnavailable(str(exc)) from exc
                producer = AIOKafkaProducer(
                    bootstrap_servers=s.kafka_bootstrap,
                    client_id=s.kafka_client_id,
                    acks="all",
                    enable_idempotence=self._idempotence,
                    linger_ms=2,
                    max_batch_size=MAX_BATCH_BYTES,
                    request_timeout_ms=s.kafka_request_timeout_ms,
                    retry_backoff_ms=200,
                    **security,
                )
                try:
                    await producer.start()
                except (KafkaError, OSError) as exc:
                    await _quietly_stop(producer)
                    self.mark_failed(exc)
                    raise BrokerUnavailable(str(exc)) from exc
                self._producer = producer
                self.mark_ok()
                log.info("kafka.producer_started", bootstrap=s.kafka_bootstrap,
                         security_protocol=s.kafka_security_protocol,
                         idempotence=self._idempotence)
        return self._producer

    def mark_ok(self) -> None:
        self._last_ok = time.monotonic()
        self._last_error = None

    def mark_failed(self, exc: BaseException) -> None:
        self._last_error = f"{type(exc).__name__}: {exc}"[:300]

    async def check(self, timeout: float = 2.0) -> str | None:
        """``None`` when the broker answers a metadata request, else the reason it does not."""
        try:
            producer = await asyncio.wait_for(self.producer(), timeout)
            await asyncio.wait_for(producer.client.fetch_all_metadata(), timeout)
        except (TimeoutError, BrokerUnavailable, KafkaError, OSError) as exc:
            reason = self._last_error if isinstance(exc, BrokerUnavailable) else repr(exc)
            return f"broker unreachable: {reason or type(exc).__name__}"
        self.mark_ok()
        return None

    async def close(self) -> None:
        async with self._lock:
            if self._producer is not None:
                await _quietly_stop(self._producer)
                self._producer = None


async def _quietly_stop(producer: AIOKafkaProducer) -> None:
    try:
        await producer.stop()
    except (KafkaError, OSError) as exc:  # stopping a half-started client; nothing to lose
        log.warning("kafka.producer_stop_failed", error=str(exc))
