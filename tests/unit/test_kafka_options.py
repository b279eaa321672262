"""Kafka connection security and the idempotent producer, from settings (no broker needed).

``shared.kafka_options.kafka_client_options`` builds the keyword arguments shared by the
producer, every consumer and the admin client; the settings refuse combinations that would
connect otherwise than configured. Certificates are generated per test with ``cryptography``.
"""

from __future__ import annotations

import datetime as dt
import ssl
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import SecretStr, ValidationError

import shared.broker
import shared.consumer
from shared.broker import ensure_topics
from shared.consumer import EventConsumer, Subscription
from shared.kafka import KafkaBus
from shared.kafka_options import kafka_client_options
from shared.metrics import ServiceMetrics
from shared.settings import ServiceSettings


class SurveysLike(ServiceSettings):
    """A service's settings class (per-service names SUARA_SURVEYS_*), without the service."""

    service = "surveys"


SASL = {"kafka_sasl_mechanism": "SCRAM-SHA-512", "kafka_sasl_username": "suara-surveys",
        "kafka_sasl_password": "s3cret-pass"}


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("SUARA_") and "KAFKA" in name:
            monkeypatch.delenv(name)


def settings(**kw: Any) -> ServiceSettings:
    return ServiceSettings(environment="test", **kw)


# ----------------------------------------------------------------------------- certificates


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(subject: str, key: ec.EllipticCurvePrivateKey, issuer: str,
          issuer_key: ec.EllipticCurvePrivateKey, *, ca: bool) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    return (x509.CertificateBuilder()
            .subject_name(_name(subject)).issuer_name(_name(issuer))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .sign(issuer_key, hashes.SHA256()))


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A CA, a client certificate signed by it, its key in clear and encrypted."""
    d = tmp_path_factory.mktemp("pki")
    ca_key, client_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(
        ec.SECP256R1())
    ca = _cert("suara-test-ca", ca_key, "suara-test-ca", ca_key, ca=True)
    client = _cert("suara-surveys", client_key, "suara-test-ca", ca_key, ca=False)
    pem = serialization.Encoding.PEM
    files = {
        "ca": ca.public_bytes(pem),
        "cert": client.public_bytes(pem),
        "key": client_key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption()),
        "encrypted_key": client_key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"key-password")),
    }
    paths = {}
    for name, data in files.items():
        paths[name] = d / f"{name}.pem"
        paths[name].write_bytes(data)
    return paths


# ----------------------------------------------------------------------------- the options


def test_default_is_plaintext_without_idempotence() -> None:
    s = settings()
    assert kafka_client_options(s) == {"security_protocol": "PLAINTEXT"}
    assert s.kafka_enable_idempotence is False


@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"])
def test_sasl_plaintext_gives_credentials_and_no_tls(mechanism: str) -> None:
    s = settings(kafka_security_protocol="SASL_PLAINTEXT",
                 **{**SASL, "kafka_sasl_mechanism": mechanism})
    assert kafka_client_options(s) == {
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": mechanism,
        "sasl_plain_username": "suara-surveys",
        "sasl_plain_password": "s3cret-pass",
    }
    assert "s3cret-pass" not in repr(s), "the password stays a SecretStr in the settings"


def test_ssl_without_files_verifies_the_broker_with_the_system_cas() -> None:
    options = kafka_client_options(settings(kafka_security_protocol="SSL"))
    assert set(options) == {"security_protocol", "ssl_context"}
    context = options["ssl_context"]
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


def test_ssl_with_ca_and_client_certificate(pki: dict[str, Path]) -> None:
    s = settings(kafka_security_protocol="SSL", kafka_ssl_cafile=pki["ca"],
                 kafka_ssl_certfile=pki["cert"], kafka_ssl_keyfile=pki["key"])
    options = kafka_client_options(s)
    context = options["ssl_context"]
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] == 1  # our CA, not the system's


def test_sasl_ssl_gives_both(pki: dict[str, Path]) -> None:
    s = settings(kafka_security_protocol="SASL_SSL", kafka_ssl_cafile=pki["ca"], **SASL)
    options = kafka_client_options(s)
    assert options["security_protocol"] == "SASL_SSL"
    assert isinstance(options["ssl_context"], ssl.SSLContext)
    assert options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert options["sasl_plain_password"] == "s3cret-pass"


def test_an_encrypted_key_fails_instead_of_prompting(pki: dict[str, Path]) -> None:
    s = settings(kafka_security_protocol="SSL", kafka_ssl_certfile=pki["cert"],
                 kafka_ssl_keyfile=pki["encrypted_key"])
    with pytest.raises(ssl.SSLError):
        kafka_client_options(s)


def test_each_call_builds_a_fresh_tls_context(pki: dict[str, Path]) -> None:
    s = settings(kafka_security_protocol="SSL", kafka_ssl_cafile=pki["ca"])
    assert kafka_client_options(s)["ssl_context"] is not kafka_client_options(s)["ssl_context"]


@pytest.mark.parametrize("protocol", ["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"])
async def test_every_aiokafka_client_accepts_the_options(protocol: str, pki: dict[str, Path]
                                                         ) -> None:
    kw: dict[str, Any] = dict(SASL) if protocol.startswith("SASL") else {}
    s = settings(kafka_security_protocol=protocol, **kw)
    producer = AIOKafkaProducer(bootstrap_servers="127.0.0.1:1", **kafka_client_options(s))
    consumer = AIOKafkaConsumer(bootstrap_servers="127.0.0.1:1", group_id="g",
                                **kafka_client_options(s))
    admin = AIOKafkaAdminClient(bootstrap_servers="127.0.0.1:1", **kafka_client_options(s))
    try:
        for client in (producer.client, consumer._client, admin._client):
            assert client._security_protocol == protocol
            if protocol.startswith("SASL"):
                assert client._sasl_mechanism == "SCRAM-SHA-512"
    finally:
        await producer.stop()
        await consumer.stop()
        await admin.close()


# ----------------------------------------------------------------------------- the clients


@pytest.mark.parametrize(("setting", "argument", "expected"),
                         [(False, None, False), (True, None, True), (True, False, False),
                          (False, True, True)])
def test_the_producer_idempotence_follows_the_settings(setting: bool, argument: bool | None,
                                                        expected: bool) -> None:
    bus = KafkaBus(settings(kafka_enable_idempotence=setting), idempotence=argument)
    assert bus._idempotence is expected


class _Captured(Exception):
    pass


async def test_the_producer_gets_the_security_options(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    class FakeProducer:
        def __init__(self, **kw: Any) -> None:
            seen.update(kw)
            raise _Captured

    monkeypatch.setattr("shared.kafka.AIOKafkaProducer", FakeProducer)
    s = settings(kafka_security_protocol="SASL_PLAINTEXT", kafka_enable_idempotence=True, **SASL)
    with pytest.raises(_Captured):
        await KafkaBus(s).producer()
    assert seen["enable_idempotence"] is True and seen["acks"] == "all"
    assert seen["security_protocol"] == "SASL_PLAINTEXT"
    assert seen["sasl_plain_username"] == "suara-surveys"


async def test_an_unreadable_certificate_is_a_broker_outage_for_the_producer(
        pki: dict[str, Path], tmp_path: Path) -> None:
    from shared.kafka import BrokerUnavailable

    ca = tmp_path / "ca.pem"
    ca.write_bytes(pki["ca"].read_bytes())
    bus = KafkaBus(settings(kafka_security_protocol="SSL", kafka_ssl_cafile=ca))
    ca.write_text("not a certificate")  # e.g. a half-written rotation
    with pytest.raises(BrokerUnavailable):
        await bus.producer()
    assert (await bus.check(timeout=1)).startswith("broker unreachable: SSLError")


async def test_every_consumer_gets_the_security_options(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    class FakeConsumer:
        def __init__(self, **kw: Any) -> None:
            seen.update(kw)
            raise _Captured

    monkeypatch.setattr(shared.consumer, "AIOKafkaConsumer", FakeConsumer)
    s = settings(kafka_security_protocol="SASL_PLAINTEXT", **SASL)
    consumer = EventConsumer(subscription=Subscription("x", (), {}), settings=s,
                             engine=None,  # type: ignore[arg-type] - not reached
                             bus=KafkaBus(s), metrics=ServiceMetrics("test-kafka-options"))
    with pytest.raises(_Captured):
        await consumer._connect()
    assert seen["security_protocol"] == "SASL_PLAINTEXT"
    assert seen["sasl_mechanism"] == "SCRAM-SHA-512"
    assert seen["group_id"] == consumer.group_id and seen["enable_auto_commit"] is False


@pytest.mark.parametrize("client_options", [None, {"security_protocol": "SASL_PLAINTEXT",
                                                   "sasl_mechanism": "PLAIN"}])
async def test_ensure_topics_passes_client_options_to_the_admin_client(
        monkeypatch: pytest.MonkeyPatch, client_options: dict[str, Any] | None) -> None:
    seen: list[dict[str, Any]] = []

    class FakeAdmin:
        def __init__(self, **kw: Any) -> None:
            seen.append(kw)

        async def start(self) -> None:
            pass

        async def list_topics(self) -> list[str]:
            return ["a"]

        async def close(self) -> None:
            pass

    monkeypatch.setattr(shared.broker, "AIOKafkaAdminClient", FakeAdmin)
    if client_options is None:
        await ensure_topics("b:9092", ["a"])  # the signature callers use today
    else:
        await ensure_topics("b:9092", ["a"], client_options=client_options)
    (kw,) = seen
    assert kw["bootstrap_servers"] == "b:9092"
    assert {k: v for k, v in kw.items() if k not in {"bootstrap_servers", "request_timeout_ms"}
            } == (client_options or {})


# ----------------------------------------------------------------------------- validation


@pytest.mark.parametrize("protocol", ["SASL_PLAINTEXT", "SASL_SSL"])
@pytest.mark.parametrize("missing", sorted(SASL))
def test_sasl_needs_mechanism_username_and_password(protocol: str, missing: str) -> None:
    kw = {k: v for k, v in SASL.items() if k != missing}
    with pytest.raises(ValidationError, match=missing.upper()):
        settings(kafka_security_protocol=protocol, **kw)


def test_an_empty_sasl_password_is_missing() -> None:
    with pytest.raises(ValidationError, match="SUARA_KAFKA_SASL_PASSWORD"):
        settings(kafka_security_protocol="SASL_SSL",
                 **{**SASL, "kafka_sasl_password": SecretStr("")})


@pytest.mark.parametrize("protocol", ["PLAINTEXT", "SSL"])
def test_sasl_settings_without_a_sasl_protocol_are_refused(protocol: str) -> None:
    with pytest.raises(ValidationError, match="does not authenticate with SASL"):
        settings(kafka_security_protocol=protocol, kafka_sasl_username="u")


@pytest.mark.parametrize("field", ["kafka_ssl_cafile", "kafka_ssl_certfile", "kafka_ssl_keyfile"])
def test_tls_files_must_exist(field: str, tmp_path: Path, pki: dict[str, Path]) -> None:
    kw = {"kafka_ssl_certfile": pki["cert"]} if field == "kafka_ssl_keyfile" else {}
    with pytest.raises(ValidationError, match=rf"{field.upper()}=.*absent\.pem: no such file"):
        settings(kafka_security_protocol="SSL", **{**kw, field: tmp_path / "absent.pem"})


def test_a_directory_is_not_a_tls_file(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="no such file"):
        settings(kafka_security_protocol="SASL_SSL", kafka_ssl_cafile=tmp_path, **SASL)


def test_a_client_key_needs_its_certificate(pki: dict[str, Path]) -> None:
    with pytest.raises(ValidationError, match="SUARA_KAFKA_SSL_KEYFILE needs"):
        settings(kafka_security_protocol="SSL", kafka_ssl_keyfile=pki["key"])


@pytest.mark.parametrize("protocol", ["PLAINTEXT", "SASL_PLAINTEXT"])
def test_tls_files_without_a_tls_protocol_are_refused(protocol: str, pki: dict[str, Path]
                                                      ) -> None:
    kw = SASL if protocol.startswith("SASL") else {}
    with pytest.raises(ValidationError, match="does not use TLS"):
        settings(kafka_security_protocol=protocol, kafka_ssl_cafile=pki["ca"], **kw)


@pytest.mark.parametrize(("field", "value"), [("kafka_security_protocol", "TLS"),
                                              ("kafka_sasl_mechanism", "GSSAPI")])
def test_unknown_protocols_and_mechanisms_are_refused(field: str, value: str) -> None:
    with pytest.raises(ValidationError):
        settings(**{field: value})


def test_from_the_environment_with_per_service_override(monkeypatch: pytest.MonkeyPatch,
                                                        pki: dict[str, Path]) -> None:
    monkeypatch.setenv("SUARA_ENVIRONMENT", "test")
    monkeypatch.setenv("SUARA_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("SUARA_KAFKA_SASL_MECHANISM", "SCRAM-SHA-256")
    monkeypatch.setenv("SUARA_KAFKA_SASL_USERNAME", "platform")
    monkeypatch.setenv("SUARA_KAFKA_SASL_PASSWORD", "platform-pass")
    monkeypatch.setenv("SUARA_SURVEYS_KAFKA_SASL_USERNAME", "suara-surveys")
    monkeypatch.setenv("SUARA_SURVEYS_KAFKA_SASL_PASSWORD", "surveys-pass")
    monkeypatch.setenv("SUARA_KAFKA_SSL_CAFILE", str(pki["ca"]))
    monkeypatch.setenv("SUARA_KAFKA_ENABLE_IDEMPOTENCE", "true")
    s = SurveysLike()
    assert s.kafka_enable_idempotence is True
    assert s.kafka_ssl_cafile == pki["ca"]
    options = kafka_client_options(s)
    assert (options["sasl_mechanism"], options["sasl_plain_username"],
            options["sasl_plain_password"]) == ("SCRAM-SHA-256", "suara-surveys", "surveys-pass")
    assert ServiceSettings().kafka_sasl_username == "platform"


def test_empty_variables_mean_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUARA_ENVIRONMENT", "test")
    for name in ("SASL_MECHANISM", "SASL_USERNAME", "SASL_PASSWORD", "SSL_CAFILE",
                 "SSL_CERTFILE", "SSL_KEYFILE"):
        monkeypatch.setenv(f"SUARA_KAFKA_{name}", "")
    s = ServiceSettings()
    assert (s.kafka_sasl_mechanism, s.kafka_sasl_password, s.kafka_ssl_cafile) == (None,) * 3
    assert kafka_client_options(s) == {"security_protocol": "PLAINTEXT"}
