"""The notifications service's error codes, in Indonesian and English (registered in app.py;
docs/api.md, "For service authors"), and the helper for a wrong field."""

from __future__ import annotations

from typing import Any

from shared.errors import FieldError, Invalid
from shared.http.messages import Text

MESSAGES = {
    "webhook_not_found": Text(id="Endpoint webhook tidak ditemukan.",
                              en="No such webhook endpoint."),
    "message_not_found": Text(id="Pesan tidak ditemukan.", en="No such message."),
    "complaint_not_found": Text(id="Pengaduan tidak ditemukan.", en="No such complaint."),
    "template_not_found": Text(id="Templat {kind} tidak ada.", en="No template {kind}."),
    "template_error": Text(id="Templat tidak dapat diisi dengan nilai yang diberikan.",
                           en="The template cannot be filled with the values given."),
    "refused_url": Text(
        id="URL ini tidak diizinkan: gunakan https ke alamat publik (bukan alamat privat, "
           "loopback, link-local, atau metadata).",
        en="This URL is not allowed: use https to a public address (not a private, loopback, "
           "link-local or metadata address)."),
    "unresolvable_url": Text(id="Nama host URL ini tidak dapat di-resolve.",
                             en="The URL's host does not resolve."),
    "unknown_event_type": Text(id="Jenis event {event_type} tidak dikenal.",
                               en="Unknown event type {event_type}."),
    "agency_required": Text(id="Admin platform harus menyebut agency_id.",
                            en="A platform admin names the agency_id."),
    "other_agency": Text(id="Anda hanya mengelola endpoint instansi Anda.",
                         en="You manage only your agency's endpoints."),
    "field_not_nullable": Text(id="Kolom ini tidak boleh null.",
                               en="This field cannot be null."),
    "no_agency": Text(id="Token tidak menyebut instansi.", en="The token names no agency."),
    "bad_secret": Text(id="Rahasia laporan pengiriman tidak cocok.",
                       en="The delivery report's secret does not match."),
    "missing_message_id": Text(id="Laporan pengiriman tidak menyebut id pesan.",
                               en="The delivery report names no message id."),
}


def invalid(field: str, message: str, code: str, **params: Any) -> Invalid:
    """A 422 naming one wrong field, with its own (registered) code."""
    return Invalid(message, code=code, params=params,
                   fields=[FieldError(field, code, message, params)])
