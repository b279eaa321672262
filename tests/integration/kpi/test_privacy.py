"""Privacy of small numbers in the public indicators: a tiny agency's single integrity
complaint, or its few anonymous and confidential ones, are withheld in the JSON, the downloads,
the dashboard and the report, with their complement among sibling agencies; supervisors see the
real values; three or more are shown, and so is zero."""

from __future__ import annotations

import csv
import io
import re

import pytest

from shared.auth import Role
from tests.integration.kpi.factory import Complaint, agency, at, category

pytestmark = pytest.mark.asyncio
SENSITIVE = ("integrity_complaints", "integrity_share", "anonymous_share", "confidential_share")


def filings(agency_id: str, *, pungli: int = 0, jalan: int = 0, anonymous: int = 0,
            day: str = "2026-10-05", privacy: str = "public") -> list:
    out = []
    for k in range(pungli):
        out += Complaint(agency_id, category_code="pungli", privacy=privacy).file(
            at(f"{day} 0{k % 9}:10")).events
    for k in range(jalan):
        out += Complaint(agency_id, category_code="jalan",
                         privacy="anonymous" if k < anonymous else "public").file(
            at(f"{day} 1{k % 9}:20")).events
    return out


def catalogue() -> list:
    return [agency("kota", name="Kota"), agency("kec-a", parent="kota", name="Kecamatan A"),
            agency("kec-b", parent="kota", name="Kecamatan B"),
            category("pungli", "kota", integrity=True), category("jalan", "kota")]


async def test_a_tiny_agencys_single_integrity_complaint_is_withheld_in_public(kpi):
    await kpi.deliver(*catalogue(), *filings("kec-a", pungli=1, jalan=9),
                      *filings("kec-b", pungli=3, jalan=9))
    public = await kpi.indicators("kec-a", "2026-10")
    for code in ("integrity_complaints", "integrity_share"):
        assert public[code]["value"] is None and public[code]["suppressed"] is True, code
        assert "value" in public[code]["withheld"] and public[code]["score"] is None
        assert public[code]["details"] == {}
    assert public["filed"]["value"] == 10 and public["filed"]["suppressed"] is False
    staff = await kpi.staff_indicators("kec-a", "2026-10")
    assert staff["integrity_complaints"]["value"] == 1
    assert staff["integrity_share"]["value"] == 10.0
    assert staff["integrity_complaints"]["suppressed"] is False
    assert staff["integrity_complaints"]["withheld"] == []
    # kec-b's 3 would be shown alone; but kota (4) is published: 4 - 3 gives kec-a away
    b = await kpi.indicators("kec-b", "2026-10")
    assert b["integrity_complaints"]["suppressed"] is True
    assert (await kpi.staff_indicators("kec-b", "2026-10"))["integrity_complaints"]["value"] == 3
    kota = await kpi.indicators("kota", "2026-10")
    assert kota["integrity_complaints"]["value"] == 4 and not kota["integrity_complaints"][
        "suppressed"]
    # the downloads
    j = (await kpi.client.get("/v1/public/agencies/kec-a/indicators.json",
                              params={"period": "2026-10"})).json()
    got = {i["code"]: i for i in j["indicators"]}
    assert got["integrity_complaints"]["value"] is None
    assert got["integrity_complaints"]["suppressed"] is True
    text = (await kpi.client.get("/v1/public/agencies/kec-a/indicators.csv",
                                 params={"period": "2026-10"})).text
    rows = {r["code"]: r for r in csv.DictReader(io.StringIO(text))}
    assert rows["integrity_complaints"]["value"] == ""
    assert rows["integrity_complaints"]["suppressed"] == "true"
    assert "value" in rows["integrity_complaints"]["withheld"].split()
    assert rows["filed"]["value"] == "10" and rows["filed"]["suppressed"] == "false"
    dictionary = (await kpi.client.get("/v1/public/data-dictionary")).json()
    assert {"suppressed", "withheld"} <= set(dictionary["columns"])
    assert {i["code"] for i in dictionary["indicators"] if i["sensitive"]} == set(SENSITIVE)
    assert "sensitive" in (await kpi.client.get("/v1/public/data-dictionary.csv")).text


