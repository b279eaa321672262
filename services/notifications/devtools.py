"""Local stand-ins for the providers, for ``suara dev`` (``make run``) and the tests: an SMTP
catcher (aiosmtpd) and fake SMS / WhatsApp gateways (JSON and form-encoded styles) and FCM,
all keeping what they received in one ``Mailbox`` that ``GET /`` lists as a page and
``GET /messages`` as JSON. Development only: nothing here runs in production.

The fake gateways answer like real ones (a message id; the form style's ``status: "1"``) and,
when given a DLR URL, post a delivery report back a moment later, as a gateway does.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import itertools
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from typing import Any

import httpx
from aiosmtpd.controller import Controller
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse


@dataclass
class Caught:
    kind: str  # email, sms, whatsapp, push
    to: str
    subject: str
    body: str
    id: str
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Mailbox:
    items: list[Caught] = field(default_factory=list)
    echo: bool = False  # print each message (suara dev)
    #: statuses the fake gateways answer, in turn, per path (then 200)
    script: dict[str, deque[int]] = field(default_factory=dict)
    dlr_url: str | None = None
    dlr_secret: str | None = None
    dlr_status: str = "delivered"
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def add(self, item: Caught) -> None:
        self.items.append(item)
        self.arrived.set()
        if self.echo:
            line = "-" * 72
            print(f"\n{line}\n[{item.kind}] to {item.to}: {item.subject}\n{item.body}\n{line}",
                  flush=True)

    def of(self, kind: str) -> list[Caught]:
        return [i for i in self.items if i.kind == kind]

    async def wait_for(self, count: int, kind: str | None = None,
                       timeout: float = 20) -> list[Caught]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self.of(kind) if kind else self.items) < count:
            if loop.time() > deadline:
                raise TimeoutError(f"{len(self.items)} messages, expected {count}")
            self.arrived.clear()
            try:
                await asyncio.wait_for(self.arrived.wait(), 0.2)
            except TimeoutError:
                pass
        return self.of(kind) if kind else self.items


class _SmtpHandler:
    def __init__(self, box: Mailbox) -> None:
        self.box = box

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        body = msg.get_body(preferencelist=("plain",))
        self.box.add(Caught("email", str(msg["To"]), str(msg["Subject"]),
                            body.get_content() if body else "", str(msg["Message-ID"]),
                            headers={k: str(v) for k, v in msg.items()}))
        return "250 OK"


def smtp_catcher(box: Mailbox, *, port: int, host: str = "127.0.0.1") -> Controller:
    """An SMTP server that keeps every message in ``box`` (start() and stop() it)."""
    return Controller(_SmtpHandler(box), hostname=host, port=port)


#: A scripted FCM answer of 1400: a 400 that refuses the message itself (a field), not the token.
FCM_BAD_MESSAGE = 1400


def _fcm_error(status: int) -> dict[str, object]:
    """FCM's error shapes (firebase.google.com/docs/cloud-messaging/error-codes)."""
    fcm = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
    if status == 404:
        return {"code": 404, "status": "NOT_FOUND", "message": "Requested entity was not found.",
                "details": [{"@type": fcm, "errorCode": "UNREGISTERED"}]}
    if status == 400:
        return {"code": 400, "status": "INVALID_ARGUMENT",
                "message": "The registration token is not a valid FCM registration token",
                "details": [{"@type": fcm, "errorCode": "INVALID_ARGUMENT"}]}
    if status == FCM_BAD_MESSAGE:
        field = "message.data[0].value"
        return {"code": 400, "status": "INVALID_ARGUMENT", "message": f"Invalid value at {field}",
                "details": [{"@type": "type.googleapis.com/google.rpc.BadRequest",
                             "fieldViolations": [{"field": field, "description": "bad"}]}]}
    return {"code": status, "status": "UNAVAILABLE"}


