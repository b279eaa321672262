"""Offline batches (JSON and CSV): good rows stored, a report per row, uploads idempotent."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from shared.auth import Role
from shared.events import SurveyResponseRecorded
from tests.integration.surveys.conftest import ALL_THREES

AT = "2026-05-02T08:00:00+07:00"


def row(**fields) -> dict:
    return {"response_id": str(uuid.uuid4()), "answers": ALL_THREES,
            "submitted_at": AT} | fields


async def test_a_json_batch_uploaded_twice_stores_each_response_once(api):
    survey_id = await api.survey("2026")
    rows = [row(), row(profile={"sex": "L", "age": 70}), row(answers=ALL_THREES | {"U5": 7}),
            row(), row(submitted_at="2027-01-02T00:00:00Z"), row(profile={"education": "PhD"})]
    rows.append(dict(rows[0]))  # the same response twice in one batch
    url = f"/v1/surveys/{survey_id}/responses/batch"
    officer = api.auth(Role.OFFICER)
    first = await api.client.post(url, json={"rows": rows}, headers=officer)
    assert first.status_code == 200, first.text
    report = first.json()
    assert (report["rows"], report["recorded"], report["duplicates"], report["rejected"]) == (
        7, 3, 1, 3)
    by_row = {r["row"]: r for r in report["report"]}
    assert by_row[3]["status"] == "rejected"
    assert by_row[3]["errors"] == [{"field": "answers.U5", "message": "must be an integer "
                                    "1..4, got 7"}]
    assert by_row[5]["errors"][0]["field"] == "submitted_at"
    assert by_row[6]["errors"][0]["field"] == "profile.education"
    assert by_row[7]["status"] == "duplicate"
    assert await api.counts() == (3, 3, 3)

    second = (await api.client.post(url, json={"rows": rows}, headers=officer)).json()
    assert (second["recorded"], second["duplicates"], second["rejected"]) == (0, 4, 3)
    assert await api.counts() == (3, 3, 3)


async def test_batches_need_staff_of_the_agency(api):
    survey_id = await api.survey("2026")
    url = f"/v1/surveys/{survey_id}/responses/batch"
    body = {"rows": [row()]}
    assert (await api.client.post(url, json=body)).status_code == 401
    other = api.auth(Role.OFFICER, agency="agency-9")
    assert (await api.client.post(url, json=body, headers=other)).status_code == 403
    r = await api.client.post(url, json={"rows": []}, headers=api.auth())
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "rows"
    assert await api.counts() == (0, 0, 0)


CSV = """response_id,submitted_at,period,age,sex,education,occupation,U1,U2,U3,U4,U5,U6,U7,U8,U9
{a},2026-05-02T08:00:00+07:00,,25,P,SMA,SWASTA,4,3,3,4,3,3,4,2,3
{b},2026-05-03T08:00:00+07:00,2026,,,,,3,3,3,3,3,3,3,3,3
{c},2026-05-03T08:00:00+07:00,,,,,,3,3,x,3,3,3,3,3,3
{d},2026-05-03T08:00:00+07:00,,,,,,3,3,3,3,3,3,3,,3
"""


async def test_a_csv_import_uploaded_twice_stores_each_response_once(api):
    survey_id = await api.survey("2026")
    text = CSV.format(**{k: uuid.uuid4() for k in "abcd"})
    url = f"/v1/surveys/{survey_id}/responses/import"
    files = {"file": ("skm.csv", text.encode(), "text/csv")}
    first = await api.client.post(url, files=files, headers=api.auth(Role.OFFICER))
    assert first.status_code == 200, first.text
    report = first.json()
    assert (report["recorded"], report["duplicates"], report["rejected"]) == (2, 0, 2)
    by_row = {r["row"]: r for r in report["report"]}
    assert by_row[3]["errors"][0]["field"] == "answers.U3"
    assert by_row[4]["errors"] == [{"field": "answers.U8", "message": "missing answer"}]
    second = (await api.client.post(url, files=files, headers=api.auth(Role.OFFICER))).json()
    assert (second["recorded"], second["duplicates"], second["rejected"]) == (0, 2, 2)
    assert await api.counts() == (2, 2, 2)
    body = (await api.client.get(f"/v1/surveys/{survey_id}/results",
                                 params={"period": "2026", "by": "occupation"})).json()
    assert [(s["value"], s["respondents"]) for s in body["segments"]] == [
        ("SWASTA", 1), ("not_given", 1)]


async def test_a_malformed_csv_is_refused_whole(api):
    survey_id = await api.survey("2026")
    url = f"/v1/surveys/{survey_id}/responses/import"
    for content in (b"response_id,U1,U2,name\n", b"\xff\xfe\x00bad",
                    b"response_id,U1,U2,U3,U4,U5,U6,U7,U8\n"):
        r = await api.client.post(url, files={"file": ("x.csv", content, "text/csv")},
                                  headers=api.auth())
        assert r.status_code == 422 and r.json()["field"] == "file", r.text
    r = await api.client.post(url, headers=api.auth())
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "file"
    assert await api.counts() == (0, 0, 0)


async def test_a_paper_forms_date_alone_is_noon_local_time(api):
    today = datetime.now(ZoneInfo("Asia/Jakarta")).date()
    survey_id = await api.survey("2026", str(today.year) if today.year != 2026 else "2027")
    ids = [uuid.uuid4(), uuid.uuid4()]
    text = ("response_id,submitted_at,U1,U2,U3,U4,U5,U6,U7,U8,U9\n"
            f"{ids[0]},2026-05-02,3,3,3,3,3,3,3,3,3\n"
            f"{ids[1]},{today.isoformat()},4,4,4,4,4,4,4,4,4\n")  # today: even before noon
    url = f"/v1/surveys/{survey_id}/responses/import"
    files = {"file": ("paper.csv", text.encode(), "text/csv")}
    report = (await api.client.post(url, files=files, headers=api.auth(Role.OFFICER))).json()
    assert (report["recorded"], report["rejected"]) == (2, 0), report  # was 2 rejected
    first = next(e for e in await api.events(SurveyResponseRecorded.event_type)
                 if e.data.response_id == str(ids[0]))
    assert first.data.occurred_at == datetime(2026, 5, 2, 5, 0, tzinfo=UTC)  # 12:00 WIB
    again = (await api.client.post(url, files=files, headers=api.auth(Role.OFFICER))).json()
    assert again["duplicates"] == 2  # the same day gives the same time: a re-upload is safe
    tomorrow = (today + timedelta(days=1)).isoformat()
    late = (await api.client.post(url, headers=api.auth(Role.OFFICER), files={"file": (
        "x.csv", f"response_id,submitted_at,U1,U2,U3,U4,U5,U6,U7,U8,U9\n{uuid.uuid4()},"
        f"{tomorrow},3,3,3,3,3,3,3,3,3\n".encode(), "text/csv")})).json()
    assert late["report"][0]["errors"][0]["field"] == "submitted_at"
