"""Sending mail over SMTP, for the email action and the email notification channel alike.

The stdlib ``smtplib`` is blocking, so each send runs in a worker thread with the configured
timeout on every socket operation. Below the actions (``actions/email.py`` runs a task with it)
so a connector can deliver notices by email without importing an action.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

SECURITY_MODES = ("starttls", "tls", "none")


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int = 587
    security: str = "starttls"  # starttls | tls | none
    user: str | None = None
    password: str | None = None
    sender: str = "cronpilot@localhost"
    timeout_s: float = 30.0


class EmailFailed(Exception):
    """Sending failed; the message says which server and why (no password, ever)."""


async def send_email(
    config: SmtpConfig, *, to: Sequence[str], subject: str, body: str,
    message_key: str | None = None,
) -> str:
    """Send one plain-text message to ``to``; return its Message-ID. ``message_key`` (the run's
    idempotency key) makes the Message-ID stable across retries, so mail systems can drop a
    duplicate. Raises ``EmailFailed``."""
    message = build_message(config, to=to, subject=subject, body=body, message_key=message_key)
    await asyncio.to_thread(_deliver, config, message, list(to))
    return str(message["Message-ID"])


def build_message(
    config: SmtpConfig, *, to: Sequence[str], subject: str, body: str, message_key: str | None = None
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = config.sender
    message["To"] = ", ".join(to)
    # A subject comes from task data: CR/LF would inject headers, so it is folded to one line.
    message["Subject"] = " ".join(subject.split())[:300] or "(no subject)"
    message["Date"] = formatdate(localtime=False, usegmt=True)
    domain = config.sender.rpartition("@")[2] or "cronpilot.local"
    message["Message-ID"] = f"<{message_key}@{domain}>" if message_key else make_msgid(domain=domain)
    message.set_content(body or "")
    return message


def _deliver(config: SmtpConfig, message: EmailMessage, recipients: list[str]) -> None:
    where = f"{config.host}:{config.port}"
    if config.security not in SECURITY_MODES:
        raise EmailFailed(f"unknown SMTP security {config.security!r}; use starttls, tls or none")
    try:
        client = _connect(config)
        try:
            if config.user:
                client.login(config.user, config.password or "")
            refused = client.send_message(message, to_addrs=recipients)
        finally:
            try:
                client.quit()
            except (smtplib.SMTPException, OSError):
                client.close()
    except smtplib.SMTPAuthenticationError as exc:
        raise EmailFailed(f"email via {where}: the server refused the login ({exc.smtp_code})") from None
    except smtplib.SMTPNotSupportedError as exc:
        raise EmailFailed(f"email via {where}: {exc}") from None
    except smtplib.SMTPRecipientsRefused as exc:
        refused_all = _codes(exc.recipients)
        raise EmailFailed(f"email via {where}: every recipient was refused ({refused_all})") from None
    except smtplib.SMTPResponseException as exc:
        detail = exc.smtp_error
        if isinstance(detail, bytes):
            detail = detail.decode(errors="replace")
        raise EmailFailed(f"email via {where}: the server answered {exc.smtp_code} {detail}") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise EmailFailed(f"email via {where} failed: {type(exc).__name__}: {exc}") from None
    if refused:
        raise EmailFailed(f"email via {where}: some recipients were refused ({_codes(refused)})")


def _connect(config: SmtpConfig) -> smtplib.SMTP:
    if config.security == "tls":
        return smtplib.SMTP_SSL(
            config.host, config.port, timeout=config.timeout_s, context=ssl.create_default_context()
        )
    client = smtplib.SMTP(config.host, config.port, timeout=config.timeout_s)
    if config.security == "starttls":
        client.ehlo()
        if not client.has_extn("starttls"):
            client.close()
            # Refuse rather than silently send the password and the mail in clear text.
            raise smtplib.SMTPNotSupportedError(
                "the server does not offer STARTTLS (set security to none to allow plain SMTP)"
            )
        client.starttls(context=ssl.create_default_context())
        client.ehlo()
    return client


def _codes(refused: dict[str, tuple[int, bytes]]) -> str:
    return ", ".join(f"{address}: {code}" for address, (code, _msg) in refused.items())