def providers_app(box: Mailbox) -> FastAPI:
    """The fake SMS/WhatsApp gateways, FCM, and the page listing everything caught."""
    app = FastAPI(title="Suara dev providers", docs_url=None, redoc_url=None)
    counter = itertools.count(1)

    def scripted(path: str) -> int | None:
        queue = box.script.get(path)
        return queue.popleft() if queue else None

    async def report(channel: str, message_id: str) -> None:
        if not box.dlr_url:
            return
        await asyncio.sleep(0.05)
        async with httpx.AsyncClient(timeout=5) as client:
            try:
                await client.post(box.dlr_url.format(channel=channel),
                                  json={"message_id": message_id, "status": box.dlr_status},
                                  headers={"X-Suara-DLR-Secret": box.dlr_secret or ""})
            except httpx.HTTPError:
                pass

    async def gateway(channel: str, style: str, request: Request) -> JSONResponse:
        status = scripted(f"/{style}/{channel}")
        if status is not None and status >= 300:
            return JSONResponse({"error": "scripted failure"}, status_code=status)
        if style == "json":
            data = await request.json()
            to, text = data["to"], data["message"]
        else:
            form = await request.form()
            to, text = f"+{form['to']}", str(form["message"])
        message_id = f"{channel}-{next(counter)}"
        box.add(Caught(channel, to, f"{channel} ({style})", text, message_id,
                       headers=dict(request.headers)))
        asyncio.get_running_loop().create_task(report(channel, message_id))
        if style == "json":
            return JSONResponse({"message_id": message_id})
        return JSONResponse({"messageId": message_id, "to": to, "status": "1",
                             "text": "Success"})

    @app.post("/json/{channel}")
    async def json_gateway(channel: str, request: Request) -> JSONResponse:
        return await gateway(channel, "json", request)

    @app.post("/form/{channel}")
    async def form_gateway(channel: str, request: Request) -> JSONResponse:
        return await gateway(channel, "form", request)

    @app.post("/fcm/v1/projects/{project}/messages:send")
    async def fcm(project: str, request: Request) -> JSONResponse:
        status = scripted("/fcm")
        if status is not None and status >= 300:
            return JSONResponse({"error": _fcm_error(status)}, status_code=status % 1000)
        message = (await request.json())["message"]
        name = f"projects/{project}/messages/{uuid.uuid4().hex[:12]}"
        note = message.get("notification", {})
        box.add(Caught("push", message["token"], note.get("title", ""), note.get("body", ""),
                       name, headers=dict(request.headers)))
        return JSONResponse({"name": name})

    @app.get("/messages")
    async def messages() -> JSONResponse:
        return JSONResponse([{"kind": i.kind, "to": i.to, "subject": i.subject,
                              "body": i.body, "id": i.id, "at": i.at.isoformat()}
                             for i in reversed(box.items)])

    @app.get("/", response_class=HTMLResponse)
    async def page() -> HTMLResponse:
        rows = "".join(
            f"<tr><td>{escape(i.at.strftime('%H:%M:%S'))}</td><td>{escape(i.kind)}</td>"
            f"<td>{escape(i.to)}</td><td>{escape(i.subject)}</td>"
            f"<td><pre>{escape(i.body)}</pre></td></tr>" for i in reversed(box.items))
        return HTMLResponse(
            "<!doctype html><meta charset='utf-8'><meta http-equiv='refresh' content='5'>"
            "<title>Suara dev messages</title><body style='font-family:sans-serif'>"
            "<h1>Messages sent by Suara (development)</h1><table border='1' cellpadding='4'>"
            "<tr><th>time</th><th>channel</th><th>to</th><th>subject</th><th>body</th></tr>"
            f"{rows}</table></body>")

    return app


class DevProviders:
    """The SMTP catcher and the fake providers, in a thread of their own (``suara dev``)."""

    def __init__(self, *, smtp_port: int, http_port: int, dlr_url: str, dlr_secret: str
                 ) -> None:
        self.box = Mailbox(echo=True, dlr_url=dlr_url, dlr_secret=dlr_secret)
        self.smtp_port = smtp_port
        self.http_port = http_port
        self._smtp = smtp_catcher(self.box, port=smtp_port)
        self._server: Any = None
        self._thread: Any = None

    def env(self) -> dict[str, str]:
        """The settings that point the notifications service at these fakes."""
        base = f"http://127.0.0.1:{self.http_port}"
        return {"SUARA_NOTIFICATIONS_SMTP_HOST": "127.0.0.1",
                "SUARA_NOTIFICATIONS_SMTP_PORT": str(self.smtp_port),
                "SUARA_NOTIFICATIONS_SMS_GATEWAY_URL": f"{base}/json/sms",
                "SUARA_NOTIFICATIONS_WHATSAPP_GATEWAY_URL": f"{base}/json/whatsapp",
                "SUARA_NOTIFICATIONS_FCM_URL": f"{base}/fcm"}

    def start(self) -> None:
        import threading

        import uvicorn

        self._smtp.start()
        config = uvicorn.Config(providers_app(self.box), host="127.0.0.1", port=self.http_port,
                                log_level="warning", access_log=False, lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True,
                                        name="dev-providers")
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._smtp.stop()
