"""The invitation page: what a citizen's phone shows when it opens a survey link, in Bahasa
Indonesia or English. Pure: the use case's ``InvitationView`` in, HTML out (Jinja2, escaped).

One page for every state of a link: ``open`` (the questions, the optional profile, a submit
button; ``invitation.js`` posts the answer as JSON and shows the API's errors or the thanks),
``used``, ``expired``, ``pending`` (not known yet: try again, and the script checks by itself)
and ``not_found``. Every asset is the service's own (``/static/surveys``), referred to by
relative URLs so that the page works under any ``SUARA_SURVEYS_PUBLIC_URL`` path.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import jinja2
from babel.dates import format_datetime

from services.surveys.domain import skm
from services.surveys.domain.custom import MAX_TEXT
from services.surveys.service import InvitationView

Lang = Literal["id", "en"]
State = Literal["open", "used", "expired", "pending", "not_found"]
TEMPLATES = Path(__file__).parent / "templates"
#: From ``/v1/invitations/{token}`` to the service's assets (relative: any path prefix works).
STATIC = "../../static/surveys"

TEXT: dict[Lang, dict[str, str]] = {
    "id": {
        "brand": "Survei kepuasan", "language": "Bahasa",
        "intro": "Mohon luangkan waktu sebentar untuk menjawab survei ini. Jawaban Anda "
                 "membantu kami memperbaiki pelayanan dan tidak dikaitkan dengan nama atau "
                 "kontak Anda.",
        "required_note": "Pertanyaan bertanda * wajib dijawab.", "required": "wajib",
        "expires": "Tautan ini berlaku sampai {date}.",
        "question": "Pertanyaan {n}",
        "likert_hint": "1 = paling buruk, {max} = paling baik",
        "multi_hint": "Boleh memilih lebih dari satu.",
        "text_hint": "Paling banyak {max} karakter.",
        "profile": "Tentang Anda (opsional)",
        "profile_hint": "Hanya untuk statistik; boleh dikosongkan. Umur hanya disimpan sebagai "
                        "kelompok umur.",
        "age": "Umur (tahun)", "sex": "Jenis kelamin", "education": "Pendidikan terakhir",
        "occupation": "Pekerjaan", "service_date": "Tanggal Anda menerima layanan",
        "choose": "Tidak diisi",
        "submit": "Kirim jawaban", "sending": "Mengirim\u2026",
        "noscript": "Untuk mengirim jawaban, aktifkan JavaScript di peramban Anda.",
        "errors": "Jawaban belum terkirim. Mohon periksa:",
        "network": "Jawaban belum terkirim: periksa koneksi internet Anda, lalu kirim lagi.",
        "failed": "Jawaban belum terkirim. Coba lagi sebentar lagi.",
        "thanks_title": "Terima kasih!",
        "thanks": "Jawaban Anda sudah kami terima. Anda boleh menutup halaman ini.",
        "used_title": "Survei ini sudah dijawab",
        "used": "Jawaban untuk tautan ini sudah kami terima; setiap tautan hanya dapat dipakai "
                "sekali. Terima kasih atas partisipasi Anda.",
        "expired_title": "Tautan ini sudah kedaluwarsa",
        "expired": "Tautan survei ini hanya berlaku sampai {date}, jadi jawaban tidak dapat "
                   "dikirim lagi. Terima kasih atas perhatian Anda.",
        "pending_title": "Survei belum siap",
        "pending": "Tautan ini baru saja dibuat dan akan aktif dalam beberapa saat.",
        "pending_auto": "Halaman ini memeriksa lagi dengan sendirinya setiap {n} detik.",
        "retry": "Coba lagi",
        "not_found_title": "Tautan tidak ditemukan",
        "not_found": "Periksa tautan di pesan yang Anda terima: mungkin terpotong. Salin "
                     "seluruh tautan, lalu buka lagi.",
    },
    "en": {
        "brand": "Satisfaction survey", "language": "Language",
        "intro": "Please take a moment to answer this survey. Your answers help us improve "
                 "the service and are not linked to your name or contact details.",
        "required_note": "Questions marked * are required.", "required": "required",
        "expires": "This link is valid until {date}.",
        "question": "Question {n}",
        "likert_hint": "1 = worst, {max} = best",
        "multi_hint": "You may choose more than one.",
        "text_hint": "At most {max} characters.",
        "profile": "About you (optional)",
        "profile_hint": "For statistics only; you may leave it empty. Only your age group is "
                        "kept, not your age.",
        "age": "Age (years)", "sex": "Sex", "education": "Highest education",
        "occupation": "Occupation", "service_date": "Date you received the service",
        "choose": "Not given",
        "submit": "Send answers", "sending": "Sending\u2026",
        "noscript": "To send your answers, turn on JavaScript in your browser.",
        "errors": "Your answers were not sent. Please check:",
        "network": "Your answers were not sent: check your internet connection, then send "
                   "again.",
        "failed": "Your answers were not sent. Please try again in a moment.",
        "thanks_title": "Thank you!",
        "thanks": "We have received your answers. You may close this page.",
        "used_title": "This survey has been answered",
        "used": "We have already received the answers for this link; each link can be used "
                "once. Thank you for taking part.",
        "expired_title": "This link has expired",
        "expired": "This survey link was valid until {date}, so answers can no longer be "
                   "sent. Thank you for your interest.",
        "pending_title": "The survey is not ready yet",
        "pending": "This link was created moments ago and becomes active in a few seconds.",
        "pending_auto": "This page checks again by itself every {n} seconds.",
        "retry": "Try again",
        "not_found_title": "Link not found",
        "not_found": "Check the link in the message you received: it may have been cut off. "
                     "Copy the whole link, then open it again.",
    },
}


@dataclass(frozen=True, slots=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True, slots=True)
class Question:
    """One question as the page shows it. ``kind``: ``score`` (radios, an integer answer),
    ``scale`` (a Likert row of numbers, an integer), ``choice`` (radios, an option code),
    ``multi`` (checkboxes, a list of codes) or ``text``."""

    code: str
    number: int
    kind: Literal["score", "scale", "choice", "multi", "text"]
    text: str
    required: bool
    tag: str | None = None  # the SKM element's name
    hint: str | None = None
    options: tuple[Option, ...] = ()


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    label: str
    options: tuple[Option, ...] = ()


@dataclass(frozen=True, slots=True)
class Page:
    state: State
    lang: Lang
    title: str
    heading: str
    text: dict[str, str]
    questions: tuple[Question, ...] = ()
    profile: tuple[Field, ...] = ()
    message: str = ""
    expires: str = ""
    today: str = ""
    note: str = ""
    retry_after_s: int | None = None


def _skm_questions(lang: Lang) -> tuple[Question, ...]:
    return tuple(Question(
        code=e.code, number=n, kind="score", required=True,
        text=e.question_en if lang == "en" else e.question_id,
        tag=e.name_en if lang == "en" else e.name_id,
        options=tuple(Option(str(score), e.label(score, lang))
                      for score in range(skm.MIN_SCORE, skm.MAX_SCORE + 1)))
        for n, e in enumerate(skm.ELEMENTS, start=1))


def _custom_questions(items: list[dict[str, Any]], lang: Lang) -> tuple[Question, ...]:
    t = TEXT[lang]
    out = []
    for n, item in enumerate(items, start=1):
        text = str(item["text_en"] if lang == "en" else item["text_id"])
        required = bool(item.get("required", True))
        kind = item["type"]
        options = tuple(Option(str(o["code"]), str(o["label_en"] if lang == "en"
                                                   else o["label_id"]))
                        for o in item.get("options") or ())
        if kind == "likert":
            points = int(item["points"])
            out.append(Question(code=item["code"], number=n, kind="scale", text=text,
                                required=required, hint=t["likert_hint"].format(max=points),
                                options=tuple(Option(str(i), str(i))
                                              for i in range(1, points + 1))))
        elif kind == "single":
            out.append(Question(code=item["code"], number=n, kind="choice", text=text,
                                required=required, options=options))
        elif kind == "multi":
            out.append(Question(code=item["code"], number=n, kind="multi", text=text,
                                required=required, hint=t["multi_hint"], options=options))
        else:
            out.append(Question(code=item["code"], number=n, kind="text", text=text,
                                required=required, hint=t["text_hint"].format(max=MAX_TEXT)))
    return tuple(out)


def _choices(choices: tuple[skm.Choice, ...], lang: Lang) -> tuple[Option, ...]:
    return tuple(Option(c.code, c.label_en if lang == "en" else c.label_id) for c in choices)


def _profile(lang: Lang) -> tuple[Field, ...]:
    """The fields of ``ProfileIn`` (schemas): every one optional."""
    t = TEXT[lang]
    return (Field("age", t["age"]), Field("sex", t["sex"], _choices(skm.SEXES, lang)),
            Field("education", t["education"], _choices(skm.EDUCATION_LEVELS, lang)),
            Field("occupation", t["occupation"], _choices(skm.OCCUPATIONS, lang)),
            Field("service_date", t["service_date"]))


def _when(at: datetime | None, lang: Lang, zone: ZoneInfo) -> str:
    if at is None:
        return ""
    pattern = "d MMMM y, HH.mm" if lang == "id" else "d MMMM y, HH:mm"
    return str(format_datetime(at, pattern, tzinfo=zone, locale=lang))


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True,
                              lstrip_blocks=True)


def render(page: Page) -> str:
    return _environment().get_template("invitation.html").render(page=page, t=page.text,
                                                                 static=STATIC,
                                                                 max_text=MAX_TEXT)


def invitation_page(view: InvitationView, *, lang: Lang, now: datetime, timezone: str) -> str:
    """The page of a known or pending link."""
    t, zone = TEXT[lang], ZoneInfo(timezone)
    expires = _when(view.expires_at, lang, zone)
    title = view.title or t["brand"]
    if view.status == "pending":
        return render(Page("pending", lang, t["pending_title"], t["pending_title"], t,
                           message=t["pending"], retry_after_s=view.retry_after_s,
                           note=t["pending_auto"].format(n=view.retry_after_s)))
    if view.status == "used":
        return render(Page("used", lang, title, t["used_title"], t, message=t["used"]))
    if view.status == "expired":
        return render(Page("expired", lang, title, t["expired_title"], t,
                           message=t["expired"].format(date=expires)))
    questions = (_skm_questions(lang) if view.kind == "skm"
                 else _custom_questions(view.items or [], lang))
    return render(Page("open", lang, title, title, t, questions=questions,
                       profile=_profile(lang), expires=t["expires"].format(date=expires),
                       today=now.astimezone(zone).date().isoformat()))


def not_found_page(*, lang: Lang) -> str:
    t = TEXT[lang]
    return render(Page("not_found", lang, t["not_found_title"], t["not_found_title"], t,
                       message=t["not_found"]))
