"""Push notifications in the FCM HTTP v1 format.

``POST <fcm_url>/v1/projects/<project>/messages:send`` with
``{"message": {"token", "notification": {"title", "body"}, "data": {...}}}`` and an OAuth 2
bearer token. FCM answers ``{"name": "projects/<p>/messages/<id>"}``; ``404``/``UNREGISTERED``
means the app was uninstalled (the token is dead: invalid_recipient), 429 and 5xx are transient.
A ``400 INVALID_ARGUMENT`` is a bad token only when its ``details`` hold an ``FcmError``; with a
``google.rpc.BadRequest`` (``fieldViolations``) it is our message that FCM refused, and the
token must not be dropped for it (firebase.google.com/docs/cloud-messaging/error-codes).
"""

from __future__ import annotations

import httpx

from services.notifications.channels.base import Outgoing, http_outcome, retry_after_seconds
from services.notifications.domain.messages import Outcome
from services.notifications.settings import NotificationsSettings


def _token_refused(response: httpx.Response) -> bool:
    """FCM's 400 names the token (an ``FcmError`` detail), not a field of the message."""
    try:
        details = response.json()["error"].get("details") or []
        types = {str(d.get("@type", "")).rsplit("/", 1)[-1] for d in details}
    except (ValueError, KeyError, TypeError, AttributeError):
        return False  # not FCM's error shape: do not drop a token on a guess
    return "google.firebase.fcm.v1.FcmError" in types and "google.rpc.BadRequest" not in types


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
                            invalid_recipient=response.status_code == 404 or (
                                response.status_code == 400 and _token_refused(response)))

    async def close(self) -> None:
        await self._client.aclose()
