"""The evaluation report of seed 004, in Bahasa Indonesia: Pendahuluan, Deskripsi Program,
Hasil Pengukuran, Analisis Hasil, Kesimpulan dan Rekomendasi. Pure: a ``Dashboard`` in, a
``Report`` (sections of sentences and tables) out, rendered as HTML or as PDF (reportlab; run
it in a thread, it is CPU-bound). Numbers in the Indonesian format (91,48), dates and the time
it was made in local time."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from datetime import date, datetime
from html import escape
from pathlib import Path
from string import Template
from zoneinfo import ZoneInfo

from services.kpi import pages, panels
from services.kpi.charts import COLORS
from services.kpi.domain.indicators import BY_CODE, format_id
from services.kpi.service import Dashboard, IndicatorResult

DASH = "\u2013"
MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
          "September", "Oktober", "November", "Desember")
#: The indicators of the report's target table and results, in this order.
HEADLINE = ("filed", "resolved", "resolved_within_5wd", "sla_verification", "sla_first_response",
            "sla_resolution", "time_to_resolution_wd_median", "time_to_resolution_wd_p90",
            "backlog", "reopen_rate", "rating_mean", "ikm", "skm_respondents",
            "integrity_complaints", "anonymous_share", "survey_responses")
UNSUR = {"U1": "Persyaratan", "U2": "Sistem, Mekanisme, dan Prosedur",
         "U3": "Waktu Penyelesaian", "U4": "Biaya/Tarif",
         "U5": "Produk Spesifikasi Jenis Pelayanan", "U6": "Kompetensi Pelaksana",
         "U7": "Perilaku Pelaksana", "U8": "Penanganan Pengaduan, Saran dan Masukan",
         "U9": "Sarana dan Prasarana"}
TEMPLATE = Template((Path(__file__).parent / "templates" / "report.html").read_text("utf-8"))


def tanggal(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def waktu(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    label = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}.get(
        str(zone), str(zone))
    return f"{tanggal(local.date())} pukul {local:%H.%M} {label}"


def angka(value: float | int | None, code: str | None = None) -> str:
    if value is None:
        return "\u2013"
    unit = BY_CODE[code].unit if code else "count"
    if unit == "count":
        return format_id(int(value))
    suffix = {"percent": " %", "working_days": " hari kerja", "hours": " jam"}.get(unit, "")
    return format_id(float(value)) + suffix


@dataclass
class Section:
    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[tuple[list[str], list[list[str]]]] = field(default_factory=list)
    #: the charts after its tables (``panels.figures`` names), in this order
    charts: tuple[str, ...] = ()


@dataclass
class Report:
    title: str
    agency: str
    period: str
    subtitle: str
    sections: list[Section]
    charts: panels.ChartData  # the dashboard's charts, withheld cells as None


#: A withheld number, in a table or a sentence (never a dash, which reads as "no data").
WITHHELD = "disembunyikan"


def nilai(i: IndicatorResult, name: str) -> str:
    """One field of an indicator as the report shows it: its number or ``WITHHELD``."""
    if name in i.withheld:
        return WITHHELD
    return angka(getattr(i, name), i.code)


def _improvement(i: IndicatorResult) -> float | None:
    """How much better than the previous period, relative (positive is better)."""
    spec = BY_CODE[i.code]
    if spec.direction == "neutral" or i.value is None or not i.previous:
        return None
    rel = (float(i.value) - float(i.previous)) / abs(float(i.previous))
    return rel if spec.direction == "higher_is_better" else -rel


def build(d: Dashboard, *, generated_at: datetime, zone: ZoneInfo) -> Report:
    r = d.indicators
    name = r.tree.info(r.agency_id).name_id
    p = r.period
    span = f"{tanggal(p.start)} sampai dengan {tanggal(p.last_day)}"
    by = {i.code: i for i in r.indicators}
    # an indicator whose value is withheld is neither met nor missed here: a sentence naming it
    # would tell its number's side of the target
    targeted = [i for i in r.indicators if i.target is not None and not i.suppressed]
    withheld = [i for i in r.indicators
                if (i.target is not None and i.suppressed) or "target" in i.withheld]
    missed = [i for i in targeted if i.missed]
    met = [i for i in targeted if not i.missed and i.value is not None]
    improved = sorted(((v, i) for i in r.indicators if (v := _improvement(i)) is not None
                       and v > 0), key=lambda x: -x[0])[:3]

    intro = Section("1. Pendahuluan", [
        f"Laporan ini mengevaluasi kinerja pelayanan pengaduan dan kepuasan masyarakat "
        f"{escape(name)} pada periode {p.code} ({span}), sesuai dengan indikator dan target "
        f"yang ditetapkan. Semua angka dihitung oleh Suara dari peristiwa layanan pengaduan dan "
        f"survei, menurut tanggal setempat, dan dapat dihitung ulang dari catatan peristiwa.",
        f"Laporan dibuat pada {waktu(generated_at, zone)}. Angka pecahan ditulis dengan koma "
        f"(91,48); hari kerja tidak menghitung akhir pekan, hari libur nasional dan cuti "
        f"bersama."])
    program_rows = [[escape(BY_CODE[i.code].name_id),
                     "paling sedikit" if i.direction == "at_least" else "paling banyak",
                     angka(i.target, i.code)] for i in r.indicators if i.target is not None]
    program = Section("2. Deskripsi Program", [
        f"Program yang dievaluasi adalah penanganan pengaduan masyarakat (penerimaan, "
        f"verifikasi, disposisi, tanggapan dan penyelesaian dalam batas waktu) dan Survei "
        f"Kepuasan Masyarakat menurut PermenPANRB 14/2017. Cakupan: {escape(name)}"
        + (f" beserta {len(r.agencies) - 1} unit di bawahnya" if len(r.agencies) > 1 else "")
        + ". Target yang berlaku:"],
        tables=[(["Indikator", "Arah", "Target"], program_rows)] if program_rows else [])
    result_rows = []
    for code in HEADLINE:
        i = by[code]
        result_rows.append([escape(BY_CODE[code].name_id), nilai(i, "value"),
                            WITHHELD if "target" in i.withheld
                            else angka(i.target, code) if i.target is not None else "\u2013",
                            WITHHELD if "score" in i.withheld
                            else format_id(i.score) if i.score is not None else "\u2013",
                            nilai(i, "previous"), nilai(i, "year_before")])
    results = Section("3. Hasil Pengukuran", [
        f"Selama periode ini tercatat {angka(by['filed'].value)} pengaduan masuk dan "
        f"{angka(by['resolved'].value)} penyelesaian. Skor keseluruhan (rata-rata skor "
        f"indikator yang memiliki target) adalah "
        f"{format_id(r.overall_score) if r.overall_score is not None else DASH}."],
        tables=[(["Indikator", "Nilai", "Target", "Skor", "Periode sebelumnya",
                  "Tahun sebelumnya"], result_rows)], charts=("volume", "ttr", "sla"))
    if any(by[code].withheld for code in HEADLINE):
        results.paragraphs.append(
            f"Angka yang ditulis \u201c{WITHHELD}\u201d mewakili kurang dari "
            f"{d.by_category.threshold} "
            "pengaduan yang peka (integritas, anonim atau rahasia), atau akan "
            "memungkinkan angka seperti itu dihitung; angka itu disembunyikan untuk melindungi "
            "pelapor.")
    analysis = Section("4. Analisis Hasil", charts=("ikm", "backlog"))
    if missed:
        analysis.paragraphs.append(
            "Indikator yang belum mencapai target: " + "; ".join(
                f"{escape(BY_CODE[i.code].name_id)} ({angka(i.value, i.code)}, target "
                f"{angka(i.target, i.code)})" for i in missed) + ".")
    elif met and not withheld:
        analysis.paragraphs.append("Semua indikator yang memiliki target telah mencapainya.")
    elif met:  # not "all": a withheld one may have missed, and the sentence would say it met
        analysis.paragraphs.append(
            "Semua indikator bertarget yang dapat dinilai di sini telah mencapainya.")
    else:
        analysis.paragraphs.append(
            "Belum ada indikator bertarget yang dapat dinilai pada periode ini.")
    if met:
        analysis.paragraphs.append("Indikator yang mencapai target: " + ", ".join(
            escape(BY_CODE[i.code].name_id) for i in met) + ".")
    if improved:
        analysis.paragraphs.append("Perbaikan terbesar dibanding periode sebelumnya: " + "; ".join(
            f"{escape(BY_CODE[i.code].name_id)} dari {angka(i.previous, i.code)} menjadi "
            f"{angka(i.value, i.code)}" for _, i in improved) + ".")
    ikm = by["ikm"]
    weakest = ikm.details.get("weakest_first") if ikm.details else None
    if ikm.value is not None and weakest:
        nrr = ikm.details.get("nrr", {})
        w = weakest[0]
        analysis.paragraphs.append(
            f"IKM periode ini {angka(ikm.value, 'ikm')} dengan mutu pelayanan "
            f"{ikm.details.get('grade')}. Unsur terlemah adalah {w} ({UNSUR.get(w, w)}) "
            f"dengan nilai rata-rata {format_id(float(nrr.get(w, 0)), 4)}, diikuti "
            f"{weakest[1]} ({UNSUR.get(weakest[1], weakest[1])}).")
    backlog = by["backlog"]
    if backlog.value:
        old = (by["backlog_age_15_60"].value or 0) + (by["backlog_age_over_60"].value or 0)
        analysis.paragraphs.append(
            f"Pada akhir periode masih terbuka {angka(backlog.value)} pengaduan; "
            f"{angka(old)} di antaranya berumur lebih dari 14 hari kerja.")
    advice = []
    for i in missed:
        advice.append(f"Perbaiki capaian {escape(BY_CODE[i.code].name_id)} agar mencapai "
                      f"target {angka(i.target, i.code)} pada periode berikutnya.")
    if ikm.value is not None and weakest:
        advice.append(f"Prioritaskan perbaikan unsur {UNSUR.get(weakest[0], weakest[0])}.")
    if backlog.value:
        advice.append("Tuntaskan tunggakan pengaduan yang berumur lebih dari 14 hari kerja.")
    conclusion = Section("5. Kesimpulan dan Rekomendasi", [
        (f"{len(met)} dari {len(targeted)} indikator bertarget mencapai targetnya."
         if targeted else "Belum ada indikator yang memiliki target.")
        + (f" {len(withheld)} indikator bertarget lainnya tidak dinilai di sini karena "
           "angkanya disembunyikan untuk melindungi pelapor." if withheld else ""),
        *(advice or ["Pertahankan capaian dan tetapkan target yang lebih tinggi."])])
    return Report(f"Laporan Evaluasi Kinerja Pelayanan {p.code}", name, p.code,
                  f"{span} · dibuat {waktu(generated_at, zone)}",
                  [intro, program, results, analysis, conclusion], panels.chart_data(d))


def to_html(report: Report) -> str:
    shown = panels.figures(report.charts, t=pages.TEXT["id"], lang="id",
                           fmt=pages.fmt_for("id"), heading="h3")
    parts = []
    for s in report.sections:
        parts.append(f"<section><h2>{escape(s.title)}</h2>")
        parts += [f"<p>{p}</p>" for p in s.paragraphs]
        for head, rows in s.tables:
            ths = "".join(f'<th scope="col">{escape(h)}</th>' for h in head)
            trs = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>"
                          for row in rows)
            parts.append(f"<table><thead><tr>{ths}</tr></thead><tbody>{trs}</tbody></table>")
        parts += [shown[name] for name in s.charts]
        parts.append("</section>")
    return TEMPLATE.substitute(title=escape(report.title), agency=escape(report.agency),
                               subtitle=escape(report.subtitle), body="".join(parts))


def to_pdf(report: Report) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    body = styles["BodyText"]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm,
                            topMargin=16 * mm, bottomMargin=16 * mm, title=report.title,
                            author="Suara", subject="Laporan evaluasi kinerja pelayanan")
    story: list[object] = [Paragraph(escape(report.title), styles["Title"]),
                           Paragraph(escape(report.agency), styles["Heading2"]),
                           Paragraph(escape(report.subtitle), body), Spacer(1, 4 * mm)]
    grid = TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                       ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
                       ("FONTSIZE", (0, 0), (-1, -1), 8.5), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                       ("ALIGN", (1, 1), (-1, -1), "RIGHT")])
    cell = styles["BodyText"].clone("cell", fontSize=8.5, leading=10)
    for s in report.sections:
        story.append(Paragraph(escape(s.title), styles["Heading2"]))
        story += [Paragraph(p, body) for p in s.paragraphs]
        for head, rows in s.tables:
            data = [[Paragraph(f"<b>{escape(h)}</b>", cell) for h in head]]
            data += [[Paragraph(c, cell) for c in row] for row in rows]
            widths = [60 * mm] + [(174 - 60) * mm / (len(head) - 1)] * (len(head) - 1)
            table = Table(data, colWidths=widths, repeatRows=1)
            table.setStyle(grid)
            story += [Spacer(1, 2 * mm), table, Spacer(1, 3 * mm)]
        for name in s.charts:
            story += _pdf_chart(name, report.charts, body)
    doc.build(story)
    return buffer.getvalue()


def _count(value: float) -> str:
    return format_id(value if value % 1 else int(value), 1)


def _pdf_chart(name: str, data: panels.ChartData, body: object) -> list[object]:
    """One chart of the PDF (reportlab graphics), Indonesian numbers; a withheld cell is left
    out of the chart and named in a note below it."""
    from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
    from reportlab.graphics.shapes import Drawing, Line, String
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph

    blue, orange = colors.HexColor(COLORS[0]), colors.HexColor(COLORS[1])
    t = pages.TEXT["id"]
    if name in ("volume", "ttr", "backlog"):
        if name == "volume":
            if not data.volume:
                return []
            labels = [s[5:] for s, _, _ in data.volume]
            series = [[f for _, f, _ in data.volume], [r for _, _, r in data.volume]]
            title = "Pengaduan masuk (biru) dan selesai (jingga)"
        elif name == "ttr":
            labels = [b for b, _ in data.ttr]
            series = [[n for _, n in data.ttr]]
            title = "Waktu penyelesaian: jumlah pengaduan menurut hari kerja sampai selesai"
        else:
            labels = [a for a, _, _ in data.backlog]
            series = [[int(v or 0) for _, _, v in data.backlog]]
            title = "Umur tunggakan: pengaduan terbuka menurut umur (hari kerja)"
        drawing = Drawing(170 * mm, 62 * mm)
        chart = VerticalBarChart()
        chart.x, chart.y, chart.width, chart.height = 12 * mm, 10 * mm, 150 * mm, 44 * mm
        chart.data = series
        step = max(1, len(labels) // 10)
        chart.categoryAxis.categoryNames = [lbl if i % step == 0 else ""
                                            for i, lbl in enumerate(labels)]
        chart.categoryAxis.labels.fontSize = 6 if name == "volume" else 7
        chart.valueAxis.labels.fontSize = 7
        chart.valueAxis.valueMin = 0
        top = max((v for values in series for v in values), default=0)
        chart.valueAxis.valueStep = max(1, math.ceil(top / 5))  # counts: whole ticks
        chart.valueAxis.labelTextFormat = _count
        chart.bars[0].fillColor = blue
        if len(series) > 1:
            chart.bars[1].fillColor = orange
        else:  # few bars: each carries its count
            chart.barLabelFormat = _count
            chart.barLabels.fontSize = 7
            chart.barLabels.nudge = 6
        drawing.add(chart)
        drawing.add(String(12 * mm, 58 * mm, title, fontSize=8))
        return [drawing]
    if name == "sla":
        rows = [(label, v) for label, _, v in data.sla if v is not None]
        withheld = [label for label, _, v in data.sla if v is None]
        title, target = "Kepatuhan SLA penyelesaian per kategori (%)", data.sla_target
        note = (f"Tidak ditampilkan (kurang dari {data.threshold} pengaduan, untuk melindungi "
                f"pelapor): {escape(', '.join(withheld))}." if withheld else "")
    else:
        rows = [(u.unit_id, u.ikm) for u in data.units if u.ikm is not None]
        missing = [u.unit_id for u in data.units if u.ikm is None]
        title, target = t["ikm"] + " (0-100)", data.ikm_target
        note = (f"Belum ada nilai IKM: {escape(', '.join(missing))}." if missing else "")
    out: list[object] = []
    if rows:
        height = 14 * mm + 7 * mm * len(rows)
        drawing = Drawing(170 * mm, height)
        chart = HorizontalBarChart()
        chart.x, chart.y = 45 * mm, 6 * mm
        chart.width, chart.height = 110 * mm, height - 14 * mm
        chart.data = [[float(v) for _, v in rows]]
        # the value in the label, clear of the target line a bar's end may touch
        chart.categoryAxis.categoryNames = [
            f"{lbl if len(lbl) <= 24 else lbl[:23] + chr(0x2026)} ({format_id(float(v))})"
            for lbl, v in rows]
        chart.categoryAxis.reverseDirection = 1  # the first row on top
        chart.categoryAxis.labels.fontSize = 7
        chart.valueAxis.valueMin, chart.valueAxis.valueMax = 0, 100
        chart.valueAxis.valueStep = 20
        chart.valueAxis.labels.fontSize = 7
        chart.valueAxis.labelTextFormat = _count
        chart.bars[0].fillColor = blue
        drawing.add(chart)
        if target is not None:
            x = chart.x + chart.width * min(float(target), 100.0) / 100
            drawing.add(Line(x, chart.y, x, chart.y + chart.height, strokeColor=colors.red,
                             strokeDashArray=[3, 2], strokeWidth=1))
            title += f"; garis merah: target {format_id(float(target))}"
        drawing.add(String(12 * mm, height - 5 * mm, title, fontSize=8))
        out.append(drawing)
    if note:
        out.append(Paragraph(f"<i>{note}</i>", body))
    return out
