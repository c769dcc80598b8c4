"""Email: send a message over the configured SMTP server (``ActionConfig.smtp``) with
``scheduler/smtp.py``, the code the email notification channel in ``connectors/`` sends with too;
the action's own timeout bounds the whole run.
"""

from __future__ import annotations

from ..models import EmailAction
from ..smtp import SECURITY_MODES, EmailFailed, SmtpConfig, build_message, send_email
from .base import ActionContext, ActionFailed, ActionResult

__all__ = ["NOT_CONFIGURED", "SECURITY_MODES", "EmailFailed", "SmtpConfig", "build_message", "run", "send_email"]

NOT_CONFIGURED = (
    "email is not configured: set CRONPILOT_SMTP_HOST and CRONPILOT_SMTP_FROM "
    "(see docs/email.md)"
)


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
