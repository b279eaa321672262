"""Events of the surveys service, on ``suara.surveys``.

Satisfaction surveys: the SKM of PermenPANRB 14/2017 (nine elements, *unsur* U1..U9, scored
1-4, giving the IKM index 25-100 and a grade A-D) and custom Likert surveys. A response carries
the respondent's profile as categories only, never who they are, and is not linked to a
complaint: answers stay unlinkable to a person.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from shared.events.envelope import EventPayload
from shared.events.kpi import Period
from shared.topics import Topic

Id = Annotated[str, Field(min_length=1, max_length=64)]
ItemCode = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")]
Score = Annotated[int, Field(ge=1, le=10)]


class SurveyKind(StrEnum):
    """skm: the regulated satisfaction survey; custom: any other Likert survey."""

    SKM = "skm"
    CUSTOM = "custom"


class AgeBand(StrEnum):
    UNDER_20 = "under_20"
    FROM_20_TO_29 = "20_29"
    FROM_30_TO_39 = "30_39"
    FROM_40_TO_49 = "40_49"
    FROM_50_TO_59 = "50_59"
    FROM_60 = "60_plus"


class Education(StrEnum):
    """The SKM form's education levels."""

    PRIMARY_OR_LESS = "primary_or_less"
    JUNIOR_SECONDARY = "junior_secondary"
    SENIOR_SECONDARY = "senior_secondary"
    DIPLOMA = "diploma"
    BACHELOR = "bachelor"
    POSTGRADUATE = "postgraduate"


class Occupation(StrEnum):
    """The SKM form's occupations."""

    CIVIL_SERVANT = "civil_servant"
    MILITARY_POLICE = "military_police"
    PRIVATE_EMPLOYEE = "private_employee"
    SELF_EMPLOYED = "self_employed"
    STUDENT = "student"
    OTHER = "other"


class RespondentProfile(BaseModel):
    """Who answered, as categories only (each may be left out by the respondent)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    age_band: AgeBand | None = Field(None, description="Age band.")
    sex: Literal["male", "female"] | None = Field(None, description="Sex, as on the SKM form.")
    education: Education | None = Field(None, description="Highest education level.")
    occupation: Occupation | None = Field(None, description="Occupation category.")


class SurveyInvitationCreated(EventPayload):
    """An invitation to rate a resolved complaint's handling was created.

    The link is not here: its token is drawn by the complaints service, which holds the
    reporter's contact, and travels only in the restricted notification request; the
    invitation was created from the token's hash (``complaint.resolved``'s
    ``survey_token_sha256``)."""

    event_type = "survey.invitation_created.v2"
    topic = Topic.SURVEYS
    key_field = "invitation_id"

    invitation_id: Id = Field(description="The invitation.")
    survey_id: Id = Field(description="The survey the invitation is for.")
    complaint_id: Id = Field(description="The complaint whose handling is to be rated.")
    agency_id: Id = Field(description="The agency that handled the complaint.")
    expires_at: AwareDatetime = Field(description="When the invitation stops being accepted.")
    occurred_at: AwareDatetime = Field(description="When the invitation was created.")


class SurveyInvitationCreatedV1(EventPayload):
    """Superseded by ``survey.invitation_created.v2`` and never published any more: it
    carried the invitation link in clear on a topic every service reads. Kept only so that an
    old log still parses when it is replayed."""

    event_type = "survey.invitation_created.v1"
    topic = Topic.SURVEYS
    key_field = "invitation_id"

    invitation_id: Id = Field(description="The invitation.")
    survey_id: Id = Field(description="The survey the invitation is for.")
    complaint_id: Id = Field(description="The complaint whose handling is to be rated.")
    agency_id: Id = Field(description="The agency that handled the complaint.")
    invitation_url: str = Field(
        min_length=9, max_length=2048, pattern=r"^https://",
        description="The link that opens the survey (carries its own single-use token).",
    )
    expires_at: AwareDatetime = Field(description="When the invitation stops being accepted.")
    occurred_at: AwareDatetime = Field(description="When the invitation was created.")


class SurveyResponseRecorded(EventPayload):
    """A respondent submitted an answer to a survey."""

    event_type = "survey.response_recorded.v1"
    topic = Topic.SURVEYS
    key_field = "survey_id"

    response_id: Id = Field(description="The response; consumers may deduplicate on it too.")
    survey_id: Id = Field(description="The survey answered.")
    survey_version: int = Field(ge=1, description="Version of the survey's questionnaire.")
    kind: SurveyKind = Field(description="SKM or custom survey.")
    agency_id: Id = Field(description="The agency surveyed.")
    unit_id: Id | None = Field(None, description="The service unit surveyed, if any.")
    service_id: Id | None = Field(None, description="The public service surveyed, if any.")
    period: Period = Field(description="The survey period the response counts for.")
    scale_max: int = Field(ge=2, le=10, description="Top of the answer scale: 4 for the SKM.")
    scores: dict[ItemCode, Score] = Field(
        min_length=1, description="Score per element (unsur, U1..U9 for the SKM) or item code."
    )
    respondent: RespondentProfile = Field(
        default_factory=RespondentProfile, description="Respondent profile, categories only."
    )
    channel: Literal["online", "invitation", "batch"] | None = Field(
        None, description="How the response came in: online form, a post-complaint invitation "
        "link, or a batch of paper forms keyed in (participation per channel). Optional: "
        "older producers leave it out.")
    in_excluded_burst: bool = Field(
        False, description="The answer joined a burst its survey's owner had already excluded "
        "(survey.burst_excluded.v1): the surveys service leaves it out of its results, so SKM "
        "figures must not count it; a later survey.burst_included.v1 carries it in its "
        "tallies. Optional: false when left out.")
    occurred_at: AwareDatetime = Field(description="When the response was submitted.")

    @model_validator(mode="after")
    def _scores_on_scale(self) -> Self:
        over = sorted(code for code, score in self.scores.items() if score > self.scale_max)
        if over:
            raise ValueError(f"scores above scale_max {self.scale_max}: {', '.join(over)}")
        return self


class SurveyPeriodClosed(EventPayload):
    """A survey's period is closed: no more responses count for it."""

    event_type = "survey.period_closed.v1"
    topic = Topic.SURVEYS
    key_field = "survey_id"

    survey_id: Id = Field(description="The survey.")
    survey_version: int = Field(ge=1, description="Version of the questionnaire in the period.")
    kind: SurveyKind = Field(description="SKM or custom survey.")
    agency_id: Id = Field(description="The agency surveyed.")
    unit_id: Id | None = Field(None, description="The service unit surveyed, if any.")
    period: Period = Field(description="The period closed.")
    response_count: int = Field(ge=0, description="Responses counted in the period.")
    ikm: float | None = Field(
        None, ge=25, le=100, description="The satisfaction index (SKM with responses only)."
    )
    grade: Literal["A", "B", "C", "D"] | None = Field(
        None, description="The IKM's grade (A: 88.31-100 ... D: 25-64.99), with ikm."
    )
    occurred_at: AwareDatetime = Field(description="When the period was closed.")