async def test_three_are_shown_and_zero_is_shown(kpi):
    await kpi.deliver(*catalogue(), *filings("kec-a", pungli=3, jalan=7),
                      *filings("kec-b", jalan=5))
    a = await kpi.indicators("kec-a", "2026-10")
    assert a["integrity_complaints"]["value"] == 3 and not a["integrity_complaints"]["suppressed"]
    assert a["integrity_share"]["value"] == 30.0
    b = await kpi.indicators("kec-b", "2026-10")
    assert b["integrity_complaints"]["value"] == 0 and not b["integrity_complaints"]["suppressed"]
    assert b["anonymous_share"]["value"] == 0.0
    text = (await kpi.client.get("/v1/public/agencies/kec-a/indicators.csv",
                                 params={"period": "2026-10"})).text
    assert "kec-a,2026-10,integrity_complaints,3," in text


async def test_previous_and_year_before_are_withheld_when_small(kpi):
    await kpi.deliver(*catalogue(), *filings("kec-a", pungli=1, jalan=4, day="2026-09-07"),
                      *filings("kec-a", pungli=4, jalan=4, day="2026-10-05"),
                      *filings("kec-a", pungli=2, jalan=4, day="2025-10-06"))
    got = (await kpi.indicators("kec-a", "2026-10"))["integrity_complaints"]
    assert got["value"] == 4 and got["suppressed"] is False
    assert got["previous"] is None and got["change"] is None
    assert got["year_before"] is None and got["change_year_before"] is None
    assert got["withheld"] == ["previous", "change", "year_before", "change_year_before"]
    staff = (await kpi.staff_indicators("kec-a", "2026-10"))["integrity_complaints"]
    assert (staff["previous"], staff["change"], staff["year_before"]) == (1, 3, 2)


async def test_anonymous_and_confidential_shares_and_their_complement(kpi):
    # one confidential filing: the by=privacy breakdown withholds it and the anonymous cell,
    # the indicators withhold both shares too (filed - public - anonymous would give it away)
    await kpi.deliver(*catalogue(), *filings("kec-a", jalan=15, anonymous=5),
                      *Complaint("kec-a", privacy="confidential").file(
                          at("2026-10-06 09:00")).events)
    got = await kpi.indicators("kec-a", "2026-10")
    assert got["confidential_share"]["suppressed"] and got["anonymous_share"]["suppressed"]
    breakdown = (await kpi.client.get("/v1/public/agencies/kec-a/breakdowns", params={
        "period": "2026-10", "by": "privacy"})).json()
    cells = {r["value"]: r["indicators"]["filed"] for r in breakdown["rows"]}
    assert cells["confidential"]["suppressed"] and cells["anonymous"]["suppressed"]
    staff = await kpi.staff_indicators("kec-a", "2026-10")
    assert staff["confidential_share"]["value"] == 6.25
    assert staff["anonymous_share"]["value"] == 31.25


