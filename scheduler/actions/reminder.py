"""Reminder: deliver the task's message through the plugged-in ``Notifier``, to the place the
task was asked from (``ctx.destination``; empty means the notifier's default). A reminder that
catches up a fire missed while nothing ran arrives late with a note saying when it was due."""

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
            text=f"{action.message} ({ctx.late_note})" if ctx.late_note else action.message,
            task_id=ctx.task_id,
            run_id=ctx.run_id,
            title=heading(ctx.task_name, action.message),
            destination=dict(ctx.destination),
            key=ctx.delivery_key,
        )
    )
    summary = f"delivered late ({ctx.late_note})" if ctx.late_note else "delivered"
    return ActionResult(ok=True, summary=summary, data={"message": action.message})


def heading(name: str, message: str) -> str | None:
    """The task's name as the notice's heading, unless it only repeats the message: a reminder
    named after its own text (the default) would read 'stretch: stretch'."""
    stem = name.removesuffix("…").strip()
    return None if stem and " ".join(message.split()).startswith(stem) else name
