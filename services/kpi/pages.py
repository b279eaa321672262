"""The public dashboard's HTML, in Bahasa Indonesia or English. Pure: results in, text out.

Every chart (``charts``) is followed by a table of the same numbers for screen readers; every
number shown carries its raw value in ``data-value`` (the browser test compares them with the
API). Numbers are written the reader's way: 91,48 in Indonesian, 91.48 in English.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from string import Template
from typing import Any

from services.kpi import charts, panels
from services.kpi.domain.indicators import BY_CODE, format_id
from services.kpi.service import TREND_CODES, Dashboard, IndicatorResult, IndicatorsResult

TEMPLATES = Path(__file__).parent / "templates"
PAGE = Template((TEMPLATES / "page.html").read_text(encoding="utf-8"))

TEXT: dict[str, dict[str, str]] = {
    "id": {
        "tagline": "Transparansi kinerja pelayanan publik", "skip": "Langsung ke isi",
        "language": "Bahasa", "period": "Periode", "show": "Tampilkan",
        "agencies": "Instansi", "all": "Semua instansi", "target": "target",
        "previous": "periode sebelumnya", "no_data": "belum ada data",
        "volume": "Pengaduan masuk dan selesai", "filed": "Masuk", "resolved": "Selesai",
        "ttr": "Waktu penyelesaian (hari kerja)", "complaints": "pengaduan",
        "sla": "Kepatuhan SLA penyelesaian per kategori", "category": "Kategori",
        "backlog": "Umur tunggakan (hari kerja)", "age": "Umur", "ikm": "IKM per unit layanan",
        "unit": "Unit", "grade": "Mutu", "respondents": "Responden",
        "hidden": "disembunyikan (< {n} pengaduan)", "table": "Tabel data",
        "score": "Skor keseluruhan", "report": "Laporan evaluasi (PDF)",
        "footer": "Dihitung dari peristiwa layanan pengaduan dan survei; tanggal menurut "
                  "waktu setempat. Sel dengan kurang dari {n} pengaduan disembunyikan untuk "
                  "melindungi pelapor. Data terbuka: ",
        "days": "hari", "value": "Nilai", "start": "Mulai",
        "withheld": "disembunyikan (melindungi pelapor)",
    },
    "en": {
        "tagline": "Public service performance, in the open", "skip": "Skip to content",
        "language": "Language", "period": "Period", "show": "Show",
        "agencies": "Agencies", "all": "All agencies", "target": "target",
        "previous": "previous period", "no_data": "no data yet",
        "volume": "Complaints filed and resolved", "filed": "Filed", "resolved": "Resolved",
        "ttr": "Time to resolution (working days)", "complaints": "complaints",
        "sla": "Resolution SLA compliance by category", "category": "Category",
        "backlog": "Backlog age (working days)", "age": "Age", "ikm": "IKM by service unit",
        "unit": "Unit", "grade": "Grade", "respondents": "Respondents",
        "hidden": "withheld (< {n} complaints)", "table": "Data table",
        "score": "Overall score", "report": "Evaluation report (PDF)",
        "footer": "Computed from the complaint and survey services' events; dates in local "
                  "time. Cells behind fewer than {n} complaints are withheld to protect "
                  "reporters. Open data: ",
        "days": "days", "value": "Value", "start": "Start",
        "withheld": "withheld (protects reporters)",
    },
}
TILES = TREND_CODES  # each tile with its trend's sparkline


def fmt_for(lang: str) -> charts.Fmt:
    def fmt(value: float | int | None) -> str:
        if value is None:
            return "\u2013"
        if lang == "id":
            return format_id(value)
        return f"{value:,}" if isinstance(value, int) else f"{value:,.2f}"
    return fmt


def unit_suffix(code: str, lang: str) -> str:
    unit = BY_CODE[code].unit
    return {"percent": " %", "working_days": " " + TEXT[lang]["days"],
            "hours": " h"}.get(unit, "")


def name_of(code: str, lang: str) -> str:
    spec = BY_CODE[code]
    return spec.name_en if lang == "en" else spec.name_id


def page(*, lang: str, title: str, period: str, body: str, self_url: str,
         threshold: int) -> str:
    t = TEXT[lang]
    other = "en" if lang == "id" else "id"
    links = (f'<a href="{escape(self_url)}&amp;lang={lang}" aria-current="true">'
             f'{"Bahasa Indonesia" if lang == "id" else "English"}</a>'
             f'<a href="{escape(self_url)}&amp;lang={other}" hreflang="{other}" lang="{other}">'
             f'{"English" if other == "en" else "Bahasa Indonesia"}</a>')
    footer = (escape(t["footer"].format(n=threshold))
              + '<a href="/v1/public/data-dictionary">data dictionary</a>')
    return PAGE.substitute(lang=lang, title=escape(title), tagline=escape(t["tagline"]),
                           skip=escape(t["skip"]), language_label=escape(t["language"]),
                           language_links=links, body=body, footer=footer,
                           period=escape(period))


def period_form(*, lang: str, action: str, period: str, choices: list[str]) -> str:
    t = TEXT[lang]
    options = "".join(f'<option value="{escape(c)}"{" selected" if c == period else ""}>'
                      f"{escape(c)}</option>" for c in choices)
    return (f'<form class="period" method="get" action="{escape(action)}">'
            f'<label for="period">{escape(t["period"])}</label>'
            f'<select id="period" name="period">{options}</select>'
            f'<input type="hidden" name="lang" value="{lang}">'
            f'<button type="submit">{escape(t["show"])}</button></form>')


def _tile(i: IndicatorResult, lang: str, fmt: charts.Fmt, spark: str) -> str:
    t = TEXT[lang]
    state = "missed" if i.missed else ("met" if i.target is not None and i.value is not None
                                       else "")
    meta = []
    if i.target is not None:
        sign = "\u2265" if i.direction == "at_least" else "\u2264"
        meta.append(f'{t["target"]} {sign} {panels.num(i.target, fmt)}{unit_suffix(i.code, lang)}')
    if i.change is not None and i.previous is not None:
        arrow = "up" if i.change > 0 else "down" if i.change < 0 else ""
        change: float | int = int(i.change) if BY_CODE[i.code].unit == "count" else i.change
        sign = "+" if i.change > 0 else ""
        meta.append(f'<span class="{arrow}">{sign}{panels.num(change, fmt)}</span> '
                    f'{t["previous"]}')
    value = (shown(i, "value", lang, fmt, i.code) if i.value is not None or i.suppressed else
             f'<span class="n" data-code="{i.code}" data-value="">{escape(t["no_data"])}</span>')
    return (f'<li class="tile {state}"><p class="label">{escape(name_of(i.code, lang))}</p>'
            f'<p class="value">{value}</p><p class="meta">{" · ".join(meta)} {spark}</p></li>')


def agency_page(d: Dashboard, *, lang: str, choices: list[str], threshold: int) -> str:
    t, fmt = TEXT[lang], fmt_for(lang)
    r = d.indicators
    info = r.tree.info(r.agency_id)
    name = info.name_en if lang == "en" else info.name_id
    url = f"/dashboard/{r.agency_id}?period={r.period.code}"
    trend = {code: [values.get(code) for _, values in d.trend] for code in TILES}
    tiles = "".join(_tile(r.get(code), lang, fmt,
                          charts.sparkline([float(v) if v is not None else None
                                            for v in trend[code]]))
                    for code in TILES)
    body = [f"<h1>{escape(name)}</h1>",
            f'<p class="sub">{escape(t["period"])} {escape(r.period.code)} '
            f"({r.period.start.isoformat()} \u2013 {r.period.last_day.isoformat()}) · "
            f'{escape(t["score"])} {panels.num(r.overall_score, fmt, "overall_score")} · '
            f'<a href="/v1/public/agencies/{escape(r.agency_id)}/report.pdf?period='
            f'{escape(r.period.code)}">{escape(t["report"])}</a></p>',
            period_form(lang=lang, action=f"/dashboard/{r.agency_id}", period=r.period.code,
                        choices=choices),
            f'<ul class="tiles">{tiles}</ul>', '<div class="grid">']
    shown = panels.figures(panels.chart_data(d, threshold=threshold), t=t, lang=lang, fmt=fmt)
    body += [shown[key] for key in ("volume", "ttr", "sla", "backlog", "ikm")]
    body.append("</div>")
    body.append(_indicator_table(r, lang, fmt))
    return page(lang=lang, title=f"{name} \u2013 {r.period.code}", period=r.period.code,
                body="".join(body), self_url=url, threshold=threshold)


def shown(i: IndicatorResult, name: str, lang: str, fmt: charts.Fmt,
          code: str | None = None) -> str:
    """One field of an indicator as shown: its number, or the withheld text (never a dash or a
    zero, which would read as a number), with an empty ``data-value`` either way."""
    if name in i.withheld:
        attr = f' data-code="{code}"' if code else ""
        return (f'<span class="n withheld"{attr} data-value="" data-withheld="true">'
                f'{escape(TEXT[lang]["withheld"])}</span>')
    value = getattr(i, name)
    suffix = escape(unit_suffix(i.code, lang)) if name == "value" and value is not None else ""
    return panels.num(value, fmt, code) + suffix


def _indicator_table(r: IndicatorsResult, lang: str, fmt: charts.Fmt) -> str:
    t = TEXT[lang]
    rows = [[escape(name_of(i.code, lang)), shown(i, "value", lang, fmt, i.code),
             shown(i, "target", lang, fmt), shown(i, "score", lang, fmt),
             shown(i, "previous", lang, fmt)]
            for i in r.indicators]
    head = [t["value"], t["value"], t["target"], "skor" if lang == "id" else "score",
            t["previous"]]
    head[0] = "Indikator" if lang == "id" else "Indicator"
    return (f'<section class="card" style="margin-top:14px"><h2>{escape(head[0])}</h2>'
            + panels.table(t["table"], head, rows, hidden=False) + "</section>")


def index_page(rows: list[dict[str, Any]], *, lang: str, period: str, choices: list[str],
               threshold: int) -> str:
    t, fmt = TEXT[lang], fmt_for(lang)
    head = [t["agencies"], name_of("filed", lang), name_of("resolved_within_5wd", lang),
            name_of("ikm", lang), t["score"]]
    table_rows = []
    for row in rows:
        link = (f'<a href="/dashboard/{escape(row["agency_id"])}?period={escape(period)}'
                f'&amp;lang={lang}">{"&nbsp;" * 4 * row["depth"]}{escape(row["name"])}</a>')
        table_rows.append([link, panels.num(row["filed"], fmt), panels.num(row["within"], fmt),
                           panels.num(row["ikm"], fmt), panels.num(row["score"], fmt)])
    body = (f'<h1>{escape(t["all"])}</h1><p class="sub">{escape(t["period"])} '
            f"{escape(period)}</p>"
            + period_form(lang=lang, action="/dashboard", period=period, choices=choices)
            + '<section class="card">' + panels.table(t["agencies"], head, table_rows, hidden=False)
            + "</section>")
    return page(lang=lang, title=f'{t["all"]} \u2013 {period}', period=period, body=body,
                self_url=f"/dashboard?period={period}", threshold=threshold)
