"""Settings of the complaints service: `SUARA_COMPLAINTS_*`, falling back to `SUARA_*`."""

from typing import ClassVar, Literal

from pydantic import Field

from shared.settings import ServiceSettings


class ComplaintsSettings(ServiceSettings):
    service: ClassVar[str] = "complaints"
    port: int = Field(default=8001, ge=0, le=65535)

    #: How often the SLA scheduler looks for deadlines due (warnings, breaches, auto-close).
    sla_scan_interval_s: float = Field(default=60.0, gt=0)
    public_url: str = Field(
        default="http://127.0.0.1:8001", pattern=r"^https?://[^\s#?]+$",
        description="Public base URL of this service: citizens' messages link to its tracking "
        "page, {public_url}/lacak#c=<code> (the first one with &t=<token>). Production "
        "refuses a plain-http or local URL.")
    surveys_public_url: str = Field(
        default="http://127.0.0.1:8002", pattern=r"^https?://[^\s#?]+$",
        description="The surveys service's public base URL, the very variable it reads "
        "(SUARA_SURVEYS_PUBLIC_URL): the one-time survey link in a resolution notice is "
        "{surveys_public_url}/v1/invitations/<token> (docs/surveys.md, Invitation links).")
    surveys_invitation_ttl_days: int = Field(
        default=30, ge=1, le=365,
        description="How long a survey link works, the surveys service's own variable "
        "(SUARA_SURVEYS_INVITATION_TTL_DAYS): the notice says until when.")
    #: How long a filing's answer is kept for retries with the same Idempotency-Key (or client
    #: id); then it is deleted (the token in it too) and the same key files anew.
    idempotency_ttl_hours: int = Field(default=48, ge=1)
    contact_retention_days: int = Field(
        default=365, ge=1,
        description="How long the reporter's contact (name, e-mail, phone, push token) is kept "
        "once a complaint is closed or rejected; then a background task erases it and the "
        "complaint behaves like one whose reporter left no contact.")
    phone_channel: Literal["whatsapp", "sms"] = Field(
        default="whatsapp",
        description="How a reporter who left only a phone number is told: WhatsApp with SMS "
        "as its fallback, or SMS alone.")
