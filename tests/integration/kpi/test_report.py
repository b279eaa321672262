"""The evaluation report: five sections in Bahasa Indonesia, Indonesian numbers, local dates;
the PDF is a PDF (pdftoppm renders it when installed)."""

from __future__ import annotations

import asyncio
import shutil
import subprocess

import pytest

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
