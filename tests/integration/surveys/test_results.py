"""IKM results from the stored tallies: JSON, CSV, segments, unit level, sample check."""

from __future__ import annotations

import csv
import io

from tests.integration.surveys.conftest import ALL_THREES

# The worked example of docs/ikm.md: IKM 77.78, grade B.
EXAMPLE = ([4, 3, 2, 4, 3, 3, 4, 1, 3], [3, 3, 3, 4, 4, 3, 4, 2, 3])
AT = "2026-02-01T10:00:00+07:00"


def answers(scores: list[int]) -> dict[str, int]:
    return {f"U{i}": s for i, s in enumerate(scores, start=1)}


async def test_the_worked_example(api):
    survey_id = await api.survey("2026", population=100)
    for scores, sex in zip(EXAMPLE, ["L", "P"], strict=True):
        r = await api.respond(survey_id, answers(scores), submitted_at=AT,
                              profile={"sex": sex})
        assert r.status_code == 201
    r = await api.client.get(f"/v1/surveys/{survey_id}/results", params={"period": "2026"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["respondents"] == 2
    assert body["ikm"] == 77.78 and body["ni"] == 3.1111
    assert body["grade"] == "B" and body["grade_label_id"] == "Baik"
    u8 = body["elements"][7]
    assert u8 == {"code": "U8", "name_id": "Penanganan Pengaduan, Saran dan Masukan",
                  "name_en": "Handling of complaints, suggestions and feedback", "answers": 2,
                  "distribution": {"1": 1, "2": 1, "3": 0, "4": 0}, "nrr": 1.5,
                  "index": 37.5, "grade": "D"}
    assert body["weakest_first"][:2] == ["U8", "U3"]
    assert body["sample"] == {"population": 100, "required": 80, "respondents": 2,
                              "sufficient": False, "shortfall": 78}

    by_sex = (await api.client.get(f"/v1/surveys/{survey_id}/results",
                                   params={"period": "2026", "by": "sex"})).json()
    assert [(s["value"], s["respondents"]) for s in by_sex["segments"]] == [("L", 1), ("P", 1)]
    assert by_sex["segments"][0]["label_id"] == "Laki-laki"
    # L answered 4 3 2 4 3 3 4 1 3: 27 / 9 x 25 = 75.00
    assert by_sex["segments"][0]["ikm"] == 75.0 and by_sex["ikm"] == 77.78

    r = await api.client.get(f"/v1/surveys/{survey_id}/results.csv",
                             params={"period": "2026", "by": "sex"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    total = next(x for x in rows if x["segment"] == "all" and x["element"] == "IKM")
    assert total["index"] == "77.78" and total["grade"] == "B" and total["nrr"] == "3.1111"
    u3 = next(x for x in rows if x["segment"] == "all" and x["element"] == "U3")
    assert (u3["score_2"], u3["score_3"], u3["index"], u3["grade"]) == ("1", "1", "62.50", "D")
    assert len(rows) == 3 * 10  # total + two segments, nine elements and the IKM each


async def test_an_empty_period_has_no_index(api):
    survey_id = await api.survey("2026")
    body = (await api.client.get(f"/v1/surveys/{survey_id}/results",
                                 params={"period": "2026"})).json()
    assert body["respondents"] == 0 and body["ikm"] is None and body["grade"] is None
    assert body["sample"] is None
    r = await api.client.get(f"/v1/surveys/{survey_id}/results", params={"period": "2025"})
    assert r.status_code == 404 and r.json()["field"] == "period"
    r = await api.client.get(f"/v1/surveys/{survey_id}/results", params={"period": "20"})
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "period"
    r = await api.client.get(f"/v1/surveys/{survey_id}/results",
                             params={"period": "2026", "by": "religion"})
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "by"


async def test_unit_results_add_the_counts_of_its_surveys_and_services(api):
    first = await api.survey("2026", population=50, service_id="ktp")
    second = await api.survey("2026", population=150, service_id="kk")
    elsewhere = await api.survey("2026", unit_id="unit-2")
    assert (await api.respond(first, answers([4] * 9), submitted_at=AT)).status_code == 201
    for _ in range(3):
        assert (await api.respond(second, answers([2] * 9), submitted_at=AT)).status_code == 201
    assert (await api.respond(elsewhere, answers([1] * 9), submitted_at=AT)).status_code == 201
    url = "/v1/agencies/agency-1/units/unit-1/results"
    body = (await api.client.get(url, params={"period": "2026"})).json()
    # (4 + 2 + 2 + 2) / 4 = 2.5 per element: 62.50, D — not the mean of 100 and 50
    assert body["respondents"] == 4 and body["ikm"] == 62.5 and body["grade"] == "D"
    assert body["sample"]["population"] == 200 and body["sample"]["required"] == 132
    ktp = (await api.client.get(url, params={"period": "2026", "service_id": "ktp"})).json()
    assert ktp["respondents"] == 1 and ktp["ikm"] == 100.0 and ktp["grade"] == "A"
    r = await api.client.get(url + ".csv", params={"period": "2026"})
    assert "IKM" in r.text and "62.50" in r.text
    agency = (await api.client.get("/v1/agencies/agency-1/results",
                                   params={"period": "2026"})).json()
    # + unit-2's one response of all 1s: (4 + 2 + 2 + 2 + 1) / 5 = 2.2 per element: 55.00
    assert agency["respondents"] == 5 and agency["ikm"] == 55.0
    assert agency["scope"]["unit_id"] is None
    r = await api.client.get("/v1/agencies/agency-1/results.csv", params={"period": "2026"})
    assert r.status_code == 200 and "55.00" in r.text
    none = (await api.client.get(url, params={"period": "2027"})).json()
    assert none["respondents"] == 0 and none["ikm"] is None


async def test_population_can_be_set_later(api):
    survey_id = await api.survey("2026-Q1")
    for _ in range(3):
        await api.respond(survey_id, ALL_THREES, submitted_at=AT)
    r = await api.client.patch(f"/v1/surveys/{survey_id}/periods/2026-Q1",
                               json={"population": 3}, headers=api.auth())
    assert r.status_code == 200 and r.json()["periods"][0]["population"] == 3
    r = await api.client.patch(f"/v1/surveys/{survey_id}/periods/2026-Q1",
                               json={"population": 0}, headers=api.auth())
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "population"
    body = (await api.client.get(f"/v1/surveys/{survey_id}/results",
                                 params={"period": "2026-Q1"})).json()
    assert body["sample"] == {"population": 3, "required": 3, "respondents": 3,
                              "sufficient": True, "shortfall": 0}


async def test_the_printable_report(api):
    survey_id = await api.survey("2026", population=100, title="SKM Kantor Imigrasi")
    for scores, sex in zip(EXAMPLE, ["L", "P"], strict=True):
        await api.respond(survey_id, answers(scores), submitted_at=AT,
                          profile={"sex": sex, "age": 40})
    r = await api.client.get(f"/v1/surveys/{survey_id}/report.pdf", params={"period": "2026"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf" and r.content.startswith(b"%PDF")
    assert len(r.content) > 2000
    empty = await api.client.get(f"/v1/surveys/{await api.survey('2026')}/report.pdf",
                                 params={"period": "2026"})
    assert empty.status_code == 200 and empty.content.startswith(b"%PDF")
    missing = await api.client.get(f"/v1/surveys/{survey_id}/report.pdf",
                                   params={"period": "2024"})
    assert missing.status_code == 404
    unit = await api.client.get("/v1/agencies/agency-1/units/unit-1/report.pdf",
                                params={"period": "2026"})
    assert unit.status_code == 200 and unit.content.startswith(b"%PDF")


async def test_a_year_from_its_quarters_without_opening_it(api):
    survey_id = await api.survey("2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4", population=100,
                                 service_id="ktp")
    for at, score in (("2026-02-01T10:00:00+07:00", 4), ("2026-08-01T10:00:00+07:00", 2)):
        assert (await api.respond(survey_id, answers([score] * 9),
                                  submitted_at=at)).status_code == 201
    url = f"/v1/surveys/{survey_id}/results"
    year = await api.client.get(url, params={"period": "2026"})
    assert year.status_code == 200, year.text  # was 404: no period "2026"
    body = year.json()
    assert body["respondents"] == 2 and body["ikm"] == 75.0  # (4 + 2) / 2 per element
    assert body["periods"] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert body["sample"]["population"] == 400
    assert body["scope"]["period"] == "2026" and body["scope"]["service_id"] == "ktp"
    half = (await api.client.get(url, params={"period": "2026-H1"})).json()
    assert half["respondents"] == 1 and half["ikm"] == 100.0
    assert half["periods"] == ["2026-Q1", "2026-Q2"]
    quarter = (await api.client.get(url, params={"period": "2026-Q3"})).json()
    assert quarter["periods"] == ["2026-Q3"] and quarter["ikm"] == 50.0
    unit = (await api.client.get("/v1/agencies/agency-1/units/unit-1/results",
                                 params={"period": "2026"})).json()
    assert unit["respondents"] == 2 and unit["periods"] == body["periods"]
    r = await api.client.get(f"/v1/surveys/{survey_id}/results.csv", params={"period": "2026"})
    assert r.status_code == 200 and "75.00" in r.text
    pdf = await api.client.get(f"/v1/surveys/{survey_id}/report.pdf", params={"period": "2026"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # the periods never overlap: the year is still not a period of its own
    r = await api.client.post(f"/v1/surveys/{survey_id}/periods", json={"code": "2026"},
                              headers=api.auth())
    assert r.status_code == 409
    # a span the periods do not make up is named, with what the survey has
    partial = await api.survey("2026-Q1", "2026-Q2", unit_id="unit-3")
    r = await api.client.get(f"/v1/surveys/{partial}/results", params={"period": "2026"})
    assert r.status_code == 404 and r.json()["error"] == "period_not_covered"
    assert r.json()["field"] == "period"
    r = await api.client.get(f"/v1/surveys/{partial}/results", params={"period": "2026-02"})
    assert r.status_code == 404 and r.json()["error"] == "period_not_covered"  # inside Q1


async def test_results_name_the_surveys_service(api):
    survey_id = await api.survey("2026", service_id="ktp", title="SKM KTP")
    await api.respond(survey_id, ALL_THREES, submitted_at=AT)
    body = (await api.client.get(f"/v1/surveys/{survey_id}/results",
                                 params={"period": "2026"})).json()
    assert body["scope"]["service_id"] == "ktp"  # was None unless asked for
    figures = await api.service.survey_report(survey_id=survey_id, period="2026",
                                              service_id=None)
    assert figures.results.scope.service_id == "ktp"  # what the PDF prints
    other = (await api.client.get(f"/v1/surveys/{survey_id}/results",
                                  params={"period": "2026", "service_id": "kk"})).json()
    assert other["respondents"] == 0  # another service: none of this survey's answers
