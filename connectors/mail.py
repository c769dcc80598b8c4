"""Email as a delivery channel: ``{"platform": "email", "address": "me@example.com"}``.

Sending is ``scheduler.smtp.send_email`` (the same code as the email action); this only
renders a notice as a plain-text message. The run id keys the Message-ID, so a retried delivery
of the same notice is recognizable as a duplicate by the receiving mail system.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from scheduler.ports import Notification
from scheduler.smtp import EmailFailed, SmtpConfig, send_email

from .delivery import DeliveryFailed, RetryLater
from .markup import printable


@dataclass(frozen=True)
class MailPiece:
    to: str
    subject: str
    body: str
    key: str | None


class EmailChannel:
    def __init__(self, config: SmtpConfig) -> None:
        self.config = config

    def describe(self, destination: Mapping[str, str]) -> str:
        return f"email {destination.get('address', '?')} via {self.config.host}:{self.config.port}"

    def pieces(self, notification: Notification, destination: Mapping[str, str]) -> Sequence[MailPiece]:
        address = destination.get("address", "")
        if "@" not in address or any(c in address for c in "\r\n,;<> "):
            raise DeliveryFailed(f"not an email address: {address!r}")
        subject = f"cronpilot: {notification.title}" if notification.title else "cronpilot"
        key = f"cronpilot-notice-{notification.run_id}" if notification.run_id is not None else None
        return [MailPiece(to=address, subject=subject, body=printable(notification.text), key=key)]

    async def send(self, piece: MailPiece, destination: Mapping[str, str]) -> None:
        try:
            await send_email(self.config, to=[piece.to], subject=piece.subject, body=piece.body,
                             message_key=piece.key)
        except EmailFailed as exc:
            # A mail server that is down or busy is worth another try; the last error is kept.
            raise RetryLater(str(exc)) from None
