"""HTTP request and response models of the surveys API (not the stored rows, not the events)."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    Strict,
    StrictInt,
    field_validator,
)

from services.surveys.domain.periods import PERIOD_PATTERN
from services.surveys.domain.profile import EducationCode, OccupationCode, SexCode
from shared.text import plain_text

Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")]
PeriodCode = Annotated[str, Field(pattern=PERIOD_PATTERN, examples=["2026", "2026-Q1"],
                                  description="YYYY, YYYY-MM, YYYY-Qn or YYYY-Hn.")]
Answer = StrictInt | Annotated[str, Field(max_length=2000)] | list[Annotated[str, Field(
    max_length=32)]]
#: An element or item code: what an answer is keyed by (anything else can only be wrong).
AnswerKey = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")]
#: The most answers a response can carry (a custom questionnaire has at most 100 items).
MAX_ANSWERS = 100


def _date_only(value: object) -> object:
    """``YYYY-MM-DD`` as a date (a paper form's), anything else left to the datetime."""
    if isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        return date.fromisoformat(value)  # a ValueError names the field
    return value


#: When a response was given: an aware datetime, or the date of a paper form.
SubmittedAt = Annotated[AwareDatetime | Annotated[date, Strict()], BeforeValidator(_date_only)]
Number = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# -- surveys and periods ----------------------------------------------------------------------


ItemCode = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")]


class OptionIn(_In):
    code: ItemCode
    label_id: str = Field(min_length=1, max_length=200)
    label_en: str = Field(min_length=1, max_length=200)
    _plain = field_validator("label_id", "label_en")(plain_text)


class ItemIn(_In):
    """One item of a custom questionnaire."""

    code: ItemCode
    type: Literal["likert", "single", "multi", "text"]
    text_id: str = Field(min_length=1, max_length=500, description="The question, Indonesian.")
    text_en: str = Field(min_length=1, max_length=500, description="The question, English.")
    required: bool = True
    points: int | None = Field(None, description="Likert only: 3..7 (1 = worst).")
    options: list[OptionIn] = Field(default_factory=list, description="single/multi only.")
    _plain = field_validator("text_id", "text_en")(plain_text)


class QuestionnaireIn(_In):
    items: list[ItemIn] = Field(min_length=1, max_length=100)


class SurveyCreate(_In):
    agency_id: Id | None = Field(None, description="Defaults to the caller's agency.")
    unit_id: Id | None = Field(
        None, description="The service unit surveyed; required except for a post-complaint "
        "survey, which is the agency's.")
    service_id: Id | None = Field(None, description="The one public service surveyed, if any.")
    title: str = Field(min_length=1, max_length=200)
    kind: Literal["skm", "custom"] = Field(
        "skm", description="skm: the regulated nine-element survey; custom: own items.")
    items: list[ItemIn] | None = Field(
        None, max_length=100, description="custom only: the questionnaire's first version.")
    purpose: Literal["general", "post_complaint"] = Field(
        "general", description="post_complaint: the survey invitations after a resolved "
        "complaint use (the agency's newest wins; SKM or custom: without one, a short "
        "custom questionnaire is created on the first invitation).")
    _plain = field_validator("title")(plain_text)


class PeriodCreate(_In):
    code: PeriodCode
    population: int | None = Field(
        None, ge=1, le=100_000_000,
        description="Service users in the period; gives the Krejcie-Morgan sample size.")


class PeriodUpdate(_In):
    population: int = Field(ge=1, le=100_000_000)


class PeriodRead(BaseModel):
    code: str
    starts_on: date
    last_day: date
    population: int | None
    status: Literal["open", "closed"]
    closed_at: datetime | None


class ElementRead(BaseModel):
    code: str
    name_id: str
    name_en: str
    question_id: str
    question_en: str
    labels_id: list[str] = Field(description="Label of score 1..4, Bahasa Indonesia.")
    labels_en: list[str] = Field(description="Label of score 1..4, English.")


class SurveyRead(BaseModel):
    id: str
    agency_id: str
    unit_id: str | None
    service_id: str | None
    kind: str
    purpose: str
    title: str
    version: int
    created_at: datetime
    periods: list[PeriodRead]
    questionnaire: list[ElementRead] = Field(description="SKM: the nine elements.")
    items: list[dict[str, Any]] | None = Field(
        None, description="custom: the current version's items.")


# -- responses ----------------------------------------------------------------------------------


class ProfileIn(_In):
    """The respondent profile of the SKM form; every part may be left out. No name, contact
    or identity number is accepted (an unknown field is refused)."""

    age: int | None = Field(None, ge=0, le=120, description="Age in years; only its band is kept.")
    sex: SexCode | None = Field(None, description="L: laki-laki, P: perempuan.")
    education: EducationCode | None = None
    occupation: OccupationCode | None = None
    service_date: date | None = Field(None, description="When the service was used.")


class ResponseCreate(_In):
    response_id: uuid.UUID = Field(
        description="Generated by the client: sending the same response again is a no-op.")
    answers: dict[AnswerKey, Answer] = Field(
        max_length=MAX_ANSWERS,
        description="SKM: score 1..4 per element code U1..U9. Custom: per item code, a score "
        "(Likert), an option code (single), a list of option codes (multi) or text.",
        examples=[{f"U{i}": 3 for i in range(1, 10)}])
    version: int | None = Field(
        None, ge=1, description="Custom surveys: the questionnaire version answered (offline "
        "clients); default: the current one.")
    period: PeriodCode | None = Field(
        None, description="The period; default: the survey's period containing submitted_at.")
    submitted_at: SubmittedAt | None = Field(
        None, description="When the respondent answered (offline clients); default: now. A "
        "date alone (YYYY-MM-DD, a paper form's) means 12:00 that day in the agency's time "
        "zone (SUARA_SURVEYS_TIMEZONE).")
    service_id: Id | None = Field(None, description="The service used, if the survey has none.")
    profile: ProfileIn = Field(default_factory=ProfileIn)


class InvitationResponseCreate(_In):
    response_id: uuid.UUID
    answers: dict[AnswerKey, Answer] = Field(max_length=MAX_ANSWERS,
                                             examples=[{f"U{i}": 3 for i in range(1, 10)}])
    profile: ProfileIn = Field(default_factory=ProfileIn)


class ResponseRecorded(BaseModel):
    response_id: str
    survey_id: str
    period: str
    recorded_at: datetime
    replayed: bool = Field(description="True when this id was already recorded (a retry).")


class BatchIn(_In):
    rows: list[dict[str, Any]] = Field(
        min_length=1, description="Responses, each as in POST .../responses.")


class RowReport(BaseModel):
    row: int = Field(description="1-based position in the batch (CSV: data line number).")
    response_id: str | None
    status: Literal["recorded", "duplicate", "rejected"]
    errors: list[dict[str, Any]] = Field(
        default_factory=list, description="field and message per problem.")


class BatchReport(BaseModel):
    survey_id: str
    rows: int
    recorded: int
    duplicates: int
    rejected: int
    report: list[RowReport]


# -- invitations --------------------------------------------------------------------------------


class InvitationRead(BaseModel):
    status: Literal["open", "used", "expired", "pending"] = Field(
        description="pending: the link is well formed but not active yet (the complaint was "
        "resolved moments ago); try again after retry_after_s. Then nothing else is set.")
    survey_id: str | None
    title: str | None
    expires_at: datetime | None
    kind: Literal["skm", "custom"] | None = None
    questionnaire: list[ElementRead] = Field(description="SKM: the nine elements.")
    items: list[dict[str, Any]] | None = Field(
        None, description="custom: the items to answer (the current version's).")
    retry_after_s: int | None = None


# -- results ------------------------------------------------------------------------------------


class ElementResult(BaseModel):
    code: str
    name_id: str
    name_en: str
    answers: int
    distribution: dict[str, int] = Field(description="Answers per score 1..4.")
    nrr: Number | None = Field(description="Mean score 1..4, 4 decimals.")
    index: Number | None = Field(description="NRR x 25, 2 decimals (half up).")
    grade: str | None


class SampleRead(BaseModel):
    population: int
    required: int
    respondents: int
    sufficient: bool
    shortfall: int


class IkmRead(BaseModel):
    respondents: int
    ni: Number | None = Field(description="Mean of the nine NRRs, 4 decimals.")
    ikm: Number | None = Field(description="NI x 25, 2 decimals (half up); None if incomplete.")
    grade: str | None
    grade_label_id: str | None
    grade_label_en: str | None
    weakest_first: list[str]
    elements: list[ElementResult]


class SegmentResult(IkmRead):
    value: str
    label_id: str
    label_en: str


class WithoutFlaggedRead(BaseModel):
    respondents: int
    ni: Number | None
    ikm: Number | None
    grade: str | None


class BurstsRead(BaseModel):
    """Online SKM answers in bursts (many from one client in one window; docs/surveys.md)."""

    flagged: int = Field(description="Bursts flagged in the scope.")
    flagged_responses: int = Field(description="Their answers (those of this service, if one).")
    excluded: int = Field(description="Bursts the owner excluded: not counted above.")
    excluded_responses: int
    without_flagged: WithoutFlaggedRead = Field(
        description="The result without any flagged burst, excluded or not.")


class BurstRead(BaseModel):
    id: str
    period: str
    window_start: datetime
    window_end: datetime
    responses: int = Field(description="Answers from that client in that window.")
    flagged_at: datetime
    excluded: bool
    excluded_at: datetime | None
    excluded_by: str | None
    ikm: Number | None = Field(description="The IKM of the burst's own answers.")
    grade: str | None


class ResultsRead(IkmRead):
    scope: dict[str, str | None] = Field(description="agency, unit, service, survey(s), period.")
    periods: list[str] = Field(
        default_factory=list, description="The periods summed: the one of that code, or those "
        "that make up the span (the quarters of a year...).")
    bursts: BurstsRead | None = Field(
        None, description="Flagged bursts of online answers; the result above leaves out the "
        "ones the owner excluded.")
    sample: SampleRead | None
    segment: str | None = None
    segments: list[SegmentResult] = Field(default_factory=list)


class ItemResult(BaseModel):
    code: str
    type: str
    text_id: str
    text_en: str
    answers: int
    distribution: dict[str, int] = Field(
        description="Answers per score (Likert) or option; empty for free text.")
    mean: Number | None = Field(None, description="Likert: mean score, 2 decimals.")
    satisfaction: Number | None = Field(
        None, description="Likert: (mean - 1) / (points - 1) x 100, 2 decimals.")


class ItemSegment(BaseModel):
    value: str
    label_id: str
    label_en: str
    respondents: int
    items: list[ItemResult]


class ItemResultsRead(BaseModel):
    survey_id: str
    version: int
    period: str
    periods: list[str] = Field(default_factory=list, description="The periods summed.")
    service_id: str | None
    respondents: int
    items: list[ItemResult]
    segment: str | None = None
    segments: list[ItemSegment] = Field(default_factory=list)
