"""The citizen's tracking page: ``GET /lacak``, an HTML shell in Bahasa Indonesia or English
(``?lang=`` or ``Accept-Language``); ``static/lacak.js`` reads the tracking code and token from
the URL fragment (never sent to a server) and calls ``/v1/track/{code}``. Every asset is
shipped in the package and served at ``/lacak/static``."""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from string import Template
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from shared.http.messages import negotiate
from shared.http.pages import PAGE_CSP

HERE = Path(__file__).parent
STATIC = HERE / "static"
STATIC_URL = "/lacak/static"
PAGE = Template((HERE / "templates" / "lacak.html").read_text(encoding="utf-8"))

TEXT: dict[str, dict[str, str]] = {
    "id": {"title": "Lacak pengaduan", "skip": "Langsung ke isi", "language": "Bahasa",
           "lookup": "Buka pengaduan Anda", "code": "Kode lacak", "token": "Token",
           "open": "Buka", "code_label": "Kode lacak", "status": "Status",
           "filed": "Diajukan", "timeline": "Riwayat", "replies": "Balasan",
           "reply": "Kirim balasan", "reply_label": "Balasan Anda",
           "reopen": "Buka kembali", "reopen_label": "Alasan membuka kembali",
           "rate": "Beri nilai", "rate_legend": "Nilai penanganan (1 = buruk, 5 = sangat baik)",
           "comment": "Komentar (boleh kosong)", "accept": "Terima jawaban dan tutup",
           "forget": "Lupakan pengaduan ini di perangkat ini", "send": "Kirim",
           "rejection": "Alasan penolakan"},
    "en": {"title": "Track a complaint", "skip": "Skip to content", "language": "Language",
           "lookup": "Open your complaint", "code": "Tracking code", "token": "Token",
           "open": "Open", "code_label": "Tracking code", "status": "Status",
           "filed": "Filed", "timeline": "Timeline", "replies": "Replies",
           "reply": "Send a reply", "reply_label": "Your reply",
           "reopen": "Reopen", "reopen_label": "Why reopen",
           "rate": "Rate", "rate_legend": "Rate the handling (1 = poor, 5 = very good)",
           "comment": "Comment (optional)", "accept": "Accept the answer and close",
           "forget": "Forget this complaint on this device", "send": "Send",
           "rejection": "Reason for rejection"},
}
#: what the script needs: statuses, actions, roles and messages in the page's language
LABELS: dict[str, dict[str, object]] = {
    "id": {"locale": "id-ID",
           "status": {"submitted": "Diterima", "verified": "Diverifikasi",
                      "rejected": "Ditolak", "forwarded": "Diteruskan ke instansi",
                      "in_progress": "Sedang ditangani", "responded": "Sudah dijawab",
                      "resolved": "Selesai", "reopened": "Dibuka kembali",
                      "closed": "Ditutup"},
           "reason": {"not_in_scope": "Bukan wewenang instansi", "duplicate": "Duplikat",
                      "incomplete": "Tidak lengkap"},
           "role": {"officer": "Jawaban instansi", "supervisor": "Jawaban instansi",
                    "citizen": "Anda", "system": "Sistem"},
           "wrong": "Kode lacak atau token salah. Periksa lalu coba lagi.",
           "network": "Tidak dapat menghubungi server. Coba lagi.",
           "done": "Terkirim.", "forgotten": "Pengaduan ini dilupakan di perangkat ini.",
           "no_replies": "Belum ada balasan.", "rating": "Nilai Anda",
           "action": {"file": "Pengaduan diajukan", "verify": "Diverifikasi petugas",
                      "reject": "Ditolak", "forward": "Diteruskan (disposisi)",
                      "start": "Mulai ditangani", "respond": "Dijawab instansi",
                      "resolve": "Dinyatakan selesai", "reopen": "Dibuka kembali",
                      "rate": "Dinilai", "reply": "Balasan Anda", "close": "Ditutup",
                      "escalate": "Tenggat terlewati, dieskalasi"}},
    "en": {"locale": "en-GB",
           "status": {"submitted": "Received", "verified": "Verified", "rejected": "Rejected",
                      "forwarded": "Forwarded to an agency", "in_progress": "Being handled",
                      "responded": "Answered", "resolved": "Resolved",
                      "reopened": "Reopened", "closed": "Closed"},
           "reason": {"not_in_scope": "Outside the agency's remit", "duplicate": "Duplicate",
                      "incomplete": "Incomplete"},
           "role": {"officer": "The agency's answer", "supervisor": "The agency's answer",
                    "citizen": "You", "system": "System"},
           "wrong": "The tracking code or token is wrong. Check them and try again.",
           "network": "The server could not be reached. Try again.",
           "done": "Sent.", "forgotten": "This complaint is forgotten on this device.",
           "no_replies": "No replies yet.", "rating": "Your rating",
           "action": {"file": "Complaint filed", "verify": "Verified by an officer",
                      "reject": "Rejected", "forward": "Forwarded to another agency",
                      "start": "Work started", "respond": "Answered by the agency",
                      "resolve": "Marked resolved", "reopen": "Reopened", "rate": "Rated",
                      "reply": "Your reply", "close": "Closed",
                      "escalate": "Deadline passed, escalated"}},
}
Lang = Annotated[Literal["id", "en"] | None,
                 Query(description="id or en (default: Accept-Language, else id)")]
router = APIRouter(tags=["citizens"])


def render(lang: Literal["id", "en"]) -> str:
    other = "en" if lang == "id" else "id"
    labels = json.dumps(LABELS[lang], ensure_ascii=False).replace("<", "\\u003c")
    return PAGE.substitute(
        {k: escape(v) for k, v in TEXT[lang].items()}, lang=lang, other=other,
        other_name="English" if other == "en" else "Bahasa Indonesia", labels=labels,
        static=STATIC_URL)


@router.get("/lacak", response_class=HTMLResponse,
            summary="The citizen's tracking page (HTML; code and token in the URL fragment)")
async def tracking_page(request: Request, lang: Lang = None) -> HTMLResponse:
    chosen = lang or negotiate(request.headers.get("accept-language")) or "id"
    return HTMLResponse(render(chosen), headers={
        "Content-Security-Policy": PAGE_CSP, "Cache-Control": "no-cache",
        "Referrer-Policy": "no-referrer", "Content-Language": chosen,
        "Vary": "Accept-Language"})