async def test_no_score_or_overall_score_from_a_withheld_value(kpi):
    await kpi.deliver(*catalogue(), *filings("kec-a", pungli=1, jalan=9))
    r = await kpi.client.post("/v1/targets", headers=kpi.auth(Role.ADMIN), json={
        "agency_id": "kec-a", "indicator_code": "integrity_complaints", "value": 0,
        "direction": "at_most"})
    assert r.status_code == 201, r.text
    r = await kpi.client.post("/v1/targets", headers=kpi.auth(Role.ADMIN), json={
        "agency_id": "kec-a", "indicator_code": "filed", "value": 20, "direction": "at_least"})
    assert r.status_code == 201, r.text
    staff = (await kpi.client.get("/v1/agencies/kec-a/indicators", params={
        "period": "2026-10"}, headers=kpi.auth(Role.ADMIN))).json()
    public = (await kpi.client.get("/v1/public/agencies/kec-a/indicators",
                                   params={"period": "2026-10"})).json()
    s = {i["code"]: i for i in staff["indicators"]}["integrity_complaints"]
    p = {i["code"]: i for i in public["indicators"]}["integrity_complaints"]
    assert s["missed"] is True and s["score"] is not None
    assert p["missed"] is False and p["score"] is None and p["target"] == 0.0
    # the overall score is the mean of the scores shown: filed's 10 / 20 alone, where the
    # staff's also averages the integrity score (0 / 1 -> 0)
    assert public["overall_score"] == 0.5 and staff["overall_score"] == 0.25


async def test_the_etag_follows_the_published_body_not_the_withheld_value(kpi):
    """One and two integrity complaints in two otherwise equal agencies publish the same
    indicators (so the ETag, a hash of the body, tells nothing more than the body)."""
    await kpi.deliver(*catalogue(), agency("kec-x", name="X"), agency("kec-y", name="Y"),
                      *filings("kec-x", pungli=1, jalan=9), *filings("kec-y", pungli=2, jalan=8))
    x = (await kpi.client.get("/v1/public/agencies/kec-x/indicators",
                              params={"period": "2026-10"})).json()
    y = (await kpi.client.get("/v1/public/agencies/kec-y/indicators",
                              params={"period": "2026-10"})).json()
    assert x["indicators"] == y["indicators"]
    for code in ("kec-x", "kec-y"):
        assert (await kpi.staff_indicators(code, "2026-10"))["integrity_complaints"]["value"]


async def test_the_dashboard_and_the_report_show_withheld_not_a_number(kpi):
    await kpi.deliver(*catalogue(), *filings("kec-a", pungli=1, jalan=9))
    await kpi.client.post("/v1/targets", headers=kpi.auth(Role.ADMIN), json={
        "agency_id": "kec-a", "indicator_code": "integrity_complaints", "value": 0,
        "direction": "at_most"})
    for lang, word in (("id", "disembunyikan"), ("en", "withheld")):
        html = (await kpi.client.get("/dashboard/kec-a", params={
            "period": "2026-10", "lang": lang})).text
        cell = re.search(r'data-code="integrity_complaints"[^>]*>([^<]*)<', html)
        assert cell is not None and word in cell.group(1), lang
        assert 'data-code="integrity_complaints" data-value=""' in html
        row = html.split(">" + ("Pengaduan integritas" if lang == "id"
                                else "Integrity and ethics complaints") + "<", 1)[1]
        row = row.split("</tr>", 1)[0]
        value = row.split("</td>")[0]
        assert word in value and "\u2013" not in value and ">1<" not in row
    report = (await kpi.client.get("/v1/public/agencies/kec-a/report.html",
                                   params={"period": "2026-10"})).text
    results = report.split("Hasil Pengukuran", 1)[1]
    row = results.split("<td>Pengaduan integritas</td>", 1)[1].split("</tr>", 1)[0]
    assert "disembunyikan" in row and "<td>1</td>" not in row
    # the sentences: it neither missed nor met its target, and its number is nowhere
    analysis = report.split("Analisis Hasil", 1)[1]
    assert "Pengaduan integritas" not in analysis.split("Kesimpulan dan Rekomendasi")[0]
    assert "tidak dinilai di sini karena angkanya disembunyikan" in analysis
    # nor does a sentence claim every target was met (the withheld one missed its target)
    assert "Semua indikator yang memiliki target telah mencapainya" not in analysis
    staff_report = await kpi.client.get("/v1/public/agencies/kec-a/report.pdf",
                                        params={"period": "2026-10"})
    assert staff_report.status_code == 200 and staff_report.content.startswith(b"%PDF")
