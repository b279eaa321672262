"""SMS and WhatsApp through an HTTP gateway, in one of two styles (chosen by settings):

- ``json``: ``POST <url>`` with ``{"to", "message", "channel", "reference", "sender"}``, a
  bearer token and an ``Idempotency-Key`` (the notification id); answers ``{"message_id"}``.
- ``form``: the form-encoded style of Indonesian gateways (Zenziva and the like):
  ``userkey``, ``passkey``, ``to`` (the number without ``+``), ``message``, plus ``reference``;
  answers JSON ``{"messageId", "status": "1" | "0", "text"}`` (status "1" is success).

Delivery reports come back on ``POST /v1/providers/{channel}/dlr`` (endpoints_public.py).
"""

from __future__ import annotations

from typing import Any

import httpx

from services.notifications.channels.base import Outgoing, http_outcome, retry_after_seconds
from services.notifications.domain.messages import Outcome
from services.notifications.settings import GatewayStyle, NotificationsSettings


class GatewayChannel:
    def __init__(self, name: str, *, style: GatewayStyle, url: str,
                 settings: NotificationsSettings) -> None:
        self.name = name
        self._style = style
        self._url = url
        self._s = settings
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(15.0, connect=5.0),
            limits=httpx.Limits(max_connections=8, max_keepalive_connections=8))

    def _request(self, message: Outgoing) -> dict[str, Any]:
        s = self._s
        text = message.rendered.sms
        if self._style == "json":
            headers = {"Idempotency-Key": message.id}
            if s.gateway_token is not None:
                headers["Authorization"] = f"Bearer {s.gateway_token.get_secret_value()}"
            return {"json": {"to": message.recipient, "message": text, "channel": self.name,
                             "reference": message.id, "sender": s.gateway_sender},
                    "headers": headers}
        return {"data": {"userkey": s.gateway_user_key or "",
                         "passkey": s.gateway_pass_key.get_secret_value()
                         if s.gateway_pass_key else "",
                         "to": message.recipient.lstrip("+"), "message": text,
                         "reference": message.id},
                "headers": {"Idempotency-Key": message.id}}

    async def send(self, message: Outgoing) -> Outcome:
        try:
            response = await self._client.post(self._url, **self._request(message))
        except httpx.HTTPError:
            return Outcome(ok=False, transient=True, reason="provider_unavailable")
        try:
            body = response.json()
        except ValueError:
            body = {}
        body = body if isinstance(body, dict) else {}
        provider_id = body.get("message_id") or body.get("messageId") or body.get("id")
        if (self._style == "form" and response.is_success
                and str(body.get("status", "1")) != "1"):
            return Outcome(ok=False, reason="rejected_by_provider")
        return http_outcome(response.status_code,
                            provider_id=str(provider_id) if provider_id else None,
                            retry_after=retry_after_seconds(response.headers.get("retry-after")),
                            invalid_recipient=response.status_code in (400, 404))

    async def close(self) -> None:
        await self._client.aclose()
