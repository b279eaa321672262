"""Settings, read from the environment by pydantic-settings.

Every setting has a platform-wide name (``SUARA_KAFKA_BOOTSTRAP``) and a per-service name that
wins over it (``SUARA_COMPLAINTS_KAFKA_BOOTSTRAP``), so one environment can configure the whole
platform (``suara dev``) and one container can configure its own service with the short names.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import date
from pathlib import Path
from typing import Annotated, ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from shared.calendar import WorkingCalendar, calendar_for

#: The named rate limits (shared.http.ratelimit; docs/api.md "Rate limits"), per client
#: address; ``SUARA_RATE_LIMITS`` (JSON) overrides some or adds others.
DEFAULT_RATE_LIMITS: dict[str, str] = {
    "public_write": "60/minute",  # every write without an officer token, any route
    "filing": "10/minute;100/hour",  # filing a complaint
    "token_check": "30/minute",  # a citizen's tracking code + token checked
    "survey_answer": "10/minute",  # an SKM answer without an invitation (a kiosk: 1 per 6 s)
}

#: Signs development tokens only; refused in production.
DEV_JWT_SECRET = "suara-development-only-secret-not-for-production"  # noqa: S105


class ServiceSettings(BaseSettings):
    """What every service needs. Subclasses set ``service`` and ``port``'s default."""

    model_config = SettingsConfigDict(env_prefix="SUARA_", extra="ignore", frozen=True)

    service: ClassVar[str] = ""

    environment: Literal["development", "test", "production"] = "development"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    data_dir: Path = Path("data")
    database_url: str = Field(
        default="",
        description="SQLAlchemy async URL; empty means sqlite+aiosqlite:///<data_dir>/<service>.db",
    )
    migrate_on_start: bool | None = Field(
        default=None, description="Apply migrations at start-up; default: not in production."
    )
    log_format: Literal["json", "console"] | None = None
    log_level: str = "INFO"

    #: HS256 secret shared with the identity provider, or an RS256 public key (PEM) from it.
    jwt_secret: SecretStr | None = None
    jwt_public_key: str | None = None
    jwt_issuer: str = "suara"
    jwt_audience: str = "suara"

    kafka_bootstrap: str = "127.0.0.1:9092"
    topic_prefix: str = ""
    kafka_client_id: str = ""
    #: Tansu answers a waiting fetch only at fetch_max_wait_ms: end-to-end latency ≈ half of it.
    kafka_fetch_max_wait_ms: int = Field(default=50, ge=1)
    kafka_request_timeout_ms: int = Field(default=10_000, ge=1000)
    #: A consumer missing heartbeats this long leaves its group. Tansu also delays a group's
    #: first join by half of it (10 s -> a 5 s join): tests use a short one.
    kafka_session_timeout_ms: int = Field(default=10_000, ge=1500)
    #: Connection security of every Kafka client (producer, consumers, admin):
    #: shared.kafka_options.kafka_client_options turns these into aiokafka keyword arguments.
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = (
        "PLAINTEXT")
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    #: PEM files. No CA file: the system's CAs verify the broker. The key must not be encrypted.
    kafka_ssl_cafile: Path | None = None
    kafka_ssl_certfile: Path | None = None
    kafka_ssl_keyfile: Path | None = None
    #: Apache Kafka supports the idempotent producer; Tansu (the local broker) rejects it.
    kafka_enable_idempotence: bool = False

    relay_enabled: bool = Field(
        default=True, description="Run the outbox relay in this process (off: consume only)."
    )
    relay_batch_size: int = Field(default=500, ge=1)
    relay_poll_interval_s: float = Field(default=1.0, gt=0)
    relay_max_backoff_s: float = Field(default=30.0, gt=0)
    relay_keep_sent_s: float = Field(default=7 * 24 * 3600, ge=0)

    #: Insert-only writes (a complaint filing) that arrive together share one transaction, up
    #: to this many; 1 writes each alone (shared.group_commit).
    group_commit_max_units: int = Field(default=128, ge=1)

    #: Collective leave days (cuti bersama) decreed for the year, as ISO dates; they are not
    #: working days (shared.calendar). The national holidays come from the `holidays` package.
    collective_leave: list[date] = Field(default_factory=list)
    #: Count the collective leave days the `holidays` package knows (its government category)
    #: when none are configured.
    collective_leave_from_package: bool = True

    #: The language of error messages when the caller's Accept-Language names none we speak
    #: and the request is about no resource with its own locale (shared.http.messages).
    default_locale: Literal["id", "en"] = "id"
    #: At most this many wrong fields are listed in an error; ``more_fields`` counts the rest.
    max_error_fields: int = Field(default=20, ge=1, le=1000)

    #: Request limits (shared.http.middleware, shared.http.guard; docs/api.md "Limits"):
    #: bodies (413), request line and headers (414, 431), JSON shape (422 naming where).
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    max_header_bytes: int = Field(default=16 * 1024, ge=1024)
    max_url_bytes: int = Field(default=8 * 1024, ge=256)
    max_json_depth: int = Field(default=32, ge=2, le=200)
    max_json_keys: int = Field(default=1000, ge=1)
    max_json_items: int = Field(default=10_000, ge=1)

    #: Rate limits (shared.http.ratelimit): counted in Redis when a URL is given (shared by
    #: the replicas), else in the process. ``rate_limits`` merges over DEFAULT_RATE_LIMITS.
    redis_url: str | None = None
    redis_retry_s: float = Field(default=5.0, gt=0)
    #: default: on, except in the test environment (a service's tests that want limits say so)
    rate_limit_enabled: bool | None = None
    rate_limits: dict[str, str] = Field(default_factory=dict)
    rate_limit_key_prefix: str = "suara:ratelimit:"
    #: Proxies (CIDRs) whose X-Forwarded-For is believed; JSON list or comma-separated.
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)

    #: Browsers (shared.http.browser): origins whose pages may call the API (exact
    #: ``https://host[:port]``, or ``*``; JSON list or comma-separated; none by default).
    cors_allowed_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    cors_allow_credentials: bool = False
    cors_max_age_s: int = Field(default=600, ge=0)
    #: Strict-Transport-Security's max-age, sent in production only (0: never).
    hsts_max_age_s: int = Field(default=31_536_000, ge=0)

    consumer_max_attempts: int = Field(default=5, ge=1)
    consumer_retry_backoff_s: float = Field(default=0.2, ge=0)
    consumer_max_batch: int = Field(default=200, ge=1)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings]
        if cls.service:
            prefix = f"SUARA_{cls.service.upper()}_"
            sources.append(EnvSettingsSource(settings_cls, env_prefix=prefix))
        sources += [env_settings, dotenv_settings, file_secret_settings]
        return tuple(sources)

    @field_validator("kafka_sasl_mechanism", "kafka_sasl_username", "kafka_sasl_password",
                     "kafka_ssl_cafile", "kafka_ssl_certfile", "kafka_ssl_keyfile", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # an empty variable (`X: ""` in a ConfigMap, `${X:-}` in compose) means "not set"
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("redis_url", mode="before")
    @classmethod
    def _no_redis(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("trusted_proxies", "cors_allowed_origins", mode="before")
    @classmethod
    def _split_list(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                import json

                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _check_proxies(cls, value: list[str]) -> list[str]:
        import ipaddress

        for cidr in value:
            try:
                ipaddress.ip_network(cidr, strict=False)
            except ValueError:
                raise ValueError(f"{cidr!r} is not an address or a CIDR block") from None
        return value

    @field_validator("cors_allowed_origins")
    @classmethod
    def _check_origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            if origin != "*" and not re.fullmatch(r"https?://[^/\s]+", origin.rstrip("/")):
                raise ValueError(f"{origin!r} is not an origin like https://app.example.id "
                                 "(scheme and host, no path) or *")
        return value

    @field_validator("rate_limits")
    @classmethod
    def _merge_rate_limits(cls, value: dict[str, str]) -> dict[str, str]:
        from shared.http.ratelimit import parse_rates

        merged = DEFAULT_RATE_LIMITS | value
        for name, text in merged.items():
            try:
                parse_rates(text)
            except ValueError as exc:
                raise ValueError(f"rate limit {name!r}: {exc}") from None
        return merged

    @model_validator(mode="after")
    def _defaults_from_service(self) -> ServiceSettings:
        # frozen model: fill derived defaults through object.__setattr__ once, at validation
        if not self.database_url:
            path = (self.data_dir / f"{self.service or 'suara'}.db").as_posix()
            object.__setattr__(self, "database_url", f"sqlite+aiosqlite:///{path}")
        if self.rate_limit_enabled is None:
            object.__setattr__(self, "rate_limit_enabled", self.environment != "test")
        if self.migrate_on_start is None:
            object.__setattr__(self, "migrate_on_start", self.environment != "production")
        if self.log_format is None:
            fmt = "console" if self.environment == "development" else "json"
            object.__setattr__(self, "log_format", fmt)
        if self.jwt_secret is None and self.jwt_public_key is None:
            if self.environment == "production":
                raise ValueError("set SUARA_JWT_SECRET (HS256) or SUARA_JWT_PUBLIC_KEY (RS256): "
                                 "production has no default signing secret")
            object.__setattr__(self, "jwt_secret", SecretStr(DEV_JWT_SECRET))
        elif self.environment == "production" and self.jwt_secret is not None and (
                self.jwt_secret.get_secret_value() == DEV_JWT_SECRET
                or len(self.jwt_secret.get_secret_value()) < 32):
            raise ValueError("SUARA_JWT_SECRET must be a private value of at least 32 characters")
        if not self.kafka_client_id:
            object.__setattr__(self, "kafka_client_id", f"suara-{self.service or 'service'}")
        return self

    @model_validator(mode="after")
    def _check_kafka_security(self) -> ServiceSettings:
        """Refuse combinations that would connect otherwise than configured, or not at all."""
        protocol = self.kafka_security_protocol
        sasl = {"SUARA_KAFKA_SASL_MECHANISM": self.kafka_sasl_mechanism,
                "SUARA_KAFKA_SASL_USERNAME": self.kafka_sasl_username,
                "SUARA_KAFKA_SASL_PASSWORD": self.kafka_sasl_password}
        ssl_files = {"SUARA_KAFKA_SSL_CAFILE": self.kafka_ssl_cafile,
                     "SUARA_KAFKA_SSL_CERTFILE": self.kafka_ssl_certfile,
                     "SUARA_KAFKA_SSL_KEYFILE": self.kafka_ssl_keyfile}
        if protocol.startswith("SASL_"):
            missing = [name for name, value in sasl.items()
                       if value is None or (isinstance(value, SecretStr)
                                            and not value.get_secret_value())]
            if missing:
                raise ValueError(f"SUARA_KAFKA_SECURITY_PROTOCOL={protocol} needs "
                                 f"{', '.join(missing)}")
        elif given := [name for name, value in sasl.items() if value is not None]:
            raise ValueError(f"{', '.join(given)} set, but SUARA_KAFKA_SECURITY_PROTOCOL="
                             f"{protocol} does not authenticate with SASL: use SASL_SSL "
                             "(or SASL_PLAINTEXT)")
        if protocol.endswith("SSL"):
            for name, path in ssl_files.items():
                if path is not None and not path.is_file():
                    raise ValueError(f"{name}={path}: no such file")
            if self.kafka_ssl_keyfile is not None and self.kafka_ssl_certfile is None:
                raise ValueError("SUARA_KAFKA_SSL_KEYFILE needs SUARA_KAFKA_SSL_CERTFILE "
                                 "(the client certificate it belongs to)")
        elif given := [name for name, value in ssl_files.items() if value is not None]:
            raise ValueError(f"{', '.join(given)} set, but SUARA_KAFKA_SECURITY_PROTOCOL="
                             f"{protocol} does not use TLS: use SSL or SASL_SSL")
        return self

    @model_validator(mode="after")
    def _public_urls_reach_the_public(self) -> ServiceSettings:
        """In production, every public URL a service hands out (a field named ``*public*url``:
        tracking links, invitation links, unsubscribe links) must be https and must not point
        at this machine: a default like http://127.0.0.1:8001 would put a link that works for
        nobody into every citizen's message."""
        if self.environment != "production":
            return self
        for name in type(self).model_fields:
            value = getattr(self, name)
            if not ("public" in name and name.endswith("url")) or not value:
                continue
            env = f"SUARA_{self.service.upper()}_{name.upper()}" if self.service else name
            parsed = urlsplit(str(value).replace("{", "").replace("}", ""))
            if parsed.scheme != "https" or _is_local_host(parsed.hostname or ""):
                raise ValueError(f"{env}={value!r}: production needs a public https URL "
                                 "(not localhost, not a loopback address)")
        return self

    def working_calendar(self) -> WorkingCalendar:
        """The working-day calendar these settings describe (shared.calendar)."""
        return calendar_for(self.collective_leave,
                            from_package=self.collective_leave_from_package)

    @property
    def source_uri(self) -> str:
        """The CloudEvents ``source`` of everything this service publishes."""
        return f"/suara/{self.service}"

    @property
    def consumer_group(self) -> str:
        return f"{self.topic_prefix}suara-{self.service}"


def _is_local_host(host: str) -> bool:
    host = host.strip("[]").lower()
    if host in {"", "localhost"} or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified or address.is_link_local
