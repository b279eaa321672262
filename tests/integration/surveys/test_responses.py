"""Surveys, periods and online responses: validation, idempotency, tally and event."""

from __future__ import annotations

import json
import uuid

from sqlalchemy import select

from services.surveys.models import skm_tallies
from shared.auth import Role
from shared.events import SurveyResponseRecorded
from tests.integration.surveys.conftest import AGENCY, ALL_THREES


class TestSurveysAndPeriods:
    async def test_create_survey_with_periods(self, api):
        survey_id = await api.survey("2026-Q1", "2026-04")
        r = await api.client.get(f"/v1/surveys/{survey_id}")
        assert r.status_code == 200
        body = r.json()
        assert body["agency_id"] == AGENCY and body["unit_id"] == "unit-1"
        assert [p["code"] for p in body["periods"]] == ["2026-Q1", "2026-04"]
        assert body["periods"][0]["last_day"] == "2026-03-31"
        assert [e["code"] for e in body["questionnaire"]] == [f"U{i}" for i in range(1, 10)]
        assert body["questionnaire"][3]["labels_id"][3] == "Gratis"
        listed = await api.client.get("/v1/surveys", params={"unit_id": "unit-1"})
        assert [s["id"] for s in listed.json()] == [survey_id]

    async def test_only_the_agencys_admins_manage(self, api):
        body = {"unit_id": "u", "title": "t"}
        assert (await api.client.post("/v1/surveys", json=body)).status_code == 401
        officer = api.auth(Role.OFFICER)
        assert (await api.client.post("/v1/surveys", json=body,
                                      headers=officer)).status_code == 403
        other = api.auth(Role.ADMIN, agency="agency-2")
        r = await api.client.post("/v1/surveys", json=body | {"agency_id": AGENCY},
                                  headers=other)
        assert r.status_code == 403
        survey_id = await api.survey()
        r = await api.client.post(f"/v1/surveys/{survey_id}/periods", json={"code": "2026"},
                                  headers=other)
        assert r.status_code == 403

    async def test_overlapping_and_malformed_periods_are_refused(self, api):
        survey_id = await api.survey("2026-Q2")
        url = f"/v1/surveys/{survey_id}/periods"
        r = await api.client.post(url, json={"code": "2026-05"}, headers=api.auth())
        assert r.status_code == 409 and r.json()["field"] == "code"
        r = await api.client.post(url, json={"code": "2026-13"}, headers=api.auth())
        assert r.status_code == 422 and r.json()["fields"][0]["field"] == "code"
        r = await api.client.post(url, json={"code": "2026-Q2"}, headers=api.auth())
        assert r.status_code == 409
        r = await api.client.post(url, json={"code": "2026-Q3"}, headers=api.auth())
        assert r.status_code == 201


