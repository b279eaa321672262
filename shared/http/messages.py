"""Error messages in the caller's language: Indonesian (``id``, the default) and English.

A message catalogue maps an error code to its texts in both languages; texts are
``str.format`` templates filled from the error's ``params`` (``{max}``, ``{field}``). The
shared catalogue below holds the codes of ``shared/`` (the error shape, the request guard, rate
limits, auth) and an Indonesian rendering of pydantic's common validation error types (the
English one is pydantic's own message). Each service adds its own codes with
``build_app(..., messages={code: Text(id=..., en=...)})`` (docs/api.md, "For service authors").

The language: the first of ``Accept-Language``'s languages (by q-value) that we speak; else the
locale of the resource the request is about, when the route named one
(``use_resource_locale``); else ``SUARA_DEFAULT_LOCALE`` (``id``). The code never changes.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from starlette.requests import Request

Locale = Literal["id", "en"]
LOCALES: tuple[Locale, ...] = ("id", "en")
#: ISO 639 codes that mean a language we speak ("in" is Indonesian's withdrawn code)
_ALIASES: dict[str, Locale] = {"id": "id", "in": "id", "en": "en"}
#: where a route puts the locale of the resource it serves (scope key)
RESOURCE_LOCALE_KEY = "suara.resource_locale"


@dataclass(frozen=True, slots=True)
class Text:
    id: str
    en: str

    def get(self, locale: Locale) -> str:
        return self.id if locale == "id" else self.en


@lru_cache(maxsize=512)
def q_value(params: str) -> float:
    """The ``q`` of a header item's parameters (``;q=0.8``): 1 when absent, 0 when malformed,
    within 0..1 (RFC 9110 12.4.2), for Accept and Accept-Language alike."""
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                q = float(value)
            except ValueError:
                return 0.0
            return min(max(q, 0.0), 1.0) if q == q else 0.0  # NaN: malformed
    return 1.0


def negotiate(accept_language: str | None) -> Locale | None:
    """The language of ``Accept-Language`` we speak with the highest q (``None``: none)."""
    if not accept_language:
        return None
    best: tuple[float, int, Locale] | None = None
    for position, item in enumerate(accept_language[:512].split(",")):
        tag, _, params = item.strip().partition(";")
        primary = tag.strip().split("-", 1)[0].lower()
        locale = _ALIASES.get(primary)
        if locale is None:
            continue
        q = q_value(params)
        if q <= 0:
            continue
        if best is None or (q, -position) > (best[0], best[1]):
            best = (q, -position, locale)
    return best[2] if best else None


def use_resource_locale(request: Request, locale: str | None) -> None:
    """Answer this request's errors in ``locale`` (e.g. the complaint's) when the caller's
    ``Accept-Language`` names no language we speak. Unknown locales are ignored."""
    if locale:
        known = _ALIASES.get(locale.split("-", 1)[0].lower())
        if known is not None:
            request.scope[RESOURCE_LOCALE_KEY] = known


class _Lenient(string.Formatter):
    """``str.format`` that leaves an unknown ``{name}`` as it is instead of raising."""

    def get_value(self, key: int | str, args: Any, kwargs: Mapping[str, Any]) -> Any:
        if isinstance(key, str) and key not in kwargs:
            return "{" + key + "}"
        return super().get_value(key, args, kwargs)

    def format_field(self, value: Any, format_spec: str) -> str:
        try:
            return str(super().format_field(value, format_spec))
        except (TypeError, ValueError):
            return str(value)


_formatter = _Lenient()


def fill(template: str, params: Mapping[str, Any]) -> str:
    if "{" not in template:
        return template
    try:
        return _formatter.vformat(template, (), params)
    except (IndexError, ValueError, AttributeError, KeyError):
        return template


class Messages:
    """A catalogue: the shared codes plus a service's own (a service's text wins)."""

    def __init__(self, *catalogues: Mapping[str, Text]) -> None:
        self._texts: dict[str, Text] = {}
        for catalogue in (SHARED, PYDANTIC, *catalogues):
            self._texts.update(catalogue)

    def __contains__(self, code: str) -> bool:
        return code in self._texts

    def codes(self) -> frozenset[str]:
        return frozenset(self._texts)

    def text(self, code: str, locale: Locale, params: Mapping[str, Any], fallback: str) -> str:
        """The text of ``code`` in ``locale``, filled from ``params``; ``fallback`` (the English
        message the code was raised with) when the catalogue has no such text. pydantic's
        error types have only an Indonesian text: in English, pydantic's own message (the
        fallback) carries details our templates do not."""
        entry = self._texts.get(code)
        template = entry.get(locale) if entry is not None else ""
        if not template:
            return fallback
        return fill(template, params)


T = Text

#: The codes raised by shared/ (and the HTTP errors every app can answer).
SHARED: dict[str, Text] = {
    "validation_error": T("Permintaan tidak valid.", "The request is invalid."),
    "bad_request": T("Permintaan tidak dapat diproses.", "The request cannot be processed."),
    "not_found": T("Tidak ditemukan.", "Not found."),
    "method_not_allowed": T("Metode ini tidak diizinkan di alamat ini.",
                            "This method is not allowed here."),
    "http_error": T("Permintaan tidak dapat diproses.", "The request cannot be processed."),
    "internal_error": T("Terjadi kesalahan tak terduga; kesalahan ini telah dicatat.",
                        "An unexpected error occurred; it has been logged."),
    "database_unavailable": T("Basis data tidak tersedia; tidak ada yang disimpan. "
                              "Coba lagi sebentar lagi.",
                              "The database is unavailable; nothing was stored. "
                              "Retry shortly."),
    "unavailable": T("Layanan sedang tidak tersedia. Coba lagi sebentar lagi.",
                     "The service is unavailable. Retry shortly."),
    "conflict": T("Permintaan bertentangan dengan keadaan saat ini.",
                  "The request conflicts with the current state."),
    "unauthorized": T("Autentikasi diperlukan.", "Authentication is required."),
    "forbidden": T("Anda tidak berwenang melakukan ini.", "You may not do this."),
    # shared.auth
    "missing_token": T("Token bearer diperlukan.", "A bearer token is required."),
    "invalid_token": T("Token tidak valid.", "The token is not valid."),
    "token_expired": T("Token sudah kedaluwarsa.", "The token has expired."),
    "forbidden_role": T("Ini memerlukan salah satu peran: {roles}.",
                        "This needs one of the roles: {roles}."),
    # the request guard (shared.http.guard)
    "payload_too_large": T("Isi permintaan terlalu besar: paling banyak {max} bita.",
                           "The request body is too large: at most {max} bytes."),
    "headers_too_large": T("Header permintaan terlalu besar: paling banyak {max} bita.",
                           "The request headers are too large: at most {max} bytes."),
    "uri_too_long": T("Alamat permintaan terlalu panjang: paling banyak {max} bita.",
                      "The request URI is too long: at most {max} bytes."),
    "invalid_json": T("Isi permintaan bukan JSON yang valid: {reason}.",
                      "The request body is not valid JSON: {reason}."),
    "duplicate_key": T("Kunci ini muncul lebih dari sekali.", "This key is given more than once."),
    "too_deep": T("Bersarang lebih dalam dari {max} tingkat.",
                  "Nested deeper than {max} levels."),
    "too_many_keys": T("Lebih dari {max} kunci dalam satu objek.",
                       "More than {max} keys in one object."),
    "too_many_items": T("Lebih dari {max} butir dalam satu daftar.",
                        "More than {max} items in one list."),
    "invalid_string": T("Teks memuat karakter yang tidak valid (surrogate tunggal atau NUL).",
                        "The text holds an invalid character (a lone surrogate or NUL)."),
    "unknown_parameter": T("Parameter tidak dikenal; alamat ini membaca: {allowed}.",
                           "Unknown parameter; this route reads: {allowed}."),
    "invalid_parameter": T("Parameter ini memuat karakter yang tidak valid (NUL).",
                           "This parameter holds an invalid character (NUL)."),
    "number_out_of_range": T("Angka di luar jangkauan yang diterima.",
                             "The number is out of the accepted range."),
    "datetime_out_of_range": T("Tanggal dan waktu di luar jangkauan yang diterima.",
                               "The date and time is out of the accepted range."),
    "unsupported_media_type": T("Jenis isi tidak didukung: kirim {expected}.",
                                "Unsupported content type: send {expected}."),
    # rate limits and browsers
    "rate_limited": T("Terlalu banyak permintaan; coba lagi dalam {retry_after} detik.",
                      "Too many requests; retry in {retry_after} seconds."),
    "cors_origin_not_allowed": T("Asal (Origin) ini tidak diizinkan.",
                                 "This origin is not allowed."),
}

#: pydantic's error types in Indonesian (English: pydantic's own message); ``{...}`` come from
#: the error's ``ctx``.
PYDANTIC: dict[str, Text] = {k: T(v, "") for k, v in {
    "missing": "Wajib diisi.",
    "extra_forbidden": "Isian ini tidak dikenal.",
    "string_type": "Harus berupa teks.",
    "string_too_short": "Terlalu pendek: paling sedikit {min_length} karakter.",
    "string_too_long": "Terlalu panjang: paling banyak {max_length} karakter.",
    "string_pattern_mismatch": "Bentuknya tidak sesuai dengan pola {pattern}.",
    "string_unicode": "Harus berupa teks Unicode yang valid.",
    "int_type": "Harus berupa bilangan bulat.",
    "int_parsing": "Harus berupa bilangan bulat.",
    "int_from_float": "Harus berupa bilangan bulat, tanpa pecahan.",
    "float_type": "Harus berupa angka.",
    "float_parsing": "Harus berupa angka.",
    "finite_number": "Harus berupa angka terhingga.",
    "decimal_type": "Harus berupa angka desimal.",
    "decimal_parsing": "Harus berupa angka desimal.",
    "decimal_max_digits": "Paling banyak {max_digits} digit.",
    "decimal_max_places": "Paling banyak {decimal_places} angka di belakang koma.",
    "bool_type": "Harus berupa true atau false.",
    "bool_parsing": "Harus berupa true atau false.",
    "greater_than": "Harus lebih dari {gt}.",
    "greater_than_equal": "Harus lebih dari atau sama dengan {ge}.",
    "less_than": "Harus kurang dari {lt}.",
    "less_than_equal": "Harus kurang dari atau sama dengan {le}.",
    "multiple_of": "Harus kelipatan {multiple_of}.",
    "literal_error": "Harus salah satu dari: {expected}.",
    "enum": "Harus salah satu dari: {expected}.",
    "too_short": "Terlalu sedikit: paling sedikit {min_length} butir.",
    "too_long": "Terlalu banyak: paling banyak {max_length} butir.",
    "list_type": "Harus berupa daftar (array).",
    "tuple_type": "Harus berupa daftar (array).",
    "set_type": "Harus berupa daftar (array) tanpa duplikat.",
    "dict_type": "Harus berupa objek.",
    "model_type": "Harus berupa objek.",
    "model_attributes_type": "Harus berupa objek.",
    "dataclass_type": "Harus berupa objek.",
    "json_invalid": "JSON tidak valid: {error}.",
    "json_type": "Harus berupa teks JSON.",
    "datetime_type": "Harus berupa tanggal dan waktu (ISO 8601).",
    "datetime_parsing": "Harus berupa tanggal dan waktu ISO 8601 yang valid.",
    "datetime_from_date_parsing": "Harus berupa tanggal dan waktu ISO 8601 yang valid.",
    "datetime_object_invalid": "Tanggal dan waktu tidak valid.",
    "date_type": "Harus berupa tanggal (YYYY-MM-DD).",
    "date_parsing": "Harus berupa tanggal YYYY-MM-DD yang valid.",
    "date_from_datetime_parsing": "Harus berupa tanggal YYYY-MM-DD yang valid.",
    "date_from_datetime_inexact": "Harus berupa tanggal tanpa waktu.",
    "time_type": "Harus berupa waktu (HH:MM:SS).",
    "time_parsing": "Harus berupa waktu HH:MM:SS yang valid.",
    "timezone_aware": "Harus menyertakan zona waktu (misalnya +07:00 atau Z).",
    "timezone_naive": "Tidak boleh menyertakan zona waktu.",
    "datetime_past": "Harus di masa lalu.",
    "datetime_future": "Harus di masa depan.",
    "date_past": "Harus di masa lalu.",
    "date_future": "Harus di masa depan.",
    "uuid_type": "Harus berupa UUID.",
    "uuid_parsing": "Harus berupa UUID yang valid.",
    "uuid_version": "Versi UUID tidak diterima.",
    "url_type": "Harus berupa URL.",
    "url_parsing": "Harus berupa URL yang valid.",
    "url_scheme": "Skema URL tidak diterima: {expected_schemes}.",
    "url_too_long": "URL terlalu panjang.",
    "bytes_type": "Harus berupa data biner.",
    "bytes_too_short": "Terlalu pendek: paling sedikit {min_length} bita.",
    "bytes_too_long": "Terlalu panjang: paling banyak {max_length} bita.",
    "union_tag_invalid": "Jenis {tag} tidak dikenal: harus salah satu dari {expected_tags}.",
    "union_tag_not_found": "Isian {discriminator} wajib ada untuk menentukan jenisnya.",
    "value_error": "Nilai tidak valid: {error}",
    "assertion_error": "Nilai tidak valid: {error}",
    "is_instance_of": "Jenis nilai tidak diterima.",
    "frozen_field": "Isian ini tidak boleh diubah.",
    "none_required": "Harus kosong (null).",
    "no_such_attribute": "Isian ini tidak dikenal.",
    "arguments_type": "Bentuk isian tidak valid.",
    "missing_argument": "Wajib diisi.",
    "unexpected_keyword_argument": "Isian ini tidak dikenal.",
}.items()}
