"""``suara webhook listen``: a local receiver that subscribes itself to the notifications
service, verifies every delivery with the ``standardwebhooks`` package and prints it (as
``stripe listen`` does). Ctrl-C deletes the subscription. For developers integrating."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import uvicorn
from standardwebhooks.webhooks import Webhook, WebhookVerificationError


def receiver_app(secret: str, out: Any = print) -> Any:
    verifier = Webhook(secret)

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        try:
            event = verifier.verify(body, headers)
            status = 204
            out(f"✔ {headers.get('webhook-id')}  {event.get('type')}  subject="
                f"{event.get('subject')}\n{json.dumps(event.get('data'), indent=2)}")
        except WebhookVerificationError as exc:
            status = 400
            out(f"✘ signature check failed ({exc}) for {headers.get('webhook-id')}")
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    return app


async def listen(*, service_url: str, token: str, events: list[str], port: int,
                 agency: str | None) -> int:
    auth = {"Authorization": f"Bearer {token}"}
    target = f"http://127.0.0.1:{port}/webhooks"
    async with httpx.AsyncClient(base_url=service_url, headers=auth, timeout=10) as client:
        body: dict[str, Any] = {"url": target, "event_types": events,
                                "description": "suara webhook listen"}
        if agency:
            body["agency_id"] = agency
        r = await client.post("/v1/webhooks", json=body)
        if r.status_code != 201:
            print(f"{service_url} refused the subscription ({r.status_code}): {r.text}")
            return 1
        endpoint = r.json()
        print(f"listening on {target} for {', '.join(events)} "
              f"(endpoint {endpoint['id']}); Ctrl-C stops")
        server = uvicorn.Server(uvicorn.Config(receiver_app(endpoint["secret"]),
                                               host="127.0.0.1", port=port, log_level="warning",
                                               lifespan="off", access_log=False))
        task = asyncio.create_task(server.serve())  # Ctrl-C ends it
        try:
            while not server.started and not task.done():  # noqa: ASYNC110 - uvicorn has no event
                await asyncio.sleep(0.05)
            await client.post(f"/v1/webhooks/{endpoint['id']}/test")
            await task
        finally:
            server.should_exit = True
            await client.delete(f"/v1/webhooks/{endpoint['id']}")
            print("subscription deleted")
    return 0
