"""The surveys service's errors, in the one shared shape (docs/api.md, "Errors"), and the
Indonesian and English texts of its codes (``MESSAGES``, registered in ``app.py``).

Invalid input is a 422 naming every wrong field once with the path the client sent
(``answers.U3``, ``profile.sex``, ``items.0.points``), each with a code of its own
(``answer_out_of_scale``...); the error's own code says what was refused (``invalid_response``,
``invalid_survey``, ``invalid_batch``). The use cases raise these; the domain raises
``InvalidSurveyInput`` (``from_domain``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from services.surveys.domain.skm import FieldProblem, InvalidSurveyInput
from shared.errors import Conflict, FieldError, Forbidden, Invalid, NotFound, SuaraError
from shared.http.messages import Text

__all__ = ["MESSAGES", "FieldProblem", "conflict", "forbidden_agency", "from_domain",
           "invalid", "invalid_field", "not_found"]

#: What each kind of refused input is called, for the error's detail.
_WHAT = {"invalid_response": "The response is invalid.",
         "invalid_survey": "The survey is invalid.",
         "invalid_batch": "The upload is refused.",
         "not_skm": "This is not an SKM survey.",
         "not_custom": "This is not a custom survey."}


def invalid(problems: Iterable[FieldProblem], *, prefix: str = "",
            code: str = "invalid_response") -> Invalid:
    fields = [FieldError(f"{prefix}{p.field}", p.code, p.message, dict(p.params))
              for p in problems]
    detail = _WHAT.get(code, "The request is invalid.") + " " + "; ".join(
        f"{f.field}: {f.message}" for f in fields)
    return Invalid(detail, code=code, fields=fields)


def invalid_field(field: str, message: str, field_code: str, *,
                  code: str = "invalid_response",
                  params: Mapping[str, object] | None = None) -> Invalid:
    return invalid([FieldProblem(field, message, field_code, params or {})], code=code)


def from_domain(exc: InvalidSurveyInput, *, prefix: str = "",
                code: str = "invalid_response") -> Invalid:
    return invalid(exc.problems, prefix=prefix, code=code)


def conflict(field: str, message: str, code: str,
             params: Mapping[str, object] | None = None) -> Conflict:
    return Conflict(message, code=code, params=params, extra={"field": field})


def not_found(field: str, message: str, code: str,
              params: Mapping[str, object] | None = None) -> NotFound:
    return NotFound(message, code=code, params=params, extra={"field": field})


class InvitationGone(SuaraError):
    """410: the invitation link was used (``invitation_used``) or has expired
    (``invitation_expired``)."""

    def __init__(self, state: str) -> None:
        super().__init__(f"This invitation is {state}.", status_code=410,
                         code=f"invitation_{state}", extra={"field": "token"})


def forbidden_agency() -> Forbidden:
    return Forbidden("This survey belongs to another agency.", code="forbidden_agency")


T = Text

MESSAGES: dict[str, Text] = {
    # -- errors -------------------------------------------------------------------------------
    "invalid_response": T("Jawaban survei tidak valid.", "The response is invalid."),
    "invalid_survey": T("Survei tidak valid.", "The survey is invalid."),
    "invalid_batch": T("Unggahan ditolak.", "The upload is refused."),
    "not_skm": T("Survei ini bukan SKM: hasilnya ada di /v1/surveys/{survey_id}/items/results.",
                 "This is not an SKM survey: its results are at "
                 "/v1/surveys/{survey_id}/items/results."),
    "not_custom": T("Survei ini SKM: hasilnya ada di /v1/surveys/{survey_id}/results.",
                    "This is an SKM survey: its results are at /v1/surveys/{survey_id}/results."),
    "survey_not_found": T("Survei {survey_id} tidak ditemukan.", "No survey {survey_id}."),
    "period_not_found": T("Survei ini tidak memiliki periode {period}.",
                          "This survey has no period {period}."),
    "period_not_covered": T("{period} tidak tersusun dari periode-periode survei ini (yang "
                            "ada: {periods}).",
                            "{period} is not made of this survey's periods (it has {periods})."),
    "forbidden_agency": T("Survei ini milik instansi lain.",
                          "This survey belongs to another agency."),
    "period_overlap": T("Periode {code} bertumpang tindih dengan periode {other} survei ini.",
                        "{code} overlaps period {other} of this survey."),
    "period_closed": T("Periode {period} sudah ditutup.", "Period {period} is closed."),
    "response_id_conflict": T("Jawaban lain sudah tercatat dengan response_id ini.",
                              "A different response was already recorded with this "
                              "response_id."),
    "idempotency_key_reused": T("Idempotency-Key ini sudah dipakai untuk survei lain.",
                                "This Idempotency-Key was used for another survey."),
    "invitation_not_found": T("Undangan tidak ditemukan: periksa tautannya.",
                              "No such invitation: check the link."),
    "invitation_pending": T("Undangan ini belum aktif: undangan aktif beberapa detik setelah "
                            "pengaduan diselesaikan. Silakan coba lagi sebentar lagi.",
                            "This invitation is not active yet: it becomes active a few "
                            "seconds after the complaint is resolved. Try again shortly."),
    "burst_not_found": T("Lonjakan {burst_id} tidak ada di survei ini.",
                         "No burst {burst_id} in this survey."),
    "invitation_used": T("Undangan ini sudah dipakai.", "This invitation has been used."),
    "invitation_expired": T("Undangan ini sudah kedaluwarsa.", "This invitation has expired."),
    # -- fields -------------------------------------------------------------------------------
    "unknown_element": T("Bukan unsur SKM (U1 sampai U9).", "Not an SKM element (U1 to U9)."),
    "unknown_item": T("Bukan butir kuesioner ini.", "Not an item of this questionnaire."),
    "missing_answer": T("Belum dijawab.", "Missing answer."),
    "answer_out_of_scale": T("Harus bilangan bulat {min} sampai {max}.",
                             "Must be a whole number {min} to {max}."),
    "not_a_choice": T("Harus salah satu dari: {allowed}.", "Must be one of: {allowed}."),
    "not_a_choice_list": T("Harus daftar kode pilihan.", "Must be a list of option codes."),
    "option_chosen_twice": T("Ada pilihan yang dipilih dua kali.",
                             "An option is chosen twice."),
    "unknown_options": T("Pilihan tidak dikenal: {options}.", "Unknown options: {options}."),
    "not_text": T("Harus teks paling banyak {max} karakter.",
                  "Must be text of at most {max} characters."),
    "html_markup": T("Markup HTML (<{element}>) tidak diizinkan; kirim teks biasa.",
                     "HTML markup (<{element}>) is not allowed; send plain text."),
    "age_out_of_range": T("Harus 0 sampai {max} tahun.", "Must be 0 to {max} years."),
    "not_a_period_code": T("Harus YYYY, YYYY-MM, YYYY-Qn atau YYYY-Hn.",
                           "Must be YYYY, YYYY-MM, YYYY-Qn or YYYY-Hn."),
    "period_year_out_of_range": T("Tahun harus {min} sampai {max}.",
                                  "The year must be {min} to {max}."),
    "in_the_future": T("Waktunya di masa depan.", "Is in the future."),
    "after_submission": T("Tanggal layanan setelah jawaban dikirim.",
                          "Is after the response was submitted."),
    "in_no_period": T("Tanggal {day} tidak termasuk periode mana pun dari survei ini.",
                      "{day} is in no period of this survey."),
    "no_such_period": T("Survei ini tidak memiliki periode {period}.",
                        "This survey has no period {period}."),
    "outside_period": T("Tanggal {day} di luar periode {period}.",
                        "{day} is outside period {period}."),
    "invitation_links_only": T("Survei pascapengaduan hanya dijawab melalui tautan undangan.",
                               "A post-complaint survey is answered through its invitation "
                               "links only."),
    "wrong_service": T("Survei ini hanya untuk layanan {service_id}.",
                       "This survey is for service {service_id} only."),
    "skm_version": T("Kuesioner SKM hanya memiliki versi 1.",
                     "The SKM questionnaire has version 1 only."),
    "no_such_version": T("Survei ini tidak memiliki versi {version}.",
                         "This survey has no version {version}."),
    "given_twice": T("Diberikan lebih dari sekali.", "Given more than once."),
    "agency_required": T("Wajib diisi: token tidak menyebut instansi.",
                         "Required: the token names no agency."),
    "skm_items_built_in": T("Kuesioner SKM sudah baku.", "The SKM questionnaire is built in."),
    "unit_required": T("Wajib diisi: unit pelayanan yang disurvei.",
                       "Required: the service unit surveyed."),
    "items_required": T("Survei kustom memerlukan butir-butirnya.",
                        "A custom survey needs its items."),
    "skm_fixed": T("Kuesioner SKM ditetapkan oleh peraturan.",
                   "The SKM questionnaire is fixed by regulation."),
    "item_code_twice": T("Kode butir dipakai dua kali.", "The item code is used twice."),
    "likert_points": T("Butir Likert memiliki {min} sampai {max} poin.",
                       "A Likert item has {min} to {max} points."),
    "points_not_likert": T("Hanya butir Likert yang memiliki poin.",
                           "Only Likert items have points."),
    "too_few_options": T("Memerlukan paling sedikit dua pilihan.",
                         "Needs at least two options."),
    "option_code_twice": T("Ada kode pilihan yang dipakai dua kali.",
                           "An option code is used twice."),
    "options_not_allowed": T("Butir {type} tidak memiliki pilihan.",
                             "A {type} item has no options."),
    "needs_required_likert": T("Memerlukan paling sedikit satu butir Likert yang wajib.",
                               "Needs at least one required Likert item."),
    "too_many_rows": T("Paling banyak {max} baris per unggahan.",
                       "At most {max} rows per upload."),
    "file_too_large": T("Berkas lebih besar dari {max} bita.", "Larger than {max} bytes."),
    "not_utf8": T("Berkas bukan teks UTF-8.", "The file is not UTF-8 text."),
    "not_csv": T("Berkas tidak dapat dibaca sebagai CSV (baris {line}).",
                 "The file cannot be read as CSV (line {line})."),
    "csv_columns": T("Kolom tidak sesuai: {problems}. Kolom yang diharapkan: {expected}.",
                     "Wrong columns: {problems}. Expected: {expected}."),
}
