"""The charts of an agency's period, each followed by a table of its numbers for screen readers:
shared by the dashboard page (``pages``) and the HTML report (``report``), so both show the same
numbers and withhold the same cells. Pure: a ``Dashboard`` in, the charts' data (``ChartData``,
which the PDF report draws too) and HTML out.

A withheld cell (fewer complaints than the public threshold) is carried as ``None`` and shown
as the ``hidden`` text, never as a number.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from services.kpi import charts
from services.kpi.domain.indicators import Value
from services.kpi.service import Dashboard, UnitIkm

TTR_BUCKETS = (("0", 0, 0), ("1", 1, 1), ("2", 2, 2), ("3", 3, 3), ("4", 4, 4), ("5", 5, 5),
               ("6-10", 6, 10), ("11-20", 11, 20), ("21-60", 21, 60), ("> 60", 61, 10**6))
BACKLOG_AGES = (("0-3", "backlog_age_0_3"), ("4-5", "backlog_age_4_5"),
                ("6-14", "backlog_age_6_14"), ("15-60", "backlog_age_15_60"),
                ("> 60", "backlog_age_over_60"))


@dataclass(frozen=True)
class ChartData:
    volume: list[tuple[str, int, int]]  # sub-period start (iso), filed, resolved
    ttr: list[tuple[str, int]]  # working days bucket, first resolutions
    sla: list[tuple[str, str, float | None]]  # name id, name en, % (None: withheld)
    sla_target: float | None
    backlog: list[tuple[str, str, Value]]  # age bucket, indicator code, open complaints
    units: list[UnitIkm]
    ikm_target: float | None
    threshold: int | None  # the public suppression threshold (None: nothing withheld)


def chart_data(d: Dashboard, *, threshold: int | None = None) -> ChartData:
    """``threshold``: the public one (default: the breakdown's)."""
    r = d.indicators
    volume = [(s, d.volume[s].get("filed", 0), d.volume[s].get("resolved", 0))
              for s in sorted(d.volume)]
    ttr = [(b, sum(n for days, n in d.ttr_histogram.items() if lo <= days <= hi))
           for b, lo, hi in TTR_BUCKETS]
    sla: list[tuple[str, str, float | None]] = []
    for row in d.by_category.rows:
        cell = row.cells["sla_resolution"]
        if cell.suppressed:
            sla.append((row.name_id, row.name_en, None))
        elif cell.value is not None:
            sla.append((row.name_id, row.name_en, float(cell.value)))
    backlog = [(a, code, r.get(code).value) for a, code in BACKLOG_AGES]
    return ChartData(volume, ttr, sla, r.get("sla_resolution").target, backlog, list(d.units),
                     r.get("ikm").target,
                     d.by_category.threshold if threshold is None else threshold)


def num(value: Value, fmt: charts.Fmt, code: str | None = None) -> str:
    """A number as shown, with its raw value in ``data-value`` (tests compare it with the API)."""
    raw = "" if value is None else str(value)
    attr = f' data-code="{code}"' if code else ""
    return f'<span class="n"{attr} data-value="{escape(raw)}">{escape(fmt(value))}</span>'


def table(caption: str, head: list[str], rows: list[list[str]], *, hidden: bool) -> str:
    # a hidden table (a chart's data for screen readers) is clipped by its block wrapper: a
    # table itself ignores width and overflow, and widened a phone's page by its columns
    box = "sr-only" if hidden else "scroll"
    ths = "".join(f'<th scope="col"{" class=num" if i else ""}>{escape(h)}</th>'
                  for i, h in enumerate(head))
    trs = "".join("<tr>" + "".join(f'<td{" class=num" if j else ""}>{c}</td>'
                                   for j, c in enumerate(r)) + "</tr>" for r in rows)
    return (f'<div class="{box}"><table><caption>{escape(caption)}</caption>'
            f"<thead><tr>{ths}</tr></thead><tbody>{trs}</tbody></table></div>")


def figure(title: str, svg: str, data_table: str, legend: str = "", *, heading: str = "h2",
           name: str = "") -> str:
    attr = f' data-chart="{name}"' if name else ""
    return (f'<section class="card"{attr}><{heading}>{escape(title)}</{heading}><figure>{svg}'
            f"{legend}</figure>{data_table}</section>")


def figures(data: ChartData, *, t: dict[str, str], lang: str, fmt: charts.Fmt,
            heading: str = "h2") -> dict[str, str]:
    """Each chart with its table: ``volume``, ``ttr``, ``sla``, ``backlog``, ``ikm``."""

    def count_fmt(value: float | int | None) -> str:
        return fmt(None if value is None else int(value))

    out: dict[str, str] = {}
    labels = [s[5:] for s, _, _ in data.volume]
    filed = [f for _, f, _ in data.volume]
    resolved = [v for _, _, v in data.volume]
    legend = (f'<ul class="legend"><li><span style="background:{charts.COLORS[0]}"></span>'
              f'{escape(t["filed"])}</li><li><span style="background:{charts.COLORS[1]}">'
              f'</span>{escape(t["resolved"])}</li></ul>')
    out["volume"] = figure(t["volume"], charts.bars(
        labels, [(t["filed"], filed), (t["resolved"], resolved)], fmt=count_fmt),
        table(t["volume"], [t["start"], t["filed"], t["resolved"]],
              [[s, num(f, fmt), num(v, fmt)] for s, f, v in data.volume], hidden=True),
        legend, heading=heading, name="volume")
    out["ttr"] = figure(t["ttr"], charts.bars([b for b, _ in data.ttr],
                                              [(t["complaints"], [n for _, n in data.ttr])],
                                              fmt=count_fmt),
                        table(t["ttr"], [t["days"], t["complaints"]],
                              [[b, num(n, fmt)] for b, n in data.ttr], hidden=True),
                        heading=heading, name="ttr")
    hidden_label = t["hidden"].format(n=data.threshold)
    sla_rows = [(en if lang == "en" else id_, v) for id_, en, v in data.sla]
    out["sla"] = figure(t["sla"], charts.hbars(sla_rows, fmt=fmt, maximum=100.0,
                                               target=data.sla_target,
                                               hidden_label=hidden_label),
                        table(t["sla"], [t["category"], "%"],
                              [[escape(label), escape(hidden_label) if v is None
                                else num(v, fmt) + " %"] for label, v in sla_rows],
                              hidden=True), heading=heading, name="sla")
    out["backlog"] = figure(t["backlog"], charts.bars(
        [a for a, _, _ in data.backlog], [(t["complaints"], [v or 0 for _, _, v in data.backlog])],
        fmt=count_fmt),
        table(t["backlog"], [t["age"], t["complaints"]],
              [[a, num(v, fmt, code)] for a, code, v in data.backlog], hidden=True),
        heading=heading, name="backlog")
    out["ikm"] = figure(t["ikm"], charts.hbars([(u.unit_id, u.ikm) for u in data.units], fmt=fmt,
                                               maximum=100.0, target=data.ikm_target),
                        table(t["ikm"], [t["unit"], "IKM", t["grade"], t["respondents"]],
                              [[escape(u.unit_id), num(u.ikm, fmt), escape(u.grade),
                                num(u.respondents, fmt)] for u in data.units], hidden=True),
                        heading=heading, name="ikm")
    return out
