"""The invitation link opened in a browser: a page to answer the survey (docs/surveys.md,
"Invitation links"), while API clients keep the JSON, statuses included."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import urljoin

import pytest

from tests.integration.surveys.test_invitations import RATED, handle, new_token, resolved

pytestmark = pytest.mark.asyncio

#: What Chrome on a phone sends when it opens a link.
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,"
                     "image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7",
           "Accept-Language": "id-ID,id;q=0.9,en-US;q=0.8,en;q=0.7"}
ENGLISH = BROWSER | {"Accept-Language": "en-GB,en;q=0.9"}


@dataclass
class Question:
    id: str
    kind: str
    code: str
    legend: str = ""
    inputs: list[tuple[str, str, str]] = field(default_factory=list)  # (type, name, value)


class Page(HTMLParser):
    """What a test needs of the page: its questions and controls, labels, scripts, links."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.html = html
        self.questions: list[Question] = []
        self.controls: list[dict[str, str]] = []
        self.labelled: set[str] = set()
        self.urls: list[str] = []
        self.inline: list[str] = []  # inline scripts and style attributes
        self.ids: set[str] = set()
        self._legend: Question | None = None
        self._fieldsets: list[Question | None] = []
        self._script = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.add(a["id"])
        if "style" in a:
            self.inline.append(f"style on <{tag}>")
        if any(k.startswith("on") for k in a):
            self.inline.append(f"handler on <{tag}>")
        for name in ("src", "href"):
            if name in a:
                self.urls.append(a[name])
        if tag == "script":
            self._script = "src" not in a
        if tag in ("fieldset", "div") and "data-kind" in a:
            q = Question(a["id"], a["data-kind"], a["data-code"])
            self.questions.append(q)
            if tag == "fieldset":
                self._fieldsets.append(q)
        elif tag == "fieldset":
            self._fieldsets.append(None)
        if tag == "legend" and self._fieldsets and self._fieldsets[-1] is not None:
            self._legend = self._fieldsets[-1]
        if tag == "label" and "for" in a:
            self.labelled.add(a["for"])
        if tag in ("input", "select", "textarea"):
            control = {"tag": tag, **a, "fieldset": "yes" if self._fieldsets else ""}
            self.controls.append(control)
            if self.questions and self.questions[-1].id.startswith("q-") and \
                    a.get("name") == self.questions[-1].code:
                self.questions[-1].inputs.append((a.get("type", tag), a["name"],
                                                  a.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "fieldset" and self._fieldsets:
            self._fieldsets.pop()
        if tag == "legend":
            self._legend = None
        if tag == "script":
            self._script = False

    def handle_data(self, data: str) -> None:
        if self._legend is not None:
            self._legend.legend += data
        if self._script and data.strip():
            self.inline.append("inline script")

    def text(self) -> str:
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", self.html))

    def answers(self) -> dict[str, object]:
        """What invitation.js sends for the first option of every question (text left out)."""
        out: dict[str, object] = {}
        for q in self.questions:
            if q.kind in ("score", "scale"):
                out[q.code] = int(q.inputs[0][2])
            elif q.kind == "choice":
                out[q.code] = q.inputs[0][2]
            elif q.kind == "multi":
                out[q.code] = [q.inputs[0][2]]
        return out


async def invitation(api, *, when: datetime | None = None) -> str:
    token = new_token()
    await handle(api, resolved(str(uuid.uuid4()), token, when=when))
    return token


async def page(api, token: str, headers=BROWSER, **params) -> tuple[int, Page, dict]:
    r = await api.client.get(f"/v1/invitations/{token}", headers=headers, params=params)
    assert r.headers["content-type"].startswith("text/html"), r.text
    return r.status_code, Page(r.text), r.headers


def assert_page_headers(headers) -> None:
    assert headers["cache-control"] == "no-store"
    assert headers["referrer-policy"] == "no-referrer"
    csp = headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp
    assert "style-src 'self'" in csp and "connect-src 'self'" in csp and "unsafe" not in csp
    assert "Accept" in headers["vary"]


def assert_accessible_and_local(p: Page) -> None:
    assert not p.inline, p.inline  # the CSP would block them
    assert all(not re.match(r"^(https?:)?//", u) for u in p.urls), p.urls  # nothing external
    for control in p.controls:
        assert control["id"] in p.labelled, control  # every control has its label
        if control.get("type") in ("radio", "checkbox"):
            assert control["fieldset"], control  # every group has its fieldset and legend
    for q in p.questions:
        if q.id.startswith("q-") and q.kind != "text":
            assert q.legend.strip(), q


async def test_api_clients_keep_the_json(api):
    token = await invitation(api)
    plain = await api.client.get(f"/v1/invitations/{token}")
    assert plain.status_code == 200 and plain.headers["content-type"] == "application/json"
    for accept in ("*/*", "application/json", "application/json, text/html",
                   "text/html;q=0.5, application/json"):
        r = await api.client.get(f"/v1/invitations/{token}", headers={"Accept": accept})
        assert (r.status_code, r.json()) == (200, plain.json()), accept
    assert plain.json()["status"] == "open" and plain.json()["kind"] == "custom"
    pending = await api.client.get(f"/v1/invitations/{new_token()}",
                                   headers={"Accept": "*/*"})
    assert pending.status_code == 202 and pending.json()["status"] == "pending"
    assert pending.headers["retry-after"] == "30"
    missing = await api.client.get("/v1/invitations/nope", headers={"Accept": "*/*"})
    assert missing.status_code == 404 and missing.json()["error"] == "invitation_not_found"
    # ?lang= is the page's: the JSON does not change with it
    r = await api.client.get(f"/v1/invitations/{token}", params={"lang": "en"})
    assert r.json() == plain.json()


async def test_a_browser_gets_the_page_in_indonesian(api):
    token = await invitation(api)
    status, p, headers = await page(api, token)
    assert status == 200 and headers["content-language"] == "id"
    assert_page_headers(headers)
    assert_accessible_and_local(p)
    assert '<html lang="id">' in p.html
    text = p.text()
    assert "Survei kepuasan penanganan pengaduan" in text and "Kirim jawaban" in text
    assert "Seberapa cepat pengaduan Anda ditangani?" in text
    # the default post-complaint questionnaire: four 1..5 scales and the optional suggestion
    assert [(q.code, q.kind) for q in p.questions if q.id.startswith("q-")] == [
        ("speed", "scale"), ("clarity", "scale"), ("conduct", "scale"),
        ("resolution", "scale"), ("suggestion", "text")]
    assert [v for _, _, v in p.questions[0].inputs] == ["1", "2", "3", "4", "5"]
    assert "1 = paling buruk, 5 = paling baik" in text
    # the profile the API accepts, every part optional
    assert {c["name"] for c in p.controls if c.get("data-profile")} == {
        "age", "sex", "education", "occupation", "service_date"}
    assert "Tentang Anda (opsional)" in text and "Wirausaha" in text
    # its script and style sheet, from the service itself, resolve from the link's URL
    url = f"http://svc/v1/invitations/{token}"
    assets = [urljoin(url, u) for u in p.urls if u.endswith((".js", ".css"))]
    assert sorted(assets) == ["http://svc/static/surveys/invitation.css",
                              "http://svc/static/surveys/invitation.js"]


async def test_the_page_in_english_by_accept_language_or_link(api):
    token = await invitation(api)
    status, p, headers = await page(api, token, ENGLISH)
    assert status == 200 and headers["content-language"] == "en" and '<html lang="en">' in p.html
    assert "How quickly was your complaint handled?" in p.text() and "Send answers" in p.text()
    assert "About you (optional)" in p.text() and "Self-employed" in p.text()
    # the language links: ?lang= wins over Accept-Language
    assert 'href="?lang=en"' in p.html and 'href="?lang=id"' in p.html
    _, p, headers = await page(api, token, lang="en")
    assert headers["content-language"] == "en" and "Send answers" in p.text()
    _, p, headers = await page(api, token, ENGLISH, lang="id")
    assert headers["content-language"] == "id" and "Kirim jawaban" in p.text()
    r = await api.client.get(f"/v1/invitations/{token}", headers=BROWSER,
                             params={"lang": "fr"})
    assert r.status_code == 422 and r.json()["field"] == "lang"


async def test_the_skm_page_has_the_nine_elements(api):
    auth = api.auth(agency="agency-7")
    r = await api.client.post("/v1/surveys", headers=auth, json={
        "title": "SKM penanganan pengaduan", "kind": "skm", "purpose": "post_complaint"})
    assert r.status_code == 201, r.text
    token = await invitation(api)
    _, p, _ = await page(api, token)
    assert_accessible_and_local(p)
    questions = [q for q in p.questions if q.id.startswith("q-")]
    assert [q.code for q in questions] == [f"U{i}" for i in range(1, 10)]
    assert all(q.kind == "score" and [v for _, _, v in q.inputs] == ["1", "2", "3", "4"]
               for q in questions)
    assert "Persyaratan" in questions[0].legend and "Tidak sesuai" in p.text()
    assert "Sangat sopan dan ramah" in p.text() and "Dikelola dengan baik" in p.text()
    _, en, _ = await page(api, token, ENGLISH)
    assert "Requirements" in en.text() and "Very polite and friendly" in en.text()


async def test_a_custom_survey_shows_its_items(api):
    auth = api.auth(agency="agency-7")
    items = [{"code": "fixed", "type": "likert", "points": 3, "text_id": "Sudah beres?",
              "text_en": "Is it fixed?"},
             {"code": "channel", "type": "single", "required": False,
              "text_id": "Dari mana Anda tahu?", "text_en": "How did you hear of it?",
              "options": [{"code": "sms", "label_id": "SMS", "label_en": "Text message"},
                          {"code": "web", "label_id": "Situs web", "label_en": "Website"}]},
             {"code": "helped", "type": "multi", "required": False,
              "text_id": "Siapa yang membantu?", "text_en": "Who helped?",
              "options": [{"code": "rt", "label_id": "Ketua RT", "label_en": "RT head"},
                          {"code": "staff", "label_id": "Petugas", "label_en": "Staff"}]}]
    r = await api.client.post("/v1/surveys", headers=auth, json={
        "title": "Singkat <b>&</b> jelas", "kind": "custom", "purpose": "post_complaint",
        "items": items})
    assert r.status_code == 201, r.text
    token = await invitation(api)
    _, p, _ = await page(api, token)
    assert_accessible_and_local(p)
    assert [(q.code, q.kind) for q in p.questions if q.id.startswith("q-")] == [
        ("fixed", "scale"), ("channel", "choice"), ("helped", "multi")]
    assert "Singkat &lt;b&gt;&amp;&lt;/b&gt; jelas" in p.html  # escaped
    assert {t for t, _, _ in p.questions[2].inputs} == {"checkbox"}
    assert "Situs web" in p.text() and "Boleh memilih lebih dari satu." in p.text()
    body = {"response_id": str(uuid.uuid4()), "answers": p.answers()}
    assert body["answers"] == {"fixed": 1, "channel": "sms", "helped": ["rt"]}
    r = await api.client.post(f"/v1/invitations/{token}/responses", json=body)
    assert r.status_code == 201, r.text


async def test_each_state_of_a_link_has_its_page(api):
    # pending: not known yet; try again (a link, and the script checks every Retry-After)
    status, p, headers = await page(api, new_token())
    assert status == 202 and headers["retry-after"] == "30"
    assert_page_headers(headers)
    assert "Survei belum siap" in p.text() and "Coba lagi" in p.text()
    assert 'id="pending" data-retry="30"' in p.html and 'class="button" href=""' in p.html
    # expired
    token = await invitation(api, when=datetime.now(UTC) - timedelta(days=40))
    status, p, _ = await page(api, token)
    assert status == 200 and "Tautan ini sudah kedaluwarsa" in p.text()
    assert not p.controls  # nothing to answer
    # unknown: a 404 page, not JSON
    for bad in ("nope", "x" * 44):
        status, p, headers = await page(api, bad)
        assert status == 404 and "Tautan tidak ditemukan" in p.text()
        assert_page_headers(headers)
    status, p, _ = await page(api, "nope", ENGLISH)
    assert status == 404 and "Link not found" in p.text()
    # used: see the end-to-end test below
    assert (await api.client.get("/v1/invitations/nope",
                                 headers={"Accept": "application/json"})).status_code == 404


async def test_the_assets_are_served(api):
    js = await api.client.get("/static/surveys/invitation.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    assert "/responses" in js.text and "fetch" in js.text
    assert not re.search(r"https?://", js.text)  # no URL of elsewhere
    css = await api.client.get("/static/surveys/invitation.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert "@import" not in css.text and "url(" not in css.text
    assert (await api.client.get("/static/surveys/nothing.js")).status_code == 404


async def test_answering_through_the_page(api):
    token = await invitation(api)
    status, p, _ = await page(api, token)
    assert status == 200
    # as invitation.js sends it: POST {the page's path}/responses, JSON, the page's language
    url = f"/v1/invitations/{token}/responses"
    headers = {"Accept": "application/json", "Accept-Language": "id"}
    body = {"response_id": str(uuid.uuid4()), "answers": {"speed": 4}, "profile": {}}
    refused = await api.client.post(url, json=body, headers=headers)
    assert refused.status_code == 422
    # every field the API names is a question of the page, where the script shows its message
    fields = refused.json()["fields"]
    assert {f["field"] for f in fields} == {"answers.clarity", "answers.conduct",
                                            "answers.resolution"}
    assert all(f"q-{f['field'].split('.', 1)[1]}" in p.ids for f in fields)
    assert {f["message"] for f in fields} == {"Belum dijawab."}
    profile = await api.client.post(url, headers=headers, json=body | {
        "answers": p.answers(), "profile": {"age": 150, "sex": "X"}})
    assert {f["field"] for f in profile.json()["fields"]} == {"profile.age", "profile.sex"}
    assert all(f"p-{f['field'].split('.', 1)[1]}" in p.ids for f in profile.json()["fields"])
    answers = p.answers() | {"suggestion": "Lebih cepat lagi"}
    assert answers == {code: 1 for code in RATED} | {"suggestion": "Lebih cepat lagi"}
    sent = body | {"answers": answers, "profile": {"age": 34, "sex": "P",
                                                   "service_date": "2026-01-02"}}
    first = await api.client.post(url, json=sent, headers=headers)
    assert first.status_code == 201, first.text
    assert (await api.client.post(url, json=sent, headers=headers)).status_code == 200  # again
    # the invitation is used: the JSON says so, and the page shows it
    assert (await api.client.get(f"/v1/invitations/{token}")).json()["status"] == "used"
    status, p, _ = await page(api, token)
    assert status == 200 and "Survei ini sudah dijawab" in p.text()
    assert "Survei kepuasan penanganan pengaduan" in p.text() and not p.controls
    _, p, _ = await page(api, token, ENGLISH)
    assert "This survey has been answered" in p.text()


async def test_the_document_names_the_page(api):
    spec = (await api.client.get("/openapi.json")).json()
    answers = spec["paths"]["/v1/invitations/{token}"]["get"]["responses"]
    assert answers["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/InvitationRead"}
    assert list(answers["200"]["content"]) == ["application/json", "text/html"]
    assert list(answers["202"]["content"]) == ["application/json", "text/html"]
    assert answers["404"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"}
    assert "text/html" in answers["404"]["content"]
    assert "text/html" not in answers["422"]["content"]  # refused before the route: JSON
