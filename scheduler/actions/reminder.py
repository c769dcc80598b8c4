"""Reminder: deliver the task's message through the plugged-in ``Notifier``, to the place the
task was asked from (``ctx.destination``; empty means the notifier's default)."""

from __future__ import annotations

from ..models import ReminderAction
from ..ports import Notification
from .base import ActionContext, ActionFailed, ActionResult


async def run(action: ReminderAction, ctx: ActionContext) -> ActionResult:
    if ctx.notifier is None:
        raise ActionFailed("no notification channel is configured")
    await ctx.notifier.notify(
        Notification(
            owner=ctx.owner,
            text=action.message,
            task_id=ctx.task_id,
            run_id=ctx.run_id,
            title=heading(ctx.task_name, action.message),
            destination=dict(ctx.destination),
        )
    )
    return ActionResult(ok=True, summary="delivered", data={"message": action.message})


def heading(name: str, message: str) -> str | None:
    """The task's name as the notice's heading, unless it only repeats the message: a reminder
    named after its own text (the default) would read 'stretch: stretch'."""
    stem = name.removesuffix("…").strip()
    return None if stem and " ".join(message.split()).startswith(stem) else name
