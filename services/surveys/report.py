"""The printable SKM report (PDF, reportlab): the IKM, its grade, every element, the sample
check and the respondents' profile, in Bahasa Indonesia with English subtitles. Pure: takes
computed results, returns bytes (run it in a thread: it is CPU-bound)."""

from __future__ import annotations

import io
from datetime import datetime
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from services.surveys.schemas import ResultsRead
from services.surveys.service import SkmReport
from services.surveys.views import results_read

SEGMENT_TITLES = {"age_band": "Umur / Age", "sex": "Jenis kelamin / Sex",
                  "education": "Pendidikan / Education", "occupation": "Pekerjaan / Occupation"}
_GRID = TableStyle([
    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
    ("FONTSIZE", (0, 0), (-1, -1), 8.5),
    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ("ALIGN", (2, 1), (-1, -1), "RIGHT"),
])


def render_report(report: SkmReport) -> bytes:
    """The PDF of a report use case's figures."""
    return render(results_read(report.results), title=report.title,
                  profile={by: results_read(part) for by, part in report.profile.items()},
                  generated_at=report.generated_at, names=report.names)


def _fmt(value: object) -> str:
    """A value for a Paragraph (reportlab reads markup: text from users is escaped)."""
    return "-" if value is None else escape(f"{value}")


def _made_of(periods: list[str]) -> str:
    """`` (2026-Q1 + ... + 2026-Q4)`` when a span was summed from several periods."""
    return f" ({' + '.join(escape(p) for p in periods)})" if len(periods) > 1 else ""


def render(results: ResultsRead, *, title: str, profile: dict[str, ResultsRead],
           generated_at: datetime, names: dict[str, tuple[str, str]] | None = None) -> bytes:
    """``names``: an agency's (or unit's) Indonesian and English names by id, printed
    beside the id when known (the catalogue events)."""
    names = names or {}

    def named(key: str | None) -> str:
        if key is None:
            return "-"
        if key in names:
            name_id, name_en = names[key]
            same = name_id == name_en
            return f"{escape(name_id)}{'' if same else ' / ' + escape(name_en)} ({escape(key)})"
        return escape(key)

    styles = getSampleStyleSheet()
    small = styles["BodyText"]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm,
                            topMargin=16 * mm, bottomMargin=16 * mm, title=title,
                            author="Suara", subject="Laporan Survei Kepuasan Masyarakat")
    scope = results.scope
    story: list[Flowable] = [
        Paragraph("Laporan Survei Kepuasan Masyarakat (SKM)", styles["Title"]),
        Paragraph("Community Satisfaction Survey report - PermenPANRB 14/2017", small),
        Spacer(1, 4 * mm),
        Paragraph(escape(title), styles["Heading2"]),
        Paragraph(f"Instansi / agency: {named(scope['agency_id'])} &nbsp; "
                  f"Unit: {named(scope['unit_id'])} &nbsp; "
                  f"Layanan / service: {_fmt(scope['service_id'])} &nbsp; "
                  f"Periode / period: {_fmt(scope['period'])}{_made_of(results.periods)}",
                  small),
        Spacer(1, 4 * mm),
    ]
    if results.ikm is None:
        headline = (f"Responden / respondents: {results.respondents}. IKM belum dapat "
                    "dihitung: setiap unsur memerlukan jawaban / no IKM until every element "
                    "has answers.")
    else:
        headline = (f"<b>IKM {results.ikm}</b> &nbsp; Mutu pelayanan / grade: "
                    f"<b>{results.grade}</b> ({results.grade_label_id} / "
                    f"{results.grade_label_en}) &nbsp; NI {results.ni} &nbsp; "
                    f"Responden / respondents: {results.respondents}")
    story += [Paragraph(headline, styles["Heading3"]), Spacer(1, 3 * mm)]

    rows: list[list[object]] = [["Kode", "Unsur / element", "Jawaban", "1", "2", "3", "4",
                                 "NRR", "Indeks", "Mutu"]]
    for e in results.elements:
        rows.append([e.code, Paragraph(f"{e.name_id}<br/><i>{e.name_en}</i>", small),
                     e.answers, *(e.distribution[str(s)] for s in range(1, 5)), _fmt(e.nrr),
                     _fmt(e.index), e.grade or "-"])
    table = Table(rows, colWidths=[12 * mm, 62 * mm, 16 * mm, 10 * mm, 10 * mm, 10 * mm,
                                   10 * mm, 16 * mm, 16 * mm, 12 * mm], repeatRows=1)
    table.setStyle(_GRID)
    story += [table, Spacer(1, 3 * mm)]
    if results.weakest_first:
        story.append(Paragraph("Unsur terendah / weakest elements: "
                               + ", ".join(results.weakest_first[:3]), small))
    if results.sample is not None:
        s = results.sample
        verdict = "cukup / sufficient" if s.sufficient else (
            f"kurang {s.shortfall} / {s.shortfall} short")
        story.append(Paragraph(
            f"Sampel (Krejcie &amp; Morgan): populasi {s.population}, minimal {s.required}, "
            f"diterima {s.respondents} - {verdict}", small))
    story.append(Spacer(1, 4 * mm))
    story.append(Paragraph("Profil responden / respondent profile", styles["Heading3"]))
    for segment, part in profile.items():
        seg_rows: list[list[object]] = [[SEGMENT_TITLES[segment], "", "Responden", "IKM", "Mutu"]]
        for seg in part.segments:
            seg_rows.append([seg.label_id, seg.label_en, seg.respondents, _fmt(seg.ikm),
                             seg.grade or "-"])
        if len(seg_rows) > 1:
            t = Table(seg_rows, colWidths=[45 * mm, 45 * mm, 22 * mm, 20 * mm, 15 * mm])
            t.setStyle(_GRID)
            story += [t, Spacer(1, 2 * mm)]
    story += [Spacer(1, 4 * mm), Paragraph(
        "IKM = (NRR U1 + ... + NRR U9) / 9 x 25; NRR = jumlah nilai / jumlah jawaban. Nilai "
        "dibulatkan setengah ke atas (2 desimal); mutu dari nilai yang dibulatkan. "
        f"Dibuat / generated {generated_at:%Y-%m-%d %H:%M} UTC oleh Suara.", small)]
    doc.build(story)
    return buffer.getvalue()
