"""Custom surveys: Likert/choice/text items, versions, per-item results."""

from __future__ import annotations

import uuid

from shared.events import SurveyResponseRecorded

AT = "2026-05-02T08:00:00+07:00"
ITEMS = [
    {"code": "speed", "type": "likert", "points": 5, "text_id": "Kecepatan?",
     "text_en": "Speed?"},
    {"code": "channel", "type": "single", "text_id": "Lewat apa?", "text_en": "How?",
     "options": [{"code": "web", "label_id": "Web", "label_en": "Web"},
                 {"code": "app", "label_id": "Aplikasi", "label_en": "App"}]},
    {"code": "liked", "type": "multi", "required": False, "text_id": "Yang disukai?",
     "text_en": "What did you like?",
     "options": [{"code": "staff", "label_id": "Petugas", "label_en": "Staff"},
                 {"code": "place", "label_id": "Tempat", "label_en": "Place"}]},
    {"code": "note", "type": "text", "required": False, "text_id": "Saran", "text_en": "Advice"},
]


async def custom_survey(api, items=ITEMS) -> str:
    return await api.survey("2026", kind="custom", items=items, title="Survei layanan online")


async def test_a_custom_survey_records_and_reports_per_item(api):
    survey_id = await custom_survey(api)
    survey = (await api.client.get(f"/v1/surveys/{survey_id}")).json()
    assert survey["kind"] == "custom" and survey["version"] == 1
    assert [i["code"] for i in survey["items"]] == ["speed", "channel", "liked", "note"]
    answers = [
        {"speed": 5, "channel": "web", "liked": ["staff", "place"], "note": "Budi, 0812..."},
        {"speed": 4, "channel": "app", "liked": ["staff"]},
        {"speed": 1, "channel": "web"},
    ]
    for a in answers:
        r = await api.respond(survey_id, a, submitted_at=AT)
        assert r.status_code == 201, r.text
    (first, *_) = await api.events(SurveyResponseRecorded.event_type)
    assert first.data.kind == "custom" and first.data.scores == {"speed": 5}
    assert first.data.scale_max == 5
    assert "Budi" not in first.model_dump_json()  # free text never travels

    body = (await api.client.get(f"/v1/surveys/{survey_id}/items/results",
                                 params={"period": "2026"})).json()
    assert body["respondents"] == 3 and body["version"] == 1
    speed, channel, liked, note = body["items"]
    # 5, 4 and 1 on five points: mean 10/3 = 3.33, satisfaction 58.33 (docs/ikm.md)
    assert speed["mean"] == 3.33 and speed["satisfaction"] == 58.33
    assert speed["distribution"] == {"1": 1, "2": 0, "3": 0, "4": 1, "5": 1}
    assert channel["distribution"] == {"web": 2, "app": 1} and channel["answers"] == 3
    assert liked["distribution"] == {"staff": 2, "place": 1} and liked["answers"] == 2
    assert note == {"code": "note", "type": "text", "text_id": "Saran", "text_en": "Advice",
                    "answers": 1, "distribution": {}, "mean": None, "satisfaction": None}
    r = await api.client.get(f"/v1/surveys/{survey_id}/results", params={"period": "2026"})
    assert r.status_code == 422 and r.json()["field"] == "survey_id"


async def test_custom_answers_are_validated_per_item(api):
    survey_id = await custom_survey(api)
    ok = {"speed": 3, "channel": "web"}
    cases = [
        (ok | {"speed": 6}, "answers.speed"),
        (ok | {"speed": "3"}, "answers.speed"),
        ({"channel": "web"}, "answers.speed"),
        (ok | {"channel": "fax"}, "answers.channel"),
        (ok | {"liked": ["staff", "staff"]}, "answers.liked"),
        (ok | {"liked": ["nope"]}, "answers.liked"),
        (ok | {"colour": "red"}, "answers.colour"),
        (ok | {"note": "x" * 2001}, "answers.note"),
    ]
    for answers, field in cases:
        r = await api.respond(survey_id, answers, submitted_at=AT)
        assert r.status_code == 422, (answers, r.text)
        named = r.json().get("field") or r.json()["fields"][0]["field"]
        assert named.startswith(field), (answers, r.json())
    r = await api.respond(survey_id, ok, submitted_at=AT, version=2)
    assert r.status_code == 422 and r.json()["field"] == "version"
    assert await api.counts() == (0, 0, 0)


