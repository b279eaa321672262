"""Webhook rules: the delivery schedule, event-type patterns, who receives an event, the SSRF
address rules and the Standard Webhooks signature (https://www.standardwebhooks.com).

Delivery: attempt 1 at once, then after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h (each
±10 % jitter): 8 attempts over about 28 hours, then the message is ``failed`` and
``webhook.delivery_failed.v1`` is published. A 2xx is a success, anything else a failure;
``410 Gone`` disables the endpoint; 429/502/503/504 with ``Retry-After`` wait at least that
long. An endpoint whose deliveries have all failed for ``disable_after`` is disabled.

Ordering ``per_subject``: a message is taken only when no earlier message of the same endpoint
and subject (complaint) is still pending: a complaint's later event never arrives before the
earlier one succeeded or was given up.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit

SCHEDULE = (timedelta(seconds=0), timedelta(seconds=5), timedelta(minutes=5),
            timedelta(minutes=30), timedelta(hours=2), timedelta(hours=5),
            timedelta(hours=10), timedelta(hours=10))
MAX_ATTEMPTS = len(SCHEDULE)
RETRY_AFTER_STATUSES = frozenset({429, 502, 503, 504})
MAX_RETRY_AFTER = timedelta(hours=10)
SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
#: cloud metadata services: refused even where private addresses are allowed
METADATA_ADDRESSES = frozenset({ipaddress.ip_address("169.254.169.254"),
                                ipaddress.ip_address("fd00:ec2::254"),
                                ipaddress.ip_address("100.100.100.200")})


class MessageStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Ordering(StrEnum):
    UNORDERED = "unordered"
    PER_SUBJECT = "per_subject"


def next_attempt_delay(attempts: int, *, retry_after: timedelta | None = None,
                       jitter: float | None = None) -> timedelta | None:
    """The wait before attempt ``attempts + 1`` (None: no attempts left)."""
    if attempts >= MAX_ATTEMPTS:
        return None
    factor = 1 + ((random.random() * 0.2 - 0.1) if jitter is None else jitter)
    wait = SCHEDULE[attempts] * factor
    if retry_after is not None:
        wait = max(wait, min(retry_after, MAX_RETRY_AFTER))
    return wait


def parse_retry_after(value: str | None, now: datetime) -> timedelta | None:
    """``Retry-After`` as seconds or an HTTP date; None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return timedelta(seconds=int(value))
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(when - now, timedelta(0))


@dataclass(frozen=True)
class AttemptResult:
    """One HTTP attempt, as the dispatcher saw it."""

    status_code: int | None
    error_class: str | None = None  # timeout, connect_error, refused_address, ...
    retry_after: timedelta | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def gone(self) -> bool:
        return self.status_code == 410


# -- event types --------------------------------------------------------------------------


class InvalidPattern(ValueError):
    pass


def aggregate_of(event_type: str) -> str:
    return event_type.split(".", 1)[0]


def validate_patterns(patterns: Iterable[str], catalogue: Iterable[str]) -> list[str]:
    """Check ``patterns`` against the known event types: an exact type
    (``complaint.filed.v1``), an aggregate wildcard (``complaint.*``) or ``*``. Returns them
    de-duplicated in order; raises ``InvalidPattern`` naming the first unknown one."""
    known = set(catalogue)
    aggregates = {aggregate_of(t) for t in known}
    seen: list[str] = []
    for p in patterns:
        ok = p == "*" or p in known or (p.endswith(".*") and p[:-2] in aggregates)
        if not ok:
            raise InvalidPattern(p)
        if p not in seen:
            seen.append(p)
    return seen


def matches(patterns: Iterable[str], event_type: str) -> bool:
    for p in patterns:
        if p == "*" or p == event_type or (p.endswith(".*")
                                           and aggregate_of(event_type) == p[:-2]):
            return True
    return False


# -- SSRF ----------------------------------------------------------------------------------


class RefusedAddress(ValueError):
    """The URL or the address it resolves to may not be called."""


@dataclass(frozen=True)
class AddressPolicy:
    allow_loopback: bool
    require_https: bool
    allowed_hosts: frozenset[str] = frozenset()

    def check_url(self, url: str) -> tuple[str, str, int]:
        """The URL's (scheme, host, port) if its form is acceptable; ``RefusedAddress`` else.
        (The addresses it resolves to are checked at every connection: ``check_address``.)"""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise RefusedAddress("the URL must start with https:// (or http:// in development)")
        if parts.scheme == "http" and self.require_https:
            raise RefusedAddress("the URL must use https")
        if parts.username or parts.password:
            raise RefusedAddress("the URL must not carry credentials")
        host = (parts.hostname or "").lower()
        if not host:
            raise RefusedAddress("the URL has no host")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise RefusedAddress("the URL's port is not a number") from None
        try:
            literal = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None:
            self.check_address(host, str(literal))
        elif host in ("localhost", "localhost.localdomain") or host.endswith(".localhost"):
            if not (self.allow_loopback or host in self.allowed_hosts):
                raise RefusedAddress("loopback targets are not allowed")
        return parts.scheme, host, port

    def check_address(self, host: str, address: str) -> None:
        """Refuse connecting to ``address`` (what ``host`` resolved to) unless it is public,
        or loopback where allowed, or the host is explicitly allowed. Metadata services are
        always refused."""
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if ip in METADATA_ADDRESSES:
            raise RefusedAddress("cloud metadata addresses are never allowed")
        if host.lower() in self.allowed_hosts:
            return
        if ip.is_loopback:
            if self.allow_loopback:
                return
            raise RefusedAddress("loopback addresses are not allowed")
        if not ip.is_global or ip.is_multicast or ip.is_reserved:
            raise RefusedAddress("private, link-local and reserved addresses are not allowed")


# -- signatures ------------------------------------------------------------------------------


def secret_bytes(secret: str) -> bytes:
    """The key inside a ``whsec_<base64>`` secret."""
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError("not a whsec_ secret")
    return base64.b64decode(secret[len(SECRET_PREFIX):])


def format_secret(key: bytes) -> str:
    return SECRET_PREFIX + base64.b64encode(key).decode()


def sign(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">``."""
    mac = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def signature_header(keys: Iterable[bytes], msg_id: str, timestamp: int, body: bytes) -> str:
    """Every key's signature, space separated (two during a rotation)."""
    return " ".join(sign(k, msg_id, timestamp, body) for k in keys)


def should_disable(failing_since: datetime | None, now: datetime, after: timedelta) -> bool:
    return failing_since is not None and now - failing_since >= after
