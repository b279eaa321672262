"""The evaluation report: five sections in Bahasa Indonesia, Indonesian numbers, local dates;
the PDF is a PDF (pdftoppm renders it when installed)."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
from html import unescape

import pytest

from services.kpi.domain.indicators import format_id
from shared.auth import Role
from tests.browser.test_dashboard import history
from tests.integration.kpi.factory import Complaint, at

pytestmark = pytest.mark.asyncio
SECTIONS = ("Pendahuluan", "Deskripsi Program", "Hasil Pengukuran", "Analisis Hasil",
            "Kesimpulan dan Rekomendasi")


async def test_report_html_and_pdf(kpi, tmp_path):
    await kpi.deliver(*history())
    await kpi.client.post("/v1/targets", headers=kpi.auth(Role.ADMIN), json={
        "agency_id": "kota", "indicator_code": "reopen_rate", "value": 5,
        "direction": "at_most"})
    r = await kpi.client.get("/v1/public/agencies/kota/report.html",
                             params={"period": "2026-10"})
    assert r.status_code == 200, r.text
    html = r.text
    for title in SECTIONS:
        assert title in html
    assert "Pemerintah Kota Bandung" in html
    assert "1 Oktober 2026 sampai dengan 31 Oktober 2026" in html
    assert "pukul" in html and "WIB" in html
    api = await kpi.indicators("kota", "2026-10")
    within = api["resolved_within_5wd"]["value"]
    assert f"{within:.2f}".replace(".", ",") in html  # 91,67
    assert "Indikator yang belum mencapai target" in html or "Semua indikator" in html
    assert "Unsur terlemah" in html
    pdf = await kpi.client.get("/v1/public/agencies/kota/report.pdf",
                               params={"period": "2026-10"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf.content)
    if shutil.which("pdftoppm"):
        await asyncio.to_thread(subprocess.run, ["pdftoppm", "-png", "-r", "60", str(path),
                                                 str(tmp_path / "page")], check=True, timeout=60)
        assert list(tmp_path.glob("page*.png"))
        print(f"report pages: {tmp_path}")
    if shutil.which("pdftotext"):  # the charts' words and numbers, the Indonesian way
        text = (await asyncio.to_thread(subprocess.run, ["pdftotext", str(path), "-"],
                                        check=True, timeout=60, capture_output=True)).stdout
        words = " ".join(text.decode().split())
        assert "Waktu penyelesaian: jumlah pengaduan" in words
        for unit in ("unit-1", "unit-2"):
            scoped = (await kpi.client.get("/v1/agencies/kota/indicators",
                                           params={"period": "2026-10", "unit": unit},
                                           headers=kpi.auth(Role.ADMIN))).json()
            ikm = next(i["value"] for i in scoped["indicators"] if i["code"] == "ikm")
            assert f"{unit} ({format_id(ikm)})" in words
        # withheld categories: named in the note, never drawn with a value
        public = (await kpi.client.get("/v1/public/agencies/kota/breakdowns",
                                       params={"period": "2026-10", "by": "category"})).json()
        withheld = [row["name_id"] for row in public["rows"]
                    if row["indicators"]["sla_resolution"]["suppressed"]]
        assert withheld
        assert ("Tidak ditampilkan (kurang dari 3 pengaduan, untuk melindungi pelapor): "
                + ", ".join(withheld) + ".") in words
        assert not [name for name in withheld if f"{name} (" in words]
    missing = await kpi.client.get("/v1/public/agencies/nobody/report.pdf",
                                   params={"period": "2026-10"})
    assert missing.status_code == 404


async def test_the_report_revalidates_while_its_figures_stand(kpi):
    """The report says when it was made, yet a later request for the same figures has the
    same ETag (a 304 renders no PDF); a new event changes it."""
    await kpi.deliver(*history())
    for fmt in ("html", "pdf"):
        path = f"/v1/public/agencies/kota/report.{fmt}"
        first = await kpi.client.get(path, params={"period": "2026-10"})
        kpi.clock["now"] = kpi.clock["now"].replace(minute=(kpi.clock["now"].minute + 7) % 60)
        again = await kpi.client.get(path, params={"period": "2026-10"})
        assert first.content != again.content or fmt == "pdf"  # the time it was made moved
        assert first.headers["etag"] == again.headers["etag"], fmt
        unchanged = await kpi.client.get(path, params={"period": "2026-10"},
                                         headers={"If-None-Match": first.headers["etag"]})
        assert unchanged.status_code == 304 and unchanged.content == b"", fmt
    pdf_etag = first.headers["etag"]
    await kpi.deliver(*Complaint("dinas-pu").file(at("2026-10-28 09:00")).events)
    later = await kpi.client.get("/v1/public/agencies/kota/report.pdf",
                                 params={"period": "2026-10"},
                                 headers={"If-None-Match": pdf_etag})
    assert later.status_code == 200 and later.headers["etag"] != pdf_etag


def _chart(html: str, name: str) -> str:
    """The section of one chart (its svg and its screen-reader table)."""
    part = html.split(f'data-chart="{name}"', 1)[1]
    return part.split("</section>", 1)[0]


def _rows(chart: str) -> list[list[str]]:
    body = chart.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [re.findall(r"<td[^>]*>(.*?)</td>", tr) for tr in re.findall(r"<tr>(.*?)</tr>", body)]


def _raw(cell: str) -> str:
    return re.search(r'data-value="([^"]*)"', cell).group(1)  # type: ignore[union-attr]


async def test_the_html_report_has_the_dashboards_charts_with_the_apis_numbers(kpi, tmp_path):
    await kpi.deliver(*history())
    html = (await kpi.client.get("/v1/public/agencies/kota/report.html",
                                 params={"period": "2026-10"})).text
    (tmp_path / "report.html").write_text(html, "utf-8")  # to look at in a browser
    results, analysis = html.split("Hasil Pengukuran", 1)[1].split("Analisis Hasil", 1)
    for name in ("volume", "ttr", "sla"):
        assert f'data-chart="{name}"' in results and f'data-chart="{name}"' not in analysis
    for name in ("ikm", "backlog"):
        assert f'data-chart="{name}"' in analysis.split("Kesimpulan dan Rekomendasi")[0]
    assert "<script" not in html
    api = await kpi.indicators("kota", "2026-10")
    # the histogram: its table counts every first resolution, its bars are those counts
    ttr = _chart(html, "ttr")
    counts = [int(_raw(cells[1])) for cells in _rows(ttr)]
    assert sum(counts) == api["time_to_resolution_count"]["value"] > 0
    heights = [float(h) for h in re.findall(r'<rect [^>]*height="([\d.]+)"', ttr)]
    assert len(heights) == len(counts) == 10
    top = max(counts)
    assert [round(h / max(heights) * top, 1) for h in heights] == [float(n) for n in counts]
    # the same table as the dashboard's
    page = (await kpi.client.get("/dashboard/kota", params={"period": "2026-10"})).text
    assert _rows(_chart(page, "ttr")) == _rows(ttr)
    # IKM per unit: each unit's IKM as its unit-scoped indicator, written the Indonesian way
    ikm = _chart(html, "ikm")
    units = {cells[0]: cells[1] for cells in _rows(ikm)}
    assert set(units) == {"unit-1", "unit-2"}
    for unit, cell in units.items():
        scoped = (await kpi.client.get("/v1/agencies/kota/indicators",
                                       params={"period": "2026-10", "unit": unit},
                                       headers=kpi.auth(Role.ADMIN))).json()
        value = next(i["value"] for i in scoped["indicators"] if i["code"] == "ikm")
        assert float(_raw(cell)) == value
        assert f">{format_id(value)}</text>" in ikm.split("</svg>")[0]
    # SLA per category: a withheld category shows the hidden text, never its number
    public = (await kpi.client.get("/v1/public/agencies/kota/breakdowns",
                                   params={"period": "2026-10", "by": "category"})).json()
    full = (await kpi.client.get("/v1/agencies/kota/breakdowns",
                                 params={"period": "2026-10", "by": "category"},
                                 headers=kpi.auth(Role.ADMIN))).json()
    true = {row["value"]: row["indicators"]["sla_resolution"]["value"] for row in full["rows"]}
    sla = _chart(html, "sla")
    shown = {unescape(cells[0]): cells[1] for cells in _rows(sla)}
    withheld = [row for row in public["rows"]
                if row["indicators"]["sla_resolution"]["suppressed"]]
    assert withheld, "the history has a withheld category"
    for row in withheld:
        name = row["name_id"]
        assert shown[name] == "disembunyikan (&lt; 3 pengaduan)", shown
        assert true[row["value"]] is not None
        svg = sla.split("</svg>")[0]
        after = unescape(svg.split(f">{name}</text>", 1)[1].split("</text>", 1)[0])
        assert after.endswith("disembunyikan (< 3 pengaduan)"), after
    for row in public["rows"]:
        cell = row["indicators"]["sla_resolution"]
        if not cell["suppressed"] and cell["value"] is not None:
            assert float(_raw(shown[row["name_id"]])) == cell["value"]
            assert f">{format_id(float(cell['value']))}</text>" in sla
