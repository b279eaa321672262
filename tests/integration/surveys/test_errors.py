"""The surveys service's errors in the one shared shape (issue 8 items 7 and 13): every wrong
field named once with the path the client sent, in Indonesian or English; malformed keys (a
lone surrogate) a 4xx naming the field, in single responses, invitations and batches."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from services.surveys.errors import MESSAGES
from shared.auth import Role
from tests.integration.surveys.conftest import ALL_THREES

AT = '"submitted_at": "2026-02-01T10:00:00Z"'
JSON = {"content-type": "application/json"}


def raw_response(answers: str) -> str:
    return f'{{"response_id": "{uuid.uuid4()}", "answers": {answers}, {AT}}}'


async def test_a_malformed_answer_key_is_a_422_naming_the_field(api):
    survey_id = await api.survey("2026")
    url = f"/v1/surveys/{survey_id}/responses"
    for answers in ('{"\\ud800": 3}', '{"U1": 3, "\\udfff\\ud800": 3}', '{"a b": 1}',
                    '{"' + "U" * 40 + '": 1}'):
        r = await api.client.post(url, content=raw_response(answers), headers=JSON)
        assert r.status_code == 422, (answers, r.status_code, r.text)
        fields = [f["field"] for f in r.json()["fields"]]
        assert fields and all(f.startswith("answers") for f in fields), r.text
    rows = ('{"rows": [{"response_id": "' + str(uuid.uuid4()) + '", "answers": {"\\ud800": 3}, '
            + AT + '}, {"response_id": "\\ud800", "answers": {"U1": 1.5}}]}')
    r = await api.client.post(f"{url}/batch", content=rows,
                              headers=JSON | api.auth(Role.OFFICER))
    # was a 500 and a dropped connection; the shared request guard refuses a lone surrogate
    # anywhere in a JSON body before any row is read, naming each place
    assert r.status_code == 422, r.text
    assert [f["field"] for f in r.json()["fields"]] == ["rows.0.answers.\ufffd",
                                                        "rows.1.response_id"], r.text
    assert await api.counts() == (0, 0, 0)


async def test_every_wrong_field_once_with_its_own_code_in_the_callers_language(api):
    survey_id = await api.survey("2026")
    body = {"response_id": str(uuid.uuid4()), "submitted_at": "2026-02-01T10:00:00Z",
            "answers": {k: v for k, v in ALL_THREES.items() if k != "U9"} | {"U3": 7,
                                                                              "U10": 1}}
    url = f"/v1/surveys/{survey_id}/responses"
    r = await api.client.post(url, json=body)
    assert r.status_code == 422 and r.json()["error"] == "invalid_response"
    fields = {f["field"]: f for f in r.json()["fields"]}
    assert list(fields) == ["answers.U10", "answers.U3", "answers.U9"]  # each once
    assert [f["code"] for f in fields.values()] == ["unknown_element", "answer_out_of_scale",
                                                    "missing_answer"]
    assert fields["answers.U3"]["message"] == "Harus bilangan bulat 1 sampai 4."  # id default
    assert r.headers["content-language"] == "id"
    en = await api.client.post(url, json=body, headers={"Accept-Language": "en"})
    assert en.json()["fields"][1]["message"] == "Must be a whole number 1 to 4."
    assert en.json()["detail"] == "The response is invalid."
    # a non-integer: one entry, no union internals (answers.U2.int, .constrained-str)
    r = await api.client.post(url, json=body | {"answers": ALL_THREES | {"U2": 2.5}})
    assert [f["field"] for f in r.json()["fields"]] == ["answers.U2"]
    # request-level fields by the name the client sent, never body./query.
    r = await api.client.get(f"/v1/surveys/{survey_id}/results", params={"period": "20"})
    assert r.json()["fields"][0]["field"] == "period"


async def test_the_service_errors_in_both_languages(api):
    survey_id = await api.survey("2026-Q1")
    r = await api.client.post(f"/v1/surveys/{survey_id}/periods", json={"code": "2026-02"},
                              headers=api.auth() | {"Accept-Language": "en"})
    assert r.status_code == 409 and r.json()["error"] == "period_overlap"
    assert r.json()["detail"] == "2026-02 overlaps period 2026-Q1 of this survey."
    r = await api.client.post(f"/v1/surveys/{survey_id}/periods", json={"code": "2026-02"},
                              headers=api.auth())
    assert r.json()["detail"] == ("Periode 2026-02 bertumpang tindih dengan periode 2026-Q1 "
                                  "survei ini.")
    missing = await api.client.get(f"/v1/surveys/{uuid.uuid4()}")
    assert missing.status_code == 404 and missing.json()["detail"].startswith("Survei ")
    assert missing.json()["fields"][0]["field"] == "survey_id"


def test_every_code_the_service_raises_has_its_texts():
    """Codes given to errors (code="...") and to field problems (FieldProblem(.., .., "...")
    or invalid_field(.., .., "...")): each has an Indonesian and an English text."""
    source = "\n".join(p.read_text() for p in Path("services/surveys").rglob("*.py"))
    raised = set(re.findall(r'(?<=[\s,])code="([a-z_]+)"', source))  # not Item(code=...)
    raised |= set(re.findall(r'(?:FieldProblem|_refuse|invalid_field|conflict|not_found)\('
                             r'[^()]*?(?:\([^()]*\)[^()]*?)*?,\s*(?:f?"[^"]*"\s*)+,\s*"([a-z_]+)"',
                             source, flags=re.S))
    raised -= {"invalid"}  # FieldProblem's default, never raised as such
    assert len(raised) > 40
    missing = sorted(c for c in raised if c not in MESSAGES)
    assert not missing, missing
    assert all(t.id and t.en for t in MESSAGES.values())