#: An SKM element's answers per score: how many gave 1, 2, 3 and 4.
ScoreCounts = Annotated[list[Annotated[int, Field(ge=0)]], Field(min_length=4, max_length=4)]


class BurstTally(BaseModel):
    """The answers of a burst that count for one survey period and were submitted on one
    local day: aggregate counts only, the shape of an SKM tally."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    period: Period = Field(description="The survey period these answers count for (each "
                           "answer's own, as in its survey.response_recorded).")
    day: date = Field(description="The local day they were submitted on (in the agency's time "
                      "zone, SUARA_SURVEYS_TIMEZONE): the day their response events are dated.")
    respondents: int = Field(ge=1, description="How many answers.")
    counts: dict[ItemCode, ScoreCounts] = Field(
        min_length=1, description="Per SKM element (U1..U9), how many of these answers gave it "
        "1, 2, 3 and 4.")


class SurveyBurstEvent(EventPayload):
    """Base of the burst events (abstract: registers no type). A burst is more than
    SUARA_SURVEYS_BURST_THRESHOLD online SKM answers from one client in one window
    (docs/surveys.md, "Bursts"); the event holds the burst's whole tally at the moment of
    the change (event-carried state), split by survey period and local day, so a consumer
    that counted its answers from survey.response_recorded can take them out or put them
    back without storing them. No client, no response ids: counts only."""

    topic = Topic.SURVEYS
    key_field = "survey_id"

    burst_id: Id = Field(description="The burst (as in GET /v1/surveys/{id}/bursts).")
    survey_id: Id = Field(description="The survey answered.")
    agency_id: Id = Field(description="The agency surveyed.")
    unit_id: Id | None = Field(None, description="The service unit surveyed, if any.")
    period: Period = Field(description="The survey period the burst is listed in.")
    window_start: AwareDatetime = Field(
        description="Start of the window the answers arrived in (by arrival time).")
    respondents: int = Field(ge=1, description="The burst's answers: the sum over tallies.")
    tallies: list[BurstTally] = Field(
        min_length=1, description="The burst's answers per survey period and local day of "
        "submission, every answer counted so far (also those that joined it after an "
        "exclusion, whose response events say in_excluded_burst).")
    occurred_at: AwareDatetime = Field(description="When the owner excluded or included it.")

    @model_validator(mode="after")
    def _respondents_add_up(self) -> Self:
        if sum(t.respondents for t in self.tallies) != self.respondents:
            raise ValueError("respondents is not the sum of the tallies' respondents")
        return self


class SurveyBurstExcluded(SurveyBurstEvent):
    """The survey's owner left a burst out of the results: subtract its tallies."""

    event_type = "survey.burst_excluded.v1"


class SurveyBurstIncluded(SurveyBurstEvent):
    """The survey's owner counted an excluded burst again: add its tallies back."""

    event_type = "survey.burst_included.v1"
