import hashlib
import re
import secrets
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite

from services.surveys.domain.periods import local_date, month_of, span
from services.surveys.domain.profile import SEGMENTS, stored_profile
from services.surveys.domain.skm import InvalidSurveyInput
from services.surveys.service.invitations import TOKEN_PATTERN, hash_token, invitation_id_for
from services.surveys.settings import SurveysSettings
from shared.types import UtcDateTime


@pytest.mark.parametrize(("code", "first", "after"), [
    ("2026", date(2026, 1, 1), date(2027, 1, 1)),
    ("2026-02", date(2026, 2, 1), date(2026, 3, 1)),
    ("2026-12", date(2026, 12, 1), date(2027, 1, 1)),
    ("2026-Q3", date(2026, 7, 1), date(2026, 10, 1)),
    ("2026-H2", date(2026, 7, 1), date(2027, 1, 1)),
])
def test_a_code_names_its_dates(code, first, after):
    s = span(code)
    assert (s.starts_on, s.ends_on) == (first, after)
    assert s.contains(first) and not s.contains(after)
    assert s.contains(after - timedelta(days=1))


@pytest.mark.parametrize("code", ["26", "2026-13", "2026-Q5", "2026-H3", "2026-1", "1999",
                                  "2026-q1", " 2026"])
def test_bad_codes_name_the_field(code):
    with pytest.raises(InvalidSurveyInput) as info:
        span(code, field="code")
    assert info.value.problems[0].field == "code"


@settings(deadline=None)  # invariants, not timings (the machine is shared)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_the_month_of_a_day_contains_it_and_lies_in_its_year(day):
    month = span(month_of(day))
    assert month.contains(day)
    assert month.overlaps(span(str(day.year)))
    quarter = span(f"{day.year}-Q{(day.month - 1) // 3 + 1}")
    assert quarter.contains(day) and month.overlaps(quarter)


def test_overlap():
    assert not span("2026-Q1").overlaps(span("2026-04"))
    assert span("2026-H1").overlaps(span("2026-06"))


def test_the_local_date_decides_the_period():
    late = datetime(2026, 3, 31, 17, 30, tzinfo=UTC)  # 00:30 on 1 April in Jakarta (UTC+7)
    assert local_date(late, "Asia/Jakarta") == date(2026, 4, 1)
    assert local_date(late, "UTC") == date(2026, 3, 31)
    # stored timestamps (models.py: UtcDateTime) are written in UTC and read back aware in UTC,
    # also from SQLite, which keeps no offset
    column, dialect = UtcDateTime(), sqlite.dialect()
    assert column.process_bind_param(
        datetime(2026, 1, 1, 7, tzinfo=timezone(timedelta(hours=7))), dialect) == datetime(
        2026, 1, 1, tzinfo=UTC)
    read = column.process_result_value(datetime(2026, 1, 1), dialect)
    assert read is not None and read.tzinfo is UTC


def test_the_profile_keeps_bands_and_maps_to_event_categories():
    p = stored_profile(age=60, sex="L", education="S3", occupation="POLRI")
    assert p.age_band == "AGE_60_PLUS"
    event = p.as_event().model_dump(mode="json")
    assert event == {"age_band": "60_plus", "sex": "male", "education": "postgraduate",
                     "occupation": "military_police"}
    assert stored_profile(age=None, sex=None, education=None, occupation=None).as_event() \
        .model_dump(exclude_none=True) == {}
    with pytest.raises(InvalidSurveyInput) as info:
        stored_profile(age=None, sex="X", education=None, occupation=None)
    assert info.value.problems[0].field == "sex"


def test_every_segment_code_maps_to_an_event_category():
    for segment, choices in SEGMENTS.items():
        for c in choices:
            kwargs = {"age": None, "sex": None, "education": None, "occupation": None}
            if segment == "age_band":
                continue
            kwargs[segment] = c.code
            event = stored_profile(**kwargs).as_event()
            assert getattr(event, segment) is not None


def test_an_invitation_keeps_the_hash_complaints_computes_and_its_links_have_one_shape():
    inv = invitation_id_for("complaint-1")
    assert inv == invitation_id_for("complaint-1") != invitation_id_for("complaint-2")
    token = secrets.token_urlsafe(32)  # what the complaints service draws (docs/surveys.md)
    assert TOKEN_PATTERN.match(token)
    assert hash_token(token) == hashlib.sha256(token.encode()).hexdigest()
    assert re.fullmatch(r"[0-9a-f]{64}", hash_token(token))  # complaint.resolved's pattern
    for not_a_token in ("nope", token[:-1], token + "A", token[:-1] + "=", token[:-1] + "/"):
        assert not TOKEN_PATTERN.match(not_a_token)


def test_the_surveys_service_has_no_secret_of_its_own():
    settings = SurveysSettings(environment="production", jwt_secret="s" * 40,
                               public_url="https://survei.example.go.id")
    assert not [name for name in type(settings).model_fields if "secret" in name
                and name != "jwt_secret"]
    with pytest.raises(ValueError):  # a link only this machine could open
        SurveysSettings(environment="production", jwt_secret="s" * 40,
                        public_url="http://survei.example.go.id")
    with pytest.raises(ValueError):
        SurveysSettings(public_url="ftp://survei.example.go.id")