class TestRecording:
    async def test_a_response_is_recorded_once_with_its_event(self, api):
        survey_id = await api.survey("2026")
        response_id = str(uuid.uuid4())
        body = {"response_id": response_id, "answers": ALL_THREES | {"U4": 4},
                "submitted_at": "2026-03-10T09:00:00+07:00", "service_id": "ktp",
                "profile": {"age": 34, "sex": "P", "education": "S2", "occupation": "PNS",
                            "service_date": "2026-03-09"}}
        url = f"/v1/surveys/{survey_id}/responses"
        first = await api.client.post(url, json=body)
        assert first.status_code == 201, first.text
        assert first.json()["period"] == "2026" and first.json()["replayed"] is False
        again = await api.client.post(url, json=body)
        assert again.status_code == 200 and again.json()["replayed"] is True
        assert await api.counts() == (1, 1, 1)

        (event,) = await api.events(SurveyResponseRecorded.event_type)
        data = event.data
        assert data.response_id == response_id and data.survey_id == survey_id
        assert data.scores == ALL_THREES | {"U4": 4} and data.scale_max == 4
        assert data.period == "2026" and data.service_id == "ktp" and data.unit_id == "unit-1"
        assert data.respondent.model_dump(mode="json") == {
            "age_band": "30_39", "sex": "female", "education": "postgraduate",
            "occupation": "civil_servant"}
        assert set(data.model_dump()) == {  # no exact age, no date of service, no name
            "response_id", "survey_id", "survey_version", "kind", "agency_id", "unit_id",
            "service_id", "period", "scale_max", "scores", "respondent", "channel",
            "in_excluded_burst", "occurred_at"}
        assert data.in_excluded_burst is False
        assert data.channel == "online"  # KPI counts responses per channel from it

        async with api.runtime.engine.connect() as conn:
            row = (await conn.execute(select(skm_tallies))).mappings().one()
        assert row["respondents"] == 1 and row["u4_s4"] == 1 and row["u1_s3"] == 1
        assert row["age_band"] == "AGE_30_39" and row["service_key"] == "ktp"

    async def test_same_id_other_content_is_a_conflict(self, api):
        survey_id = await api.survey("2026")
        response_id = str(uuid.uuid4())
        ok = await api.respond(survey_id, response_id=response_id,
                               submitted_at="2026-02-01T10:00:00Z")
        assert ok.status_code == 201
        r = await api.respond(survey_id, answers=ALL_THREES | {"U1": 1},
                              response_id=response_id, submitted_at="2026-02-01T10:00:00Z")
        assert r.status_code == 409 and r.json()["field"] == "response_id"
        assert await api.counts() == (1, 1, 1)

    async def test_invalid_requests_name_the_field_and_change_nothing(self, api):
        survey_id = await api.survey("2026-Q1")
        at = {"submitted_at": "2026-02-01T10:00:00+07:00"}
        cases = [
            ({"answers": ALL_THREES | {"U3": 5}} | at, 422, "answers.U3"),
            ({"answers": ALL_THREES | {"U3": 0}} | at, 422, "answers.U3"),
            ({"answers": ALL_THREES | {"U10": 2}} | at, 422, "answers.U10"),
            ({"answers": {k: v for k, v in ALL_THREES.items() if k != "U9"}} | at, 422,
             "answers.U9"),
            ({"answers": ALL_THREES | {"U2": "3"}} | at, 422, "answers.U2"),
            ({"answers": ALL_THREES | {"U2": 2.5}} | at, 422, "answers.U2"),
            ({"answers": ALL_THREES | {"U2": True}} | at, 422, "answers.U2"),
            ({"submitted_at": "2026-04-01T00:30:00+07:00"}, 422, "submitted_at"),
            ({"submitted_at": "2026-03-31T17:30:00Z"}, 422, "submitted_at"),  # 1 Apr in WIB
            ({"submitted_at": "2026-02-01T10:00:00"}, 422, "submitted_at"),  # naive
            ({"submitted_at": "2099-01-01T10:00:00Z"}, 422, "submitted_at"),
            ({"period": "2026-Q2"} | at, 422, "period"),
            ({"period": "2026-Q1", "submitted_at": "2025-12-31T12:00:00Z"}, 422,
             "submitted_at"),
            ({"profile": {"sex": "X"}} | at, 422, "profile.sex"),
            ({"profile": {"age": 130}} | at, 422, "profile.age"),
            ({"profile": {"service_date": "2026-02-02"}} | at, 422, "profile.service_date"),
            ({"profile": {"name": "Budi"}} | at, 422, "profile.name"),
            ({"phone": "0812"} | at, 422, "phone"),
            ({"response_id": "not-a-uuid"} | at, 422, "response_id"),
        ]
        for fields, status, field in cases:
            r = await api.respond(survey_id, **fields)
            assert r.status_code == status, (fields, r.text)
            named = r.json().get("field") or r.json()["fields"][0]["field"]
            assert named == field or named.startswith(field + "."), (fields, r.json())
        inner = json.dumps(ALL_THREES)[1:-1]
        raw = (f'{{"response_id": "{uuid.uuid4()}", "answers": {{"U1": 4, {inner}}}, '
               '"submitted_at": "2026-02-01T10:00:00Z"}')
        r = await api.client.post(f"/v1/surveys/{survey_id}/responses", content=raw,
            headers={"content-type": "application/json"})
        assert r.status_code == 422 and r.json()["field"] == "answers.U1", r.text
        missing = await api.respond(str(uuid.uuid4()), **at)
        assert missing.status_code == 404 and missing.json()["error"] == "survey_not_found"
        assert await api.counts() == (0, 0, 0)

    async def test_a_closed_period_takes_no_responses(self, api):
        survey_id = await api.survey("2026-Q1")
        at = {"submitted_at": "2026-02-01T10:00:00Z", "response_id": str(uuid.uuid4())}
        assert (await api.respond(survey_id, **at)).status_code == 201
        url = f"/v1/surveys/{survey_id}/periods/2026-Q1/close"
        r = await api.client.post(url, headers=api.auth())
        assert r.status_code == 200 and r.json()["periods"][0]["status"] == "closed"
        assert (await api.client.post(url, headers=api.auth())).status_code == 409
        retry = await api.respond(survey_id, **at)  # recorded before the close: a replay
        assert retry.status_code == 200 and retry.json()["replayed"] is True
        r = await api.respond(survey_id, **(at | {"response_id": str(uuid.uuid4())}))
        assert r.status_code == 409 and r.json()["field"] == "period"
        closed = (await api.events("survey.period_closed.v1"))[0].data
        assert closed.response_count == 1 and closed.ikm == 75.0 and closed.grade == "C"


async def test_the_api_is_documented(api):
    spec = (await api.client.get("/openapi.json")).json()
    paths = spec["paths"]
    for path in ("/v1/surveys", "/v1/surveys/{survey_id}/responses",
                 "/v1/surveys/{survey_id}/responses/batch",
                 "/v1/surveys/{survey_id}/responses/import", "/v1/invitations/{token}/responses",
                 "/v1/surveys/{survey_id}/results", "/v1/surveys/{survey_id}/report.pdf"):
        assert path in paths, path
    post = paths["/v1/surveys/{survey_id}/responses"]["post"]
    assert {"200", "201", "409", "422"} <= set(post["responses"])
    schema = spec["components"]["schemas"]["ResponseCreate"]
    assert "client" in schema["properties"]["response_id"]["description"]
    assert (await api.client.get("/docs")).status_code == 200


async def test_creating_a_survey_is_idempotent_with_a_key(api):
    body = {"unit_id": "unit-9", "title": "SKM"}
    headers = api.auth() | {"Idempotency-Key": "create-skm-unit-9"}
    first = await api.client.post("/v1/surveys", json=body, headers=headers)
    again = await api.client.post("/v1/surveys", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    other = await api.client.post("/v1/surveys", json=body | {"title": "x"}, headers=headers)
    assert other.status_code == 409 and other.json()["field"] == "Idempotency-Key"
    fresh = await api.client.post("/v1/surveys", json=body, headers=api.auth())
    assert fresh.status_code == 201 and fresh.json()["id"] != first.json()["id"]
    listed = await api.client.get("/v1/surveys", params={"unit_id": "unit-9"})
    assert len(listed.json()) == 2
