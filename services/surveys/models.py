"""The surveys service's tables (SQLAlchemy Core). Mirrored by migration ``surveys_0001``.

A response is stored once (its client-generated id is the primary key) and folded, in the same
transaction, into ``skm_tallies``: one row per survey, version, period, service and respondent
segment, holding how many answers gave each score to each element. Results read only the
tallies, so an IKM costs the same for ten responses or ten million.

Every timestamp is a ``UtcDateTime`` (shared.types): aware values in, aware UTC values out, on
SQLite too. Its DDL is the ``DateTime(timezone=True)`` of ``surveys_0001``, so the column types
did not change and need no migration; and the service always wrote UTC values, which is what
``UtcDateTime`` writes and reads back, so the stored rows need none either.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    text,
)

from services.surveys.domain.skm import ELEMENT_CODES, MAX_SCORE, MIN_SCORE
from shared.types import UtcDateTime

metadata = MetaData()

#: A survey of one agency, for a service unit (and optionally one service).
surveys = Table(
    "surveys",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("agency_id", String(64), nullable=False),
    Column("unit_id", String(64), nullable=True),  # None only for an agency's post-complaint
    Column("service_id", String(64), nullable=True),
    Column("kind", String(16), nullable=False),  # skm | custom
    Column("purpose", String(16), nullable=False),  # general | post_complaint
    Column("title", String(200), nullable=False),
    Column("version", Integer, nullable=False, server_default=text("1")),
    Column("created_at", UtcDateTime(), nullable=False),
    Index("ix_surveys_agency_unit", "agency_id", "unit_id"),
)

#: A period a survey runs in; ``code`` is YYYY, YYYY-MM, YYYY-Qn or YYYY-Hn and gives the dates
#: (``ends_on`` is exclusive). Periods of one survey never overlap.
survey_periods = Table(
    "survey_periods",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("survey_id", String(36), ForeignKey("surveys.id"), nullable=False),
    Column("code", String(7), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("population", Integer, nullable=True),  # service users in the period (sample size)
    Column("closed_at", UtcDateTime(), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    UniqueConstraint("survey_id", "code", name="uq_survey_periods_code"),
)

#: One row per response. No name, contact or free text: the profile is categories only.
responses = Table(
    "responses",
    metadata,
    Column("id", String(64), primary_key=True),  # client-generated: retries are idempotent
    Column("survey_id", String(36), ForeignKey("surveys.id"), nullable=False),
    Column("survey_version", Integer, nullable=False),
    Column("period_id", String(36), ForeignKey("survey_periods.id"), nullable=False),
    Column("service_id", String(64), nullable=True),
    Column("channel", String(16), nullable=False),  # online | invitation | batch
    Column("submitted_at", UtcDateTime(), nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Column("answers", JSON, nullable=False),  # custom surveys' free text stays here only
    Column("age_band", String(16), nullable=True),
    Column("sex", String(1), nullable=True),
    Column("education", String(8), nullable=True),
    Column("occupation", String(20), nullable=True),
    Column("service_date", Date, nullable=True),
    Column("fingerprint", String(64), nullable=False),  # of what the client sent
    # online SKM answers: the client-window bucket it was counted in (answer_buckets); kept
    # only while the bucket is (a burst), cleared with it otherwise (tasks.burst_purge)
    Column("bucket_id", String(36), nullable=True),
    Index("ix_responses_survey_period", "survey_id", "period_id"),
    Index("ix_responses_bucket", "bucket_id"),
)

SEGMENT_COLUMNS = ("age_band", "sex", "education", "occupation")
TALLY_KEY = ("survey_id", "survey_version", "period_id", "service_key", *SEGMENT_COLUMNS)


def count_column(code: str, score: int) -> str:
    """The tally column counting answers ``score`` to element ``code``: ``u3_s4``."""
    return f"{code.lower()}_s{score}"


COUNT_COLUMNS = tuple(count_column(c, s) for c in ELEMENT_CODES
                      for s in range(MIN_SCORE, MAX_SCORE + 1))


def _count_columns() -> list[Column[int]]:
    return [Column(name, Integer, nullable=False, server_default=text("0"))
            for name in COUNT_COLUMNS]


#: Stored aggregates of SKM responses. Key columns use "" for "not given" (NULLs would make the
#: upsert's conflict target miss).
skm_tallies = Table(
    "skm_tallies",
    metadata,
    Column("survey_id", String(36), primary_key=True),
    Column("survey_version", Integer, primary_key=True),
    Column("period_id", String(36), primary_key=True),
    Column("service_key", String(64), primary_key=True),
    Column("age_band", String(16), primary_key=True),
    Column("sex", String(1), primary_key=True),
    Column("education", String(8), primary_key=True),
    Column("occupation", String(20), primary_key=True),
    Column("respondents", Integer, nullable=False, server_default=text("0")),
    *_count_columns(),
)

#: The questionnaire of each version of a custom survey (the SKM's is built in: version 1).
survey_versions = Table(
    "survey_versions",
    metadata,
    Column("survey_id", String(36), ForeignKey("surveys.id"), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("items", JSON, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

#: Stored aggregates of custom surveys: answers per item and value (a Likert score, an option;
#: "answered" for free text), per version, period, service and segment. Item "" counts
#: respondents.
item_tallies = Table(
    "item_tallies",
    metadata,
    Column("survey_id", String(36), primary_key=True),
    Column("survey_version", Integer, primary_key=True),
    Column("period_id", String(36), primary_key=True),
    Column("service_key", String(64), primary_key=True),
    Column("age_band", String(16), primary_key=True),
    Column("sex", String(1), primary_key=True),
    Column("education", String(8), primary_key=True),
    Column("occupation", String(20), primary_key=True),
    Column("item_code", String(32), primary_key=True),
    Column("value", String(32), primary_key=True),
    Column("answers", Integer, nullable=False, server_default=text("0")),
)
ITEM_TALLY_KEY = (*TALLY_KEY, "item_code", "value")

#: One-time invitations to rate a resolved complaint; only the token's SHA-256 is stored.
invitations = Table(
    "invitations",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("survey_id", String(36), ForeignKey("surveys.id"), nullable=False),
    Column("period_id", String(36), ForeignKey("survey_periods.id"), nullable=False),
    Column("complaint_id", String(64), nullable=False, unique=True),
    Column("agency_id", String(64), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("used_at", UtcDateTime(), nullable=True),
)

#: Online SKM answers counted per survey, client and time window, to find bursts (many
#: answers from one client in one window) without storing who answered: ``client_hash`` is an
#: HMAC of the client's address under a random key that lives in the process's memory only
#: and changes every window (service.bursts.ClientHasher), so it links answers within one
#: window and nothing else, and is cleared with the bucket, or from a burst's bucket, a day
#: later. ``flagged_at``: the window went over SUARA_SURVEYS_BURST_THRESHOLD; ``excluded_at``:
#: the survey's owner left it out of the results.
answer_buckets = Table(
    "answer_buckets",
    metadata,
    Column("id", String(36), primary_key=True),  # uuid5 of the three key columns
    Column("survey_id", String(36), ForeignKey("surveys.id"), nullable=False),
    Column("period_id", String(36), ForeignKey("survey_periods.id"), nullable=False),
    Column("window_start", UtcDateTime(), nullable=False),
    Column("client_hash", String(32), nullable=True),
    Column("responses", Integer, nullable=False, server_default=text("0")),
    Column("flagged_at", UtcDateTime(), nullable=True),
    Column("excluded_at", UtcDateTime(), nullable=True),
    Column("excluded_by", String(64), nullable=True),  # the officer's subject
    UniqueConstraint("survey_id", "window_start", "client_hash", name="uq_answer_buckets_key"),
    Index("ix_answer_buckets_flagged", "survey_id", "flagged_at"),
)
BURST_TALLY_KEY = ("bucket_id", *TALLY_KEY)

#: The answers of each burst, folded like skm_tallies (from the answer that made it a burst
#: on): what results subtract to leave bursts out.
burst_tallies = Table(
    "burst_tallies",
    metadata,
    Column("bucket_id", String(36), primary_key=True),
    Column("survey_id", String(36), primary_key=True),
    Column("survey_version", Integer, primary_key=True),
    Column("period_id", String(36), primary_key=True),
    Column("service_key", String(64), primary_key=True),
    Column("age_band", String(16), primary_key=True),
    Column("sex", String(1), primary_key=True),
    Column("education", String(8), primary_key=True),
    Column("occupation", String(20), primary_key=True),
    Column("respondents", Integer, nullable=False, server_default=text("0")),
    *_count_columns(),
)

#: The complaints service's agencies, as far as reports need them (their names), kept from
#: agency.created / agency.changed (event-carried state: each event holds the whole agency).
agencies = Table(
    "agencies",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("parent_id", String(64), nullable=True),
    Column("kind", String(16), nullable=False),
    Column("name_id", String(200), nullable=False),
    Column("name_en", String(200), nullable=False),
    Column("revision", Integer, nullable=False),
)
