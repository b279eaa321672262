"""The surveys' own rules, beyond the questionnaire and the arithmetic. Pure; no I/O, no clock.

- **Who may change a survey**: an admin or supervisor (the route checks the role) of the
  survey's agency (``may_manage``).
- **What a survey is**: an SKM survey's questionnaire is built in; a custom survey brings its
  items; a general survey is about a service unit, a post-complaint one is the agency's
  (``check_definition``).
- **Which channel a survey takes**: a post-complaint survey only through its invitation links
  (``check_channel``): an answer anyone could post would not rate a complaint's handling.
- **When a response may be dated**: not in the future (a client's clock may be
  ``CLOCK_SKEW`` ahead), the service used no later than the answer, and inside the period it
  names or, without one, inside some period of the survey (``check_submission``,
  ``check_placement``).
- **An invitation's state**: used once answered, expired after ``expires_at``, else open.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from services.surveys.domain.periods import span
from services.surveys.domain.skm import FieldProblem, InvalidSurveyInput

#: How far in the future a client's clock may be before submitted_at is refused.
CLOCK_SKEW = timedelta(minutes=5)
#: The local time a response dated by its day only (a paper form) is recorded at: noon, so
#: that no time zone conversion can move it to another day.
PAPER_FORM_TIME = time(12, 0)

Kind = Literal["skm", "custom"]
Purpose = Literal["general", "post_complaint"]
Channel = Literal["online", "batch", "invitation"]
InvitationStatus = Literal["open", "used", "expired"]


def _refuse(field: str, message: str, code: str,
            params: dict[str, object] | None = None) -> InvalidSurveyInput:
    return InvalidSurveyInput((FieldProblem(field, message, code, params or {}),))


def may_manage(caller_agency: str | None, survey_agency: str) -> bool:
    """Whether a caller of ``caller_agency`` may change a survey of ``survey_agency``."""
    return caller_agency is not None and caller_agency == survey_agency


def check_definition(*, kind: str, purpose: str, has_items: bool, has_unit: bool) -> None:
    """A new survey's kind, purpose, unit and items fit together: an SKM survey brings no
    items; a general survey is about a service unit (a post-complaint one is the agency's,
    SKM or custom)."""
    if kind == "skm" and has_items:
        raise _refuse("items", "the SKM questionnaire is built in", "skm_items_built_in")
    if purpose == "general" and not has_unit:
        raise _refuse("unit_id", "required: the service unit surveyed", "unit_required")


def check_channel(*, purpose: str, channel: Channel) -> None:
    """A post-complaint survey is answered through its invitation links only."""
    if purpose == "post_complaint" and channel != "invitation":
        raise _refuse("survey_id", "a post-complaint survey is answered through its "
                      "invitation links only", "invitation_links_only")


def check_submission(*, submitted: datetime, now: datetime, day: date, today: date,
                     date_only: bool, service_date: date | None) -> None:
    """``submitted`` (local ``day``) is not in the future, and the service came first. A
    response dated by a day only (a paper form: recorded as 12:00 that day, see
    ``PAPER_FORM_TIME``) is in the future only if its day is after ``today`` (local)."""
    if (day > today) if date_only else (submitted > now + CLOCK_SKEW):
        raise _refuse("submitted_at", "is in the future", "in_the_future")
    if service_date is not None and service_date > day:
        raise _refuse("profile.service_date", "is after the response was submitted",
                      "after_submission")


def submission(given: datetime | date | None, *, now: datetime,
               timezone: str) -> tuple[datetime, date, bool]:
    """When a response was submitted, in UTC; its local day; and whether it gave a day only
    (then it is 12:00 local time that day)."""
    if isinstance(given, datetime):
        moment = given.astimezone(UTC)
    elif isinstance(given, date):
        moment = datetime.combine(given, PAPER_FORM_TIME, ZoneInfo(timezone)).astimezone(UTC)
        return moment, given, True
    else:
        moment = now.astimezone(UTC)
    return moment, moment.astimezone(ZoneInfo(timezone)).date(), False


def check_placement(*, code: str | None, day: date, found: str | None) -> None:
    """The period a response counts for: the one it names (``code``), which must contain its
    ``day``, or the survey's period containing ``day``. ``found`` is the code of the period
    the survey has under ``code`` (or on ``day``), None if it has none."""
    if code is None:
        if found is None:
            raise _refuse("submitted_at", f"{day.isoformat()} is in no period of this survey",
                          "in_no_period", {"day": day.isoformat()})
        return
    if found is None:
        raise _refuse("period", f"this survey has no period {code}", "no_such_period",
                      {"period": code})
    if not span(code).contains(day):
        raise _refuse("submitted_at", f"{day.isoformat()} is outside period {code}",
                      "outside_period", {"day": day.isoformat(), "period": code})


def invitation_status(*, used_at: datetime | None, expires_at: datetime,
                      now: datetime) -> InvitationStatus:
    if used_at is not None:
        return "used"
    return "expired" if expires_at <= now else "open"
