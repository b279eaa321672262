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

from services.kpi import charts
from services.kpi.domain.indicators import BY_CODE, Value, format_id
from services.kpi.service import Dashboard, IndicatorResult, IndicatorsResult

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
    },
}
TILES = ("filed", "resolved_within_5wd", "sla_resolution", "time_to_resolution_wd_median",
         "backlog", "ikm", "rating_mean", "reopen_rate")
TTR_BUCKETS = (("0", 0, 0), ("1", 1, 1), ("2", 2, 2), ("3", 3, 3), ("4", 4, 4), ("5", 5, 5),
               ("6-10", 6, 10), ("11-20", 11, 20), ("21-60", 21, 60), ("> 60", 61, 10**6))


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


def _num(value: Value, fmt: charts.Fmt, code: str | None = None) -> str:
    raw = "" if value is None else str(value)
    attr = f' data-code="{code}"' if code else ""
    return f'<span class="n"{attr} data-value="{escape(raw)}">{escape(fmt(value))}</span>'


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
        meta.append(f'{t["target"]} {sign} {_num(i.target, fmt)}{unit_suffix(i.code, lang)}')
    if i.change is not None and i.previous is not None:
        arrow = "up" if i.change > 0 else "down" if i.change < 0 else ""
        change: float | int = int(i.change) if BY_CODE[i.code].unit == "count" else i.change
        sign = "+" if i.change > 0 else ""
        meta.append(f'<span class="{arrow}">{sign}{_num(change, fmt)}</span> '
                    f'{t["previous"]}')
    value = (_num(i.value, fmt, i.code) + escape(unit_suffix(i.code, lang))
             if i.value is not None else
             f'<span class="n" data-code="{i.code}" data-value="">{escape(t["no_data"])}</span>')
    return (f'<li class="tile {state}"><p class="label">{escape(name_of(i.code, lang))}</p>'
            f'<p class="value">{value}</p><p class="meta">{" · ".join(meta)} {spark}</p></li>')


def _table(caption: str, head: list[str], rows: list[list[str]], *, hidden: bool) -> str:
    # a hidden table (a chart's data for screen readers) is clipped by its block wrapper: a
    # table itself ignores width and overflow, and widened a phone's page by its columns
    box = "sr-only" if hidden else "scroll"
    ths = "".join(f'<th scope="col"{" class=num" if i else ""}>{escape(h)}</th>'
                  for i, h in enumerate(head))
    trs = "".join("<tr>" + "".join(f'<td{" class=num" if j else ""}>{c}</td>'
                                   for j, c in enumerate(r)) + "</tr>" for r in rows)
    return (f'<div class="{box}"><table><caption>{escape(caption)}</caption>'
            f"<thead><tr>{ths}</tr></thead><tbody>{trs}</tbody></table></div>")


def _figure(title: str, svg: str, table: str, legend: str = "") -> str:
    return (f'<section class="card"><h2>{escape(title)}</h2><figure>{svg}{legend}'
            f"</figure>{table}</section>")


