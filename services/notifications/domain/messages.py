"""A message's lifecycle and the rules that decide when it is sent.

::

    queued ──send──▶ sent ──DLR delivered──▶ delivered
      │  ▲             └──DLR failed/bounce─▶ failed | bounced
      │  └─transient error (retry later, then the next fallback channel)
      ├──permanent error / attempts used up──▶ failed
      ├──opted out (not transactional)───────▶ failed (opted_out)
      └──same message within the window──────▶ suppressed (the first one carries the outcome)

``sent`` is final for e-mail and push (the provider took it; SMTP and FCM report nothing
later); SMS and WhatsApp move on when the gateway's delivery report arrives. A message in a
final state keeps its status, attempts and reason; its address and variables are erased once
the retention period has passed.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Asia/Jakarta"
ZONE_ABBREVIATIONS = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


class Status(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    BOUNCED = "bounced"
    SUPPRESSED = "suppressed"


FINAL = frozenset({Status.DELIVERED, Status.FAILED, Status.BOUNCED, Status.SUPPRESSED})
#: channels whose provider reports delivery later (a DLR): ``sent`` is not final for them
WITH_DELIVERY_REPORTS = frozenset({"sms", "whatsapp"})

#: Kinds a recipient cannot opt out of: the tracking code is how they follow their report.
TRANSACTIONAL = frozenset({"complaint_received", "complaint_filed"})
#: Channels kept quiet at night.
QUIET_CHANNELS = frozenset({"sms", "whatsapp"})

#: Waits between the attempts of one channel (then the next fallback channel, or failed).
RETRY_DELAYS = (timedelta(seconds=0), timedelta(seconds=30), timedelta(minutes=2),
                timedelta(minutes=10), timedelta(minutes=30), timedelta(hours=1),
                timedelta(hours=2), timedelta(hours=4))


def is_final(status: str, channel: str) -> bool:
    return status in FINAL or (status == Status.SENT and channel not in WITH_DELIVERY_REPORTS)


def retry_delay(attempts: int, *, jitter: float | None = None) -> timedelta:
    """The wait after the ``attempts``-th failed attempt (1-based), ±10 % jitter."""
    base = RETRY_DELAYS[min(attempts, len(RETRY_DELAYS) - 1)]
    factor = 1 + ((random.random() * 0.2 - 0.1) if jitter is None else jitter)
    return base * factor


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time

    @classmethod
    def parse(cls, start: str, end: str) -> QuietHours:
        return cls(time.fromisoformat(start), time.fromisoformat(end))

    def contains(self, local: time) -> bool:
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end  # spans midnight (21:00-07:00)

    def next_allowed(self, now: datetime, timezone: str | None) -> datetime:
        """``now`` if outside the quiet hours in the recipient's zone, else when they end."""
        zone = ZoneInfo(timezone or DEFAULT_TIMEZONE)
        local = now.astimezone(zone)
        if not self.contains(local.time()):
            return now
        end = local.replace(hour=self.end.hour, minute=self.end.minute, second=0,
                            microsecond=0)
        if end <= local:
            end += timedelta(days=1)
        return end.astimezone(now.tzinfo)


def next_digest_at(now: datetime, timezone: str | None, hour: int) -> datetime:
    """The next time (after ``now``) that the daily digest of a recipient in ``timezone``
    goes out: ``hour``:00 local."""
    zone = ZoneInfo(timezone or DEFAULT_TIMEZONE)
    local = now.astimezone(zone)
    at = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if at <= local:
        at += timedelta(days=1)
    return at.astimezone(now.tzinfo)


def content_hash(template_name: str, locale: str, variables: Mapping[str, object]) -> str:
    """What makes two requests "the same message" (with the recipient): kind, language and
    values. Messages with the same hash to the same recipient within the window are sent once."""
    canonical = json.dumps([template_name, locale, variables], sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def rate_limited_until(sent_times: list[datetime], now: datetime, *, per_hour: int
                       ) -> datetime | None:
    """None if one more message may go to the recipient now; else when it may.

    ``sent_times``: when the recipient's messages of the last hour were sent (any order)."""
    window = [t for t in sent_times if t > now - timedelta(hours=1)]
    if len(window) < per_hour:
        return None
    window.sort()
    return window[len(window) - per_hour] + timedelta(hours=1)


@dataclass(frozen=True)
class Outcome:
    """What a channel adapter reports about one attempt."""

    ok: bool
    provider_id: str | None = None
    transient: bool = False  # failed, but may work later (provider down, 5xx, 429)
    reason: str | None = None  # a FailureReason value when not ok
    retry_after: timedelta | None = None


@dataclass(frozen=True)
class Next:
    """The decision after an attempt: the new status and when to try again, if ever."""

    status: Status
    channel: str
    attempts: int
    next_attempt_at: datetime | None
    reason: str | None = None


def after_attempt(*, outcome: Outcome, channel: str, fallbacks: list[str], attempts: int,
                  max_attempts: int, now: datetime, jitter: float | None = None) -> Next:
    """The message's next state once attempt number ``attempts`` on ``channel`` ended."""
    if outcome.ok:
        return Next(Status.SENT, channel, attempts, None)
    if outcome.transient and attempts < max_attempts:
        wait = max(retry_delay(attempts, jitter=jitter), outcome.retry_after or timedelta(0))
        return Next(Status.QUEUED, channel, attempts, now + wait, outcome.reason)
    if fallbacks:  # the next channel starts its own attempts at once
        return Next(Status.QUEUED, fallbacks[0], 0, now, outcome.reason)
    return Next(Status.FAILED, channel, attempts, None,
                outcome.reason or ("provider_unavailable" if outcome.transient
                                   else "rejected_by_provider"))


def dlr_status(report: str) -> Status | None:
    """A gateway's delivery-report status, mapped onto ours (None: not final, ignore)."""
    value = report.strip().lower()
    if value in {"delivered", "delivrd", "success", "read", "2"}:
        return Status.DELIVERED
    if value in {"undelivered", "undeliv", "failed", "rejected", "expired", "3", "5"}:
        return Status.FAILED
    if value in {"bounced", "invalid", "unknown_number"}:
        return Status.BOUNCED
    return None
