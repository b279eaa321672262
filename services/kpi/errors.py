"""The kpi service's errors and their texts in Indonesian and English (docs/api.md)."""

from __future__ import annotations

from shared.errors import FieldError, Forbidden, Invalid, NotFound
from shared.http.messages import Text

MESSAGES: dict[str, Text] = {
    "invalid_period": Text(
        "Periode tidak valid: gunakan YYYY, YYYY-Hn, YYYY-Qn, YYYY-MM, YYYY-Www atau "
        "YYYY-MM-DD.",
        "The period is invalid: use YYYY, YYYY-Hn, YYYY-Qn, YYYY-MM, YYYY-Www or YYYY-MM-DD."),
    "invalid_dimension": Text(
        "Rincian hanya menurut category, channel, region, privacy atau unit.",
        "Breakdowns are by category, channel, region, privacy or unit only."),
    "baseline_required": Text(
        "Target relatif memerlukan periode dasar (baseline_period).",
        "A relative target needs a baseline period (baseline_period)."),
    "agency_not_found": Text("Instansi tidak ditemukan.", "No such agency."),
    "target_not_found": Text("Target tidak ditemukan.", "No such target."),
    "version_conflict": Text("Target telah diubah orang lain; baca ulang lalu coba lagi.",
                             "The target was changed meanwhile; read it again and retry."),
    "forbidden_agency": Text("Instansi ini di luar wewenang Anda.",
                             "This agency is outside your scope."),
    "forbidden_default_target": Text("Hanya admin yang mengatur target bawaan (*).",
                                     "Only admins manage the default targets (*)."),
    "targets_role": Text("Target diatur oleh supervisor dan admin.",
                         "Targets are managed by supervisors and admins."),
}


def invalid(field: str, code: str, message: str) -> Invalid:
    """A 422 naming one field."""
    return Invalid(message, code=code, fields=[FieldError(field, code, message)])


class AgencyNotFound(NotFound):
    code = "agency_not_found"

    def __init__(self, agency_id: str) -> None:
        super().__init__(f"No agency {agency_id}.", fields=[
            FieldError("agency_id", "agency_not_found", "no such agency")])


class TargetNotFound(NotFound):
    code = "target_not_found"

    def __init__(self, target_id: str) -> None:
        super().__init__(f"No target {target_id}.")


def forbidden(code: str, message: str) -> Forbidden:
    return Forbidden(message, code=code)
