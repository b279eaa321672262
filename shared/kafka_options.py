"""The connection options every Kafka client of a service shares: security (TLS, SASL).

One function, used by the producer (``shared.kafka.KafkaBus``), every consumer
(``shared.consumer.EventConsumer``) and the admin client (``shared.broker.ensure_topics``), so
that the three connect the same way. Bootstrap servers, client ids and timeouts stay with each
client. The settings have already refused inconsistent combinations
(``ServiceSettings._check_kafka_security``).
"""

from __future__ import annotations

import ssl
from typing import Any

from aiokafka.helpers import create_ssl_context

from shared.settings import ServiceSettings


def kafka_ssl_context(settings: ServiceSettings) -> ssl.SSLContext:
    """A client TLS context: verifies the broker (the CA file, else the system's CAs) and its
    host name, and presents the client certificate when one is configured."""
    s = settings
    context: ssl.SSLContext = create_ssl_context(
        cafile=s.kafka_ssl_cafile,
        certfile=s.kafka_ssl_certfile,
        keyfile=s.kafka_ssl_keyfile,
        # Never OpenSSL's interactive prompt for an encrypted key (it would block a container):
        # an unencrypted key ignores the password, an encrypted one fails with an error.
        password="" if s.kafka_ssl_certfile is not None else None,
    )
    return context


def kafka_client_options(settings: ServiceSettings) -> dict[str, Any]:
    """Keyword arguments for ``AIOKafkaProducer``, ``AIOKafkaConsumer`` and
    ``AIOKafkaAdminClient``: ``security_protocol`` always, ``ssl_context`` for SSL and
    SASL_SSL, ``sasl_*`` for SASL_PLAINTEXT and SASL_SSL. A new TLS context on every call, so
    a reconnecting client reads rotated certificate files."""
    s = settings
    protocol = s.kafka_security_protocol
    options: dict[str, Any] = {"security_protocol": protocol}
    if protocol in {"SSL", "SASL_SSL"}:
        options["ssl_context"] = kafka_ssl_context(s)
    if protocol in {"SASL_PLAINTEXT", "SASL_SSL"}:
        assert s.kafka_sasl_password is not None  # the settings require it for SASL_*
        options["sasl_mechanism"] = s.kafka_sasl_mechanism
        options["sasl_plain_username"] = s.kafka_sasl_username
        options["sasl_plain_password"] = s.kafka_sasl_password.get_secret_value()
    return options
