"""Bad input never gets a 500 nor changes what is stored; concurrent retries store once; the
stored tallies give exactly the IKM of the responses."""

from __future__ import annotations

import asyncio
import json
import random
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.surveys.domain.ikm import SkmTally, add_response, compute_ikm
from shared.auth import Role
from tests.integration.surveys.conftest import ALL_THREES

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12)
fields = st.sampled_from(["response_id", "answers", "period", "submitted_at", "service_id",
                          "profile", "version", "name"])
bodies = st.dictionaries(fields, json_values, max_size=6) | json_values


async def test_no_body_gets_a_500_or_stores_anything(api):
    survey_id = await api.survey("2026")
    url = f"/v1/surveys/{survey_id}/responses"
    seen: list[tuple[int, str]] = []

    @settings(max_examples=150, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(body=bodies, answers=st.dictionaries(st.text(max_size=4), json_values, max_size=10))
    def check(body, answers):
        if isinstance(body, dict) and "answers" in body:
            body["answers"] = answers
        seen.append((0, json.dumps(body)))

    check()
    surrogate = '{"response_id": "' + str(uuid.uuid4()) + '", "answers": {"U1": "\\ud800"}}'
    extra = [surrogate,
             "{", "", "[]", "null", '{"answers": {"U1": 1e999}}', "\x00"]
    for raw in [b for _, b in seen] + extra:
        r = await api.client.post(url, content=raw, headers={"content-type": "application/json"})
        assert 400 <= r.status_code < 500, (raw, r.status_code, r.text)
    csv_url = f"/v1/surveys/{survey_id}/responses/import"
    for content in (b"response_id,U1\n\x00,1\n", b"response_id," + b"x" * 200_000 + b"\n",
                    b"response_id,U1,U2,U3,U4,U5,U6,U7,U8,U9\n\"unterminated,1\n"):
        r = await api.client.post(csv_url, files={"file": ("x.csv", content, "text/csv")},
                                  headers=api.auth(Role.OFFICER))
        assert 400 <= r.status_code < 500 or r.json()["recorded"] == 0, r.text
    assert await api.counts() == (0, 0, 0)


async def test_concurrent_retries_store_once(api):
    survey_id = await api.survey("2026")
    body = {"response_id": str(uuid.uuid4()), "answers": ALL_THREES,
            "submitted_at": "2026-05-01T10:00:00Z"}
    url = f"/v1/surveys/{survey_id}/responses"
    answers = await asyncio.gather(*(api.client.post(url, json=body) for _ in range(8)))
    assert sorted(r.status_code for r in answers) == [200] * 7 + [201]
    assert await api.counts() == (1, 1, 1)


async def test_the_stored_tallies_give_the_ikm_of_the_responses(api):
    survey_id = await api.survey("2026")
    rng = random.Random(5)
    tally = SkmTally()
    for _ in range(60):
        answers = {f"U{i}": rng.choice([1, 2, 3, 3, 4, 4]) for i in range(1, 10)}
        tally = add_response(tally, answers)
        r = await api.respond(survey_id, answers, submitted_at="2026-05-01T10:00:00Z",
                              profile={"sex": rng.choice(["L", "P"])})
        assert r.status_code == 201
    expected = compute_ikm(tally)
    body = (await api.client.get(f"/v1/surveys/{survey_id}/results",
                                 params={"period": "2026", "by": "sex"})).json()
    assert body["ikm"] == float(expected.ikm_rounded) and body["grade"] == expected.grade
    assert [e["nrr"] for e in body["elements"]] == [float(e.nrr_rounded)
                                                    for e in expected.elements]
    assert sum(s["respondents"] for s in body["segments"]) == 60


async def test_free_text_with_odd_characters_is_stored_or_refused_cleanly(api):
    items = [{"code": "q", "type": "likert", "points": 3, "text_id": "q", "text_en": "q"},
             {"code": "t", "type": "text", "required": False, "text_id": "t", "text_en": "t"}]
    survey_id = await api.survey("2026", kind="custom", items=items)
    url = f"/v1/surveys/{survey_id}/responses"
    stored = 0
    for text in ("a\\u0000b", "\\ud800", "emoji \\ud83d\\ude00", "x" * 2000):
        raw = ('{"response_id": "' + str(uuid.uuid4()) + '", "submitted_at": '
               '"2026-05-01T10:00:00Z", "answers": {"q": 2, "t": "' + text + '"}}')
        r = await api.client.post(url, content=raw, headers={"content-type": "application/json"})
        assert r.status_code in (201, 422), (text, r.status_code, r.text)
        stored += r.status_code == 201
    assert (await api.counts())[0] == stored >= 2


async def test_no_batch_row_gets_a_500(api):
    survey_id = await api.survey("2026")
    url = f"/v1/surveys/{survey_id}/responses/batch"
    rows: list = []

    @settings(max_examples=60, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(row=st.dictionaries(fields, json_values, max_size=6))
    def collect(row):
        rows.append(row)

    collect()
    r = await api.client.post(url, json={"rows": rows}, headers=api.auth(Role.OFFICER))
    assert r.status_code in (200, 422), r.text
    if r.status_code == 200:
        assert r.json()["recorded"] == 0 and r.json()["rejected"] == len(rows)
    assert await api.counts() == (0, 0, 0)