async def test_a_change_makes_a_new_version_and_old_responses_keep_theirs(api):
    survey_id = await custom_survey(api)
    assert (await api.respond(survey_id, {"speed": 2, "channel": "app"},
                              submitted_at=AT)).status_code == 201
    url = f"/v1/surveys/{survey_id}/questionnaire"
    same = await api.client.put(url, json={"items": ITEMS}, headers=api.auth())
    assert same.status_code == 200 and same.json()["version"] == 1
    changed = [ITEMS[0] | {"points": 7}, ITEMS[1]]
    r = await api.client.put(url, json={"items": changed}, headers=api.auth())
    assert r.status_code == 200 and r.json()["version"] == 2
    assert (await api.respond(survey_id, {"speed": 7, "channel": "web"},
                              submitted_at=AT)).status_code == 201
    # an offline client still on version 1
    old = await api.respond(survey_id, {"speed": 5, "channel": "web", "note": "ok"},
                            submitted_at=AT, version=1)
    assert old.status_code == 201, old.text
    v1 = (await api.client.get(f"/v1/surveys/{survey_id}/items/results",
                               params={"period": "2026", "version": 1})).json()
    v2 = (await api.client.get(f"/v1/surveys/{survey_id}/items/results",
                               params={"period": "2026"})).json()
    assert v1["respondents"] == 2 and v1["items"][0]["distribution"]["5"] == 1
    assert v2["version"] == 2 and v2["respondents"] == 1
    assert v2["items"][0]["distribution"]["7"] == 1 and v2["items"][0]["satisfaction"] == 100
    events = await api.events(SurveyResponseRecorded.event_type)
    assert [e.data.survey_version for e in events] == [1, 2, 1]


async def test_bad_questionnaires_name_the_item(api):
    bad = [
        ([ITEMS[0] | {"points": 8}], "items.0.points"),
        ([ITEMS[0], ITEMS[0]], "items.1.code"),
        ([ITEMS[3]], "items"),
        ([ITEMS[0], ITEMS[1] | {"options": ITEMS[1]["options"][:1]}], "items.1.options"),
        ([ITEMS[0], ITEMS[3] | {"points": 5}], "items.1.points"),
    ]
    for items, field in bad:
        r = await api.client.post("/v1/surveys", headers=api.auth(), json={
            "unit_id": "u", "title": "t", "kind": "custom", "items": items})
        assert r.status_code == 422 and r.json()["field"] == field, (field, r.text)
    r = await api.client.post("/v1/surveys", headers=api.auth(), json={
        "unit_id": "u", "title": "t", "items": ITEMS})
    assert r.status_code == 422 and r.json()["field"] == "items"
    skm = await api.survey("2026")
    r = await api.client.put(f"/v1/surveys/{skm}/questionnaire", headers=api.auth(),
                             json={"items": ITEMS})
    assert r.status_code == 422 and r.json()["field"] == "survey_id"
    assert str(uuid.UUID(skm))


async def test_custom_results_per_segment_and_as_csv(api):
    survey_id = await custom_survey(api)
    for speed, sex in ((5, "L"), (3, "L"), (1, "P"), (2, None)):
        profile = {"sex": sex} if sex else {}
        r = await api.respond(survey_id, {"speed": speed, "channel": "web", "note": "rahasia"},
                              submitted_at=AT, profile=profile)
        assert r.status_code == 201
    body = (await api.client.get(f"/v1/surveys/{survey_id}/items/results",
                                 params={"period": "2026", "by": "sex"})).json()
    assert body["segment"] == "sex" and body["respondents"] == 4
    by_value = {s["value"]: s for s in body["segments"]}
    assert set(by_value) == {"L", "P", "not_given"}
    assert by_value["L"]["respondents"] == 2 and by_value["L"]["items"][0]["mean"] == 4.0
    assert by_value["L"]["items"][0]["satisfaction"] == 75.0
    r = await api.client.get(f"/v1/surveys/{survey_id}/items/results.csv",
                             params={"period": "2026", "by": "sex"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "rahasia" not in r.text
    lines = r.text.splitlines()
    assert lines[0].startswith("period,version,segment,value,item")
    assert "2026,1,all,,speed,likert,Kecepatan?,4,4,5,1,2.75,43.75" in lines


async def test_text_is_stored_as_text_and_only_markup_that_runs_is_refused(api):
    """Issue 8.14's rule (shared/text.py) on the surveys' free text too: a text answer, the
    survey's title, an item's question and an option's label."""
    survey_id = await custom_survey(api)
    ok = {"speed": 3, "channel": "web"}
    for plain in ("Biaya <Rp5.000> tanpa kuitansi", "a < b > c", "<b>ramah</b>"):
        r = await api.respond(survey_id, ok | {"note": plain}, submitted_at=AT)
        assert r.status_code == 201, (plain, r.text)
    for markup in ("<img src=x onerror=alert(1)//", "<script>alert(1)</script>",
                   "<x onclick=alert(1)>halo</x>"):
        r = await api.respond(survey_id, ok | {"note": markup}, submitted_at=AT)
        assert r.status_code == 422, (markup, r.text)
        assert [(f["field"], f["code"]) for f in r.json()["fields"]] == [
            ("answers.note", "html_markup")], r.text
    assert (await api.counts())[0] == 3
    bad = "<svg/onload=alert(1)>"
    option = {"code": "web", "label_id": bad, "label_en": "Web"}
    for body, field in (
            ({"title": bad}, "title"),
            ({"items": [ITEMS[0] | {"text_en": bad}]}, "items.0.text_en"),
            ({"items": [ITEMS[1] | {"options": [option]}]}, "items.0.options.0.label_id")):
        r = await api.client.post("/v1/surveys", json={
            "unit_id": "unit-1", "title": "Survei", "kind": "custom", "items": ITEMS} | body,
            headers=api.auth())
        assert r.status_code == 422, (field, r.text)
        assert [f["field"] for f in r.json()["fields"]] == [field], r.text
