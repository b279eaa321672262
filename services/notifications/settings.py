"""Settings of the notifications service: `SUARA_NOTIFICATIONS_*`, falling back to `SUARA_*`.

Secrets (the key that encrypts webhook secrets and signs unsubscribe links, the DLR callback
secret) have development defaults that production refuses, like every setting of the platform:
in a validator, when the settings are read (``migrate`` included: deploy/ gives it them).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, SecretStr, model_validator

from shared.settings import ServiceSettings

#: Development-only values; production refuses to serve with them.
DEV_SECRET_KEY = "suara-notifications-development-only-key"  # noqa: S105
DEV_DLR_SECRET = "suara-dlr-development-only-secret"  # noqa: S105

GatewayStyle = Literal["json", "form"]


class NotificationsSettings(ServiceSettings):
    service: ClassVar[str] = "notifications"
    port: int = Field(default=8004, ge=0, le=65535)

    public_url: str = Field(
        default="", description="Public base URL of this service (https in production): "
        "unsubscribe links start with it. Empty: http://<host>:<port> (development).")
    secret_key: SecretStr = Field(
        default=SecretStr(DEV_SECRET_KEY),
        description="Encrypts webhook signing secrets at rest, keys the recipients' pseudonyms "
        "and signs unsubscribe links (at least 32 characters in production).")

    # -- e-mail (SMTP) -----------------------------------------------------------------------
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=1025, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_from: str = "Suara <no-reply@suara.localhost>"
    smtp_timeout_s: float = Field(default=15.0, gt=0)
    smtp_connections: int = Field(default=4, ge=1, le=32,
                                  description="SMTP connections kept open and used at once.")

    # -- SMS / WhatsApp gateways --------------------------------------------------------------
    sms_gateway_style: GatewayStyle = "json"
    sms_gateway_url: str = "http://127.0.0.1:8025/json/sms"
    whatsapp_gateway_style: GatewayStyle = "json"
    whatsapp_gateway_url: str = Field(
        default="http://127.0.0.1:8025/json/whatsapp",
        description="Empty: no WhatsApp provider; a WhatsApp request then goes at once to its "
        "fallback channel (SMS), or fails as rejected_by_provider without one.")
    gateway_token: SecretStr | None = Field(
        default=None, description="Bearer token of the JSON-style gateway.")
    gateway_user_key: str | None = Field(
        default=None, description="userkey of the form-encoded (Indonesian) gateway.")
    gateway_pass_key: SecretStr | None = Field(
        default=None, description="passkey of the form-encoded (Indonesian) gateway.")
    gateway_sender: str = "SUARA"
    dlr_secret: SecretStr = Field(
        default=SecretStr(DEV_DLR_SECRET),
        description="Shared secret the gateway sends with delivery reports (DLR).")

    # -- push (FCM HTTP v1) --------------------------------------------------------------------
    fcm_url: str = "http://127.0.0.1:8025/fcm"
    fcm_project_id: str = "suara-dev"
    fcm_access_token: SecretStr | None = Field(
        default=None, description="OAuth 2 access token for FCM (from the service account).")

    # -- the sender ---------------------------------------------------------------------------
    sender_batch: int = Field(default=100, ge=1, le=1000)
    sender_poll_interval_s: float = Field(default=1.0, gt=0)
    #: a message taken by a sender is not taken by another for this long (a crash: it is
    #: retried after it, the only window in which a message may be sent twice)
    sender_lease_s: float = Field(default=60.0, gt=0)
    max_attempts: int = Field(default=8, ge=1, le=20)
    dedupe_window_s: int = Field(default=600, ge=0,
                                 description="The same message to the same recipient within "
                                 "this window is sent once.")
    rate_limit_per_hour: int = Field(default=20, ge=1,
                                     description="Messages to one recipient an hour; more wait.")
    quiet_start: str = Field(default="21:00", pattern=r"^[0-2][0-9]:[0-5][0-9]$")
    quiet_end: str = Field(default="07:00", pattern=r"^[0-2][0-9]:[0-5][0-9]$")
    digest_hour: int = Field(default=7, ge=0, le=23,
                             description="Local hour at which daily digests go out.")
    contact_retention_days: int = Field(
        default=30, ge=0, description="Days a message's address and variables are kept after "
        "it reached a final state; then erased.")
    purge_interval_s: float = Field(default=3600.0, gt=0)

    # -- webhooks -------------------------------------------------------------------------------
    webhook_timeout_s: float = Field(default=15.0, gt=0)
    webhook_allow_loopback: bool | None = Field(
        default=None, description="Allow loopback targets (development and tests); default: "
        "not in production.")
    webhook_allowed_hosts: list[str] = Field(
        default_factory=list, description="Hosts allowed even if they resolve to private "
        "addresses (an agency's internal gateway).")
    webhook_require_https: bool | None = Field(
        default=None, description="Refuse http:// endpoints; default: in production.")
    webhook_endpoint_concurrency: int = Field(default=8, ge=1, le=64,
                                              description="Deliveries in flight per endpoint.")
    webhook_endpoint_rate_per_s: float = Field(default=50.0, gt=0,
                                               description="Deliveries a second per endpoint.")
    webhook_batch: int = Field(default=200, ge=1, le=2000)
    webhook_disable_after_days: float = Field(default=5.0, gt=0)
    webhook_rotation_overlap_hours: float = Field(default=24.0, ge=0)
    webhook_attempts_kept_days: int = Field(default=30, ge=1)

    @model_validator(mode="after")
    def _production_secrets(self) -> NotificationsSettings:
        """Production refuses the development secrets and a missing public URL."""
        if self.environment != "production":
            return self
        key = self.secret_key.get_secret_value()
        if key == DEV_SECRET_KEY or len(key) < 32:
            raise ValueError("SUARA_NOTIFICATIONS_SECRET_KEY must be a private value of at "
                             "least 32 characters in production")
        if self.dlr_secret.get_secret_value() == DEV_DLR_SECRET:
            raise ValueError("SUARA_NOTIFICATIONS_DLR_SECRET must be set in production")
        if not self.public_url:
            raise ValueError("SUARA_NOTIFICATIONS_PUBLIC_URL must be set in production "
                             "(the unsubscribe links)")
        return self

    @property
    def public_base(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"

    @property
    def allow_loopback(self) -> bool:
        if self.webhook_allow_loopback is None:
            return self.environment != "production"
        return self.webhook_allow_loopback

    @property
    def require_https(self) -> bool:
        if self.webhook_require_https is None:
            return self.environment == "production"
        return self.webhook_require_https
