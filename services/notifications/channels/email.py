"""E-mail over SMTP with aiosmtplib: a text and an HTML part, a stable Message-ID.

A few connections are kept open and shared (``SUARA_NOTIFICATIONS_SMTP_CONNECTIONS``); a
connection that fails is dropped and a new one opened on the next send. 4xx answers and lost
connections are transient (retried later); a 5xx for the recipient is a bounce, any other 5xx a
refusal. The Message-ID is ``<notification id@domain>`` on every attempt, so a message sent
twice (a crash between the server's acceptance and our record) carries the same id.
"""

from __future__ import annotations

import asyncio
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

import aiosmtplib

from services.notifications.channels.base import Outgoing
from services.notifications.domain.messages import Outcome
from services.notifications.settings import NotificationsSettings


class EmailChannel:
    name = "email"

    def __init__(self, settings: NotificationsSettings) -> None:
        self._s = settings
        self._idle: asyncio.Queue[aiosmtplib.SMTP] = asyncio.Queue()
        self._slots = asyncio.Semaphore(settings.smtp_connections)
        self._domain = parseaddr(settings.smtp_from)[1].rpartition("@")[2] or "suara.localhost"

    def build(self, message: Outgoing) -> EmailMessage:
        r = message.rendered
        mail = EmailMessage()
        mail["From"] = self._s.smtp_from
        mail["To"] = message.recipient
        mail["Subject"] = r.subject
        mail["Date"] = formatdate(localtime=False, usegmt=True)
        mail["Message-ID"] = f"<{message.id}@{self._domain}>"
        mail["X-Suara-Notification-Id"] = message.id
        if message.unsubscribe_url:
            mail["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
            mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        mail.set_content(r.text)
        mail.add_alternative(r.html, subtype="html")
        return mail

    async def _connect(self) -> aiosmtplib.SMTP:
        s = self._s
        client = aiosmtplib.SMTP(hostname=s.smtp_host, port=s.smtp_port,
                                 timeout=s.smtp_timeout_s, start_tls=s.smtp_starttls,
                                 use_tls=False)
        await client.connect()
        if s.smtp_username:
            password = s.smtp_password.get_secret_value() if s.smtp_password else ""
            await client.login(s.smtp_username, password)
        return client

    async def send(self, message: Outgoing) -> Outcome:
        mail = self.build(message)
        async with self._slots:
            client: aiosmtplib.SMTP | None = None
            try:
                client = self._idle.get_nowait() if not self._idle.empty() else None
                if client is None or not client.is_connected:
                    client = await self._connect()
                await client.send_message(mail)
            except aiosmtplib.SMTPRecipientsRefused as exc:
                self._keep(client)
                codes = [e.code for e in exc.recipients]
                if any(400 <= c < 500 for c in codes):
                    return Outcome(ok=False, transient=True, reason="provider_unavailable")
                return Outcome(ok=False, reason="bounced")
            except aiosmtplib.SMTPResponseException as exc:
                self._drop(client)
                if 400 <= exc.code < 500:
                    return Outcome(ok=False, transient=True, reason="provider_unavailable")
                return Outcome(ok=False, reason="rejected_by_provider")
            except (aiosmtplib.SMTPException, OSError, TimeoutError):
                self._drop(client)
                return Outcome(ok=False, transient=True, reason="provider_unavailable")
            self._keep(client)
            return Outcome(ok=True, provider_id=str(mail["Message-ID"]))

    def _keep(self, client: aiosmtplib.SMTP | None) -> None:
        if client is not None and client.is_connected:
            self._idle.put_nowait(client)

    def _drop(self, client: aiosmtplib.SMTP | None) -> None:
        if client is not None:
            client.close()

    async def close(self) -> None:
        while not self._idle.empty():
            client = self._idle.get_nowait()
            try:
                await asyncio.wait_for(client.quit(), 2)
            except (aiosmtplib.SMTPException, OSError, TimeoutError):
                client.close()
