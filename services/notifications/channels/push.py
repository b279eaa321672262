"""Push notifications in the FCM HTTP v1 format.

``POST <fcm_url>/v1/projects/<project>/messages:send`` with
``{"message": {"token", "notification": {"title", "body"}, "data": {...}}}`` and an OAuth 2
bearer token. FCM answers ``{"name": "projects/<p>/messages/<id>"}``; ``404``/``UNREGISTERED``
means the app was uninstalled (the token is dead: invalid_recipient), 429 and 5xx are transient.
"""

from __future__ import annotations

import httpx

from services.notifications.channels.base import Outgoing, http_outcome, retry_after_seconds
from services.notifications.domain.messages import Outcome
from services.notifications.settings import NotificationsSettings


class PushChannel:
    name = "push"

    def __init__(self, settings: NotificationsSettings) -> None:
        self._s = settings
        self._url = (f"{settings.fcm_url.rstrip('/')}/v1/projects/{settings.fcm_project_id}"
                     "/messages:send")
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(15.0, connect=5.0),
            limits=httpx.Limits(max_connections=8, max_keepalive_connections=8))

    def body(self, message: Outgoing) -> dict[str, object]:
        r = message.rendered
        return {"message": {"token": message.recipient,
                            "notification": {"title": r.push_title, "body": r.push_body},
                            "data": {"notification_id": message.id, **message.data}}}

    async def send(self, message: Outgoing) -> Outcome:
        headers = {}
        if self._s.fcm_access_token is not None:
            headers["Authorization"] = f"Bearer {self._s.fcm_access_token.get_secret_value()}"
        try:
            response = await self._client.post(self._url, json=self.body(message),
                                               headers=headers)
        except httpx.HTTPError:
            return Outcome(ok=False, transient=True, reason="provider_unavailable")
        name = None
        if response.is_success:
            try:
                name = response.json().get("name")
            except (ValueError, AttributeError):
                name = None
        return http_outcome(response.status_code, provider_id=name,
                            retry_after=retry_after_seconds(response.headers.get("retry-after")),
                            invalid_recipient=response.status_code in (400, 404))

    async def close(self) -> None:
        await self._client.aclose()