def agency_page(d: Dashboard, *, lang: str, choices: list[str], threshold: int) -> str:
    t, fmt = TEXT[lang], fmt_for(lang)

    def count_fmt(value: float | int | None) -> str:
        return fmt(None if value is None else int(value))

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
            f'{escape(t["score"])} {_num(r.overall_score, fmt, "overall_score")} · '
            f'<a href="/v1/public/agencies/{escape(r.agency_id)}/report.pdf?period='
            f'{escape(r.period.code)}">{escape(t["report"])}</a></p>',
            period_form(lang=lang, action=f"/dashboard/{r.agency_id}", period=r.period.code,
                        choices=choices),
            f'<ul class="tiles">{tiles}</ul>', '<div class="grid">']
    # volume over time
    starts = sorted(d.volume)
    labels = [s[5:] for s in starts]
    filed = [d.volume[s].get("filed", 0) for s in starts]
    resolved = [d.volume[s].get("resolved", 0) for s in starts]
    legend = (f'<ul class="legend"><li><span style="background:{charts.COLORS[0]}"></span>'
              f'{escape(t["filed"])}</li><li><span style="background:{charts.COLORS[1]}">'
              f'</span>{escape(t["resolved"])}</li></ul>')
    body.append(_figure(t["volume"], charts.bars(
        labels, [(t["filed"], filed), (t["resolved"], resolved)], fmt=count_fmt),
        _table(t["volume"], [t["start"], t["filed"], t["resolved"]],
               [[s, _num(f, fmt), _num(v, fmt)] for s, f, v in zip(starts, filed, resolved,
                                                                    strict=True)],
               hidden=True), legend))
    # time to resolution distribution
    counts = [sum(n for b, n in d.ttr_histogram.items() if lo <= b <= hi)
              for _, lo, hi in TTR_BUCKETS]
    body.append(_figure(t["ttr"], charts.bars([b for b, _, _ in TTR_BUCKETS],
                                              [(t["complaints"], counts)], fmt=count_fmt),
                        _table(t["ttr"], [t["days"], t["complaints"]],
                               [[b, _num(n, fmt)] for (b, _, _), n in
                                zip(TTR_BUCKETS, counts, strict=True)], hidden=True)))
    # SLA compliance by category (public: small cells withheld)
    hidden_label = t["hidden"].format(n=threshold)
    sla_rows: list[tuple[str, float | None]] = []
    table_rows = []
    for row in d.by_category.rows:
        cell = row.cells["sla_resolution"]
        label = row.name_en if lang == "en" else row.name_id
        value = None if cell.suppressed else (float(cell.value) if cell.value is not None
                                              else None)
        if cell.suppressed or cell.value is not None:
            sla_rows.append((label, value))
            table_rows.append([escape(label), escape(hidden_label) if cell.suppressed
                               else _num(cell.value, fmt) + " %"])
    sla_target = r.get("sla_resolution").target
    body.append(_figure(t["sla"], charts.hbars(sla_rows, fmt=fmt, maximum=100.0,
                                               target=sla_target, hidden_label=hidden_label),
                        _table(t["sla"], [t["category"], "%"], table_rows, hidden=True)))
    # backlog aging
    ages = [("0-3", "backlog_age_0_3"), ("4-5", "backlog_age_4_5"), ("6-14", "backlog_age_6_14"),
            ("15-60", "backlog_age_15_60"), ("> 60", "backlog_age_over_60")]
    values = [r.get(code).value or 0 for _, code in ages]
    body.append(_figure(t["backlog"], charts.bars([a for a, _ in ages],
                                                  [(t["complaints"], values)], fmt=count_fmt),
                        _table(t["backlog"], [t["age"], t["complaints"]],
                               [[a, _num(r.get(code).value, fmt, code)] for a, code in ages],
                               hidden=True)))
    # IKM by unit
    unit_rows = [(f"{u.unit_id}", u.ikm) for u in d.units]
    body.append(_figure(t["ikm"], charts.hbars(unit_rows, fmt=fmt, maximum=100.0,
                                               target=r.get("ikm").target),
                        _table(t["ikm"], [t["unit"], "IKM", t["grade"], t["respondents"]],
                               [[escape(u.unit_id), _num(u.ikm, fmt), escape(u.grade),
                                 _num(u.respondents, fmt)] for u in d.units], hidden=True)))
    body.append("</div>")
    body.append(_indicator_table(r, lang, fmt))
    return page(lang=lang, title=f"{name} \u2013 {r.period.code}", period=r.period.code,
                body="".join(body), self_url=url, threshold=threshold)


def _indicator_table(r: IndicatorsResult, lang: str, fmt: charts.Fmt) -> str:
    t = TEXT[lang]
    rows = [[escape(name_of(i.code, lang)),
             _num(i.value, fmt, i.code) + escape(unit_suffix(i.code, lang)),
             _num(i.target, fmt), _num(i.score, fmt), _num(i.previous, fmt)]
            for i in r.indicators]
    head = [t["value"], t["value"], t["target"], "skor" if lang == "id" else "score",
            t["previous"]]
    head[0] = "Indikator" if lang == "id" else "Indicator"
    return (f'<section class="card" style="margin-top:14px"><h2>{escape(head[0])}</h2>'
            + _table(t["table"], head, rows, hidden=False) + "</section>")


def index_page(rows: list[dict[str, Any]], *, lang: str, period: str, choices: list[str],
               threshold: int) -> str:
    t, fmt = TEXT[lang], fmt_for(lang)
    head = [t["agencies"], name_of("filed", lang), name_of("resolved_within_5wd", lang),
            name_of("ikm", lang), t["score"]]
    table_rows = []
    for row in rows:
        link = (f'<a href="/dashboard/{escape(row["agency_id"])}?period={escape(period)}'
                f'&amp;lang={lang}">{"&nbsp;" * 4 * row["depth"]}{escape(row["name"])}</a>')
        table_rows.append([link, _num(row["filed"], fmt), _num(row["within"], fmt),
                           _num(row["ikm"], fmt), _num(row["score"], fmt)])
    body = (f'<h1>{escape(t["all"])}</h1><p class="sub">{escape(t["period"])} '
            f"{escape(period)}</p>"
            + period_form(lang=lang, action="/dashboard", period=period, choices=choices)
            + '<section class="card">' + _table(t["agencies"], head, table_rows, hidden=False)
            + "</section>")
    return page(lang=lang, title=f'{t["all"]} \u2013 {period}', period=period, body=body,
                self_url=f"/dashboard?period={period}", threshold=threshold)
