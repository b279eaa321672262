"""The complaints service's errors, on the shared base, and the domain refusals mapped to them.

The use cases raise these (one error hierarchy, rendered by the one shared handler); the
repository raises none of them, and the domain raises its own ``ComplaintError``s, which
``from_domain`` translates.
"""

from __future__ import annotations

from services.complaints import domain
from shared.errors import Conflict, Forbidden, NotFound, SuaraError, Unauthorized
from shared.http.messages import Text

T = Text
#: The Indonesian texts of this service's codes (registered in ``app.py``): a caller asking
#: ``Accept-Language: id`` (the default) reads Indonesian; the code never changes. In English
#: the message an error was raised with is kept (it names the category, the action...): the
#: English texts here are what it says in general, for the catalogue's readers.
_TEXTS: dict[str, Text] = {
    "complaint_not_found": T("Pengaduan tidak ditemukan.", "No such complaint."),
    "contact_erased": T("Kontak pelapor pengaduan ini sudah dihapus setelah masa simpannya.",
                        "This complaint's contact was erased after its retention."),
    "invalid_cursor": T("Kursor ini bukan kursor yang diterbitkan API ini.",
                        "The cursor is not one this API issued."),
    "unknown_category": T("Kategori tidak dikenal.", "Unknown category."),
    "invalid_tracking_token": T("Kode lacak dan token tidak cocok dengan pengaduan mana pun.",
                                "The tracking code and token do not match a complaint."),
    "invalid_api_key": T("api_key tidak ada, tidak dikenal, atau sudah dicabut.",
                         "api_key is missing, unknown or revoked."),
    "action_not_allowed": T("Peran Anda tidak boleh melakukan tindakan ini.",
                            "Your role may not take this action."),
    "illegal_transition": T("Tindakan '{action}' tidak dapat dilakukan pada pengaduan berstatus "
                            "'{current_status}'.",
                            "The action '{action}' is not allowed from status "
                            "'{current_status}'."),
    "invalid_input": T("Masukan tidak valid untuk langkah ini ({reason}).",
                       "Invalid input for this step ({reason})."),
    "invalid_field": T("Isian ini tidak valid.", "This field is invalid."),
    "unknown_agency": T("Instansi tidak dikenal.", "Unknown agency."),
    "already_with_agency": T("Pengaduan sudah berada di instansi ini: mulailah menanganinya, "
                             "tidak perlu didisposisikan.",
                             "The complaint is already with this agency: start work on it "
                             "instead of forwarding it."),
    "unknown_complaint": T("Pengaduan tidak ditemukan.", "No such complaint."),
    "duplicate_of_itself": T("Pengaduan tidak dapat menjadi duplikat dirinya sendiri.",
                             "A complaint cannot duplicate itself."),
    "duplicate_of_rejected": T("Pengaduan itu sendiri sudah ditolak.",
                               "That complaint was rejected itself."),
    "duplicate_id": T("Sudah ada pengaduan dengan id ini.",
                      "A complaint with this id already exists."),
    "idempotency_key_reused": T("Kunci ini sudah dipakai dengan isi permintaan yang berbeda.",
                                "This key was already used with a different request body."),
    "intake_conflict": T("Pengaduan tidak dapat disimpan; kirim lagi.",
                         "The complaint could not be stored; send it again."),
    "agency_exists": T("Instansi dengan id ini sudah ada.", "An agency with this id exists."),
    "category_exists": T("Kategori dengan kode ini sudah ada.",
                         "A category with this code exists."),
    "agency_not_found": T("Instansi tidak ditemukan.", "No such agency."),
    "category_not_found": T("Kategori tidak ditemukan.", "No such category."),
    "agency_cycle": T("Instansi tidak dapat ditempatkan di bawah dirinya sendiri atau "
                      "sub-instansinya.", "An agency cannot be placed under itself or one of "
                      "its own sub-agencies."),
    "null_not_allowed": T("Isian ini tidak boleh null; lewati saja jika tidak diubah.",
                          "This field cannot be null; leave it out to keep it."),
    "api_key_collision": T("Coba lagi.", "Try again."),
    "api_key_not_found": T("Kunci API tidak ditemukan.", "No such API key."),
    "forbidden_role": T("Token ini tidak memuat peran petugas.",
                        "The token holds no staff role."),
    "no_agency": T("Token ini tidak menyebut instansi.", "The token names no agency."),
}
MESSAGES: dict[str, Text] = {code: T(text.id, "") for code, text in _TEXTS.items()}


class ComplaintNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("No such complaint.", code="complaint_not_found")


class UnprocessableField(SuaraError):
    status_code = 422
    code = "invalid_field"

    def __init__(self, field: str, message: str, *, code: str | None = None) -> None:
        super().__init__(message, code=code, extra={"field": field})


class InvalidCursor(SuaraError):
    def __init__(self) -> None:
        super().__init__("The cursor is not one this API issued.", status_code=400,
                         code="invalid_cursor", extra={"field": "cursor"})


class UnknownCategory(UnprocessableField):
    def __init__(self, code: str) -> None:
        super().__init__("category_code", f"Unknown category {code!r}.", code="unknown_category")


class InvalidTrackingToken(Unauthorized):
    def __init__(self) -> None:
        # the same answer for an unknown code and a wrong token: nothing to probe
        super().__init__("The tracking code and token do not match a complaint.",
                         code="invalid_tracking_token")


class InvalidApiKey(Forbidden):
    """An Open311 filing without a valid ``api_key``."""

    def __init__(self, *, missing: bool) -> None:
        super().__init__("api_key was not provided: a service request needs one." if missing
                         else "Invalid api_key received: it is unknown or revoked.",
                         code="invalid_api_key")


def from_domain(exc: domain.ComplaintError) -> SuaraError:
    if isinstance(exc, domain.NotAllowed):
        return Forbidden(str(exc), code="action_not_allowed")
    if isinstance(exc, domain.IllegalTransition):
        return Conflict(str(exc), code="illegal_transition",
                        extra={"current_status": str(exc.current_status),
                               "action": str(exc.action)},
                        params={"current_status": str(exc.current_status),
                                "action": str(exc.action)})
    return SuaraError(str(exc), status_code=422, code="invalid_input",
                      params={"reason": str(exc)})
