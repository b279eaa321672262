"""Message templates: Jinja2 files in ``templates/``, one pair per kind and locale.

``<kind>.<locale>.txt`` holds the blocks ``subject``, ``text``, ``sms``, ``push_title`` and
``push_body``; ``<kind>.<locale>.html`` the HTML part (autoescaped). A locale without its own
file falls back to ``id``. ``StrictUndefined``: a variable the template needs and the request
lacks is an error (``TemplateError``: the message fails as ``template_error``), never an empty
hole. Dates and numbers are formatted with babel for the locale and the recipient's zone:
"Selasa, 1 Desember 2026 pukul 14.05 WIB".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

from services.notifications.domain.messages import DEFAULT_TIMEZONE, ZONE_ABBREVIATIONS
from services.notifications.domain.sms import count_segments, fit

TEMPLATES = Path(__file__).parent / "templates"
FALLBACK_LOCALE = "id"
DATETIME_PATTERNS = {"id": "EEEE, d MMMM y 'pukul' HH.mm", "en": "EEEE, d MMMM y 'at' HH:mm"}
DATE_PATTERNS = {"id": "EEEE, d MMMM y", "en": "EEEE, d MMMM y"}
STATUS_LABELS = {
    "id": {"submitted": "diterima", "verified": "diverifikasi", "rejected": "ditolak",
           "forwarded": "diteruskan ke instansi terkait", "in_progress": "sedang ditangani",
           "responded": "sudah ditanggapi", "resolved": "selesai", "reopened": "dibuka kembali",
           "closed": "ditutup"},
    "en": {"submitted": "received", "verified": "verified", "rejected": "rejected",
           "forwarded": "forwarded to the agency in charge", "in_progress": "being handled",
           "responded": "answered", "resolved": "resolved", "reopened": "reopened",
           "closed": "closed"},
}
DEADLINE_LABELS = {
    "id": {"verification": "verifikasi", "forwarding": "disposisi",
           "first_response": "tanggapan pertama", "resolution": "penyelesaian"},
    "en": {"verification": "verification", "forwarding": "forwarding",
           "first_response": "first response", "resolution": "resolution"},
}
MEASURE_LABELS = {
    "id": {"percent": "persen", "hours": "jam", "days": "hari", "count": "jumlah",
           "index": "indeks"},
    "en": {"percent": "percent", "hours": "hours", "days": "days", "count": "count",
           "index": "index"},
}
KINDS = ("complaint_filed", "complaint_status_changed", "complaint_answered",
         "complaint_resolved", "survey_invitation", "sla_reminder", "sla_digest",
         "webhook_endpoint_disabled", "kpi_target_missed")


class TemplateError(ValueError):
    """The template is missing or cannot be filled with the variables given."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    sms: str
    push_title: str
    push_body: str

    @property
    def sms_segments(self) -> int:
        return count_segments(self.sms).count


def _as_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


class Renderer:
    def __init__(self, root: Path = TEMPLATES) -> None:
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(root), undefined=jinja2.StrictUndefined,
            autoescape=jinja2.select_autoescape(["html"], default_for_string=False),
            trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False)

    def kinds(self) -> list[str]:
        names = self.env.list_templates(extensions=["txt"])
        return sorted({n.split(".", 1)[0] for n in names if not n.startswith("_")})

    @cache  # noqa: B019 - one renderer per process, a handful of templates
    def _template(self, kind: str, locale: str, ext: str) -> jinja2.Template:
        for loc in (locale, FALLBACK_LOCALE):
            try:
                return self.env.get_template(f"{kind}.{loc}.{ext}")
            except jinja2.TemplateNotFound:
                continue
        raise TemplateError(f"no template {kind!r}")

    def render(self, kind: str, locale: str, variables: Mapping[str, Any], *,
               timezone: str | None = None) -> Rendered:
        locale = locale if locale in DATETIME_PATTERNS else FALLBACK_LOCALE
        zone = timezone or DEFAULT_TIMEZONE
        context = {**variables, "locale": locale, "timezone": zone}
        filters = _filters(locale, zone)
        try:
            txt = self._template(kind, locale, "txt")
            html = self._template(kind, locale, "html")
            ctx = txt.new_context({**context, **filters})
            blocks = {name: "".join(fn(ctx)).strip() for name, fn in txt.blocks.items()}
            html_body = html.render({**context, **filters})
        except jinja2.TemplateError as exc:
            raise TemplateError(f"{kind}: {type(exc).__name__}: {exc}") from exc
        except (ValueError, TypeError) as exc:  # a date or number that does not parse
            raise TemplateError(f"{kind}: {type(exc).__name__}") from exc
        sms = blocks.get("sms", "")
        link = variables.get("tracking_url") or variables.get("invitation_url")
        if link and sms.endswith(str(link)):  # shorten the words, never the link
            sms = fit(sms[: -len(str(link))], keep_tail=str(link))
        else:
            sms = fit(sms)
        return Rendered(subject=" ".join(blocks.get("subject", "").split()),
                        text=blocks.get("text", ""), html=html_body, sms=sms,
                        push_title=blocks.get("push_title", ""),
                        push_body=blocks.get("push_body", ""))


def _filters(locale: str, zone: str) -> dict[str, Any]:
    tz = ZoneInfo(zone)
    abbreviation = ZONE_ABBREVIATIONS.get(zone, zone)

    def when(value: Any) -> str:
        text = format_datetime(_as_datetime(value), DATETIME_PATTERNS[locale], tzinfo=tz,
                               locale=locale)
        return f"{text} {abbreviation}"

    def day(value: Any) -> str:
        return format_date(_as_datetime(value).astimezone(tz), DATE_PATTERNS[locale],
                           locale=locale)

    def number(value: Any) -> str:
        return format_decimal(value, locale=locale)

    def status(value: Any) -> str:
        return STATUS_LABELS[locale].get(str(value), str(value))

    def deadline(value: Any) -> str:
        return DEADLINE_LABELS[locale].get(str(value), str(value))

    def measure(value: Any) -> str:
        return MEASURE_LABELS[locale].get(str(value), str(value))

    return {"when": when, "day": day, "number": number, "status_label": status,
            "deadline_label": deadline, "measure_label": measure}
