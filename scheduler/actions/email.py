"""Email: send a message over the configured SMTP server (``ActionConfig.smtp``).

The stdlib ``smtplib`` is blocking, so each send runs in a worker thread with the configured
timeout on every socket operation; the action's own timeout still bounds the whole run. The same
``send_email`` serves the email notification channel in ``connectors/``.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from ..models import EmailAction
from .base import ActionContext, ActionFailed, ActionResult, SmtpConfig

SECURITY_MODES = ("starttls", "tls", "none")
NOT_CONFIGURED = (
    "email is not configured: set CRONPILOT_SMTP_HOST and CRONPILOT_SMTP_FROM "
    "(see docs/email.md)"
)


class EmailFailed(Exception):
    """Sending failed; the message says which server and why (no password, ever)."""


async def run(action: EmailAction, ctx: ActionContext) -> ActionResult:
    if ctx.config.smtp is None:
        raise ActionFailed(NOT_CONFIGURED)
    try:
        message_id = await send_email(
            ctx.config.smtp, to=action.to, subject=action.subject, body=action.body,
            message_key=ctx.idempotency_key or None,
        )
    except EmailFailed as exc:
        raise ActionFailed(str(exc)) from None
    return ActionResult(
        ok=True,
        summary=f"sent to {len(action.to)} recipient{'s' if len(action.to) != 1 else ''}",
        data={"to": list(action.to), "message_id": message_id},
    )


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
