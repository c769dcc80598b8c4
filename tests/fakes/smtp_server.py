"""A local SMTP server (aiosmtpd) on 127.0.0.1, port 0, recording what it receives.

Served from the test's own event loop; the code under test talks to it with the stdlib smtplib
from a worker thread, as in production.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


class _Recorder:
    def __init__(self, inbox: list[Received], refuse: set[str]) -> None:
        self.inbox = inbox
        self.refuse = refuse

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        if address in self.refuse:
            return "550 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        message = message_from_bytes(raw, policy=policy.default)
        self.inbox.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
        return "250 Message accepted"


class FakeSmtpServer:
    def __init__(self) -> None:
        self.inbox: list[Received] = []
        self.refuse: set[str] = set()
        self._server: asyncio.base_events.Server | None = None
        self.port = 0

    async def start(self) -> FakeSmtpServer:
        loop = asyncio.get_running_loop()
        handler: Any = _Recorder(self.inbox, self.refuse)
        self._server = await loop.create_server(lambda: SMTP(handler, hostname="fake.smtp"), "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
