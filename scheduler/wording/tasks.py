"""Tasks and their runs in words: what a task does ('remind: send the report'), where it came from
('created by you in Slack (C1) on Mon 12 Jan 09:00 from "remind me every Monday…"'), how a run
ended ('skipped: backup failed in run 1234'), and the one apology a person gets when a request
fails on our side.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scheduler.models import (
    Action,
    AIAction,
    EmailAction,
    HttpAction,
    NoopAction,
    ReminderAction,
    Run,
    RunStatus,
    ShellAction,
    SqlAction,
    Task,
    WorkflowAction,
)

from .measures import clip, count_text, first_line, time_text

SORRY = "Sorry, something went wrong on my side (it's logged). Please try again."
# Stored skip reasons start with what happened ("skipped: overlap …"); said after the status, the
# word would be said twice.
_REDUNDANT = ("skipped: ", "cancelled: ", "failed: ")

VIA_NAMES = {"cli": "the terminal chat", "cli-command": "the command line", "slack": "Slack", "telegram": "Telegram", "web": "the web app",
             "email": "email"}


def action_text(action: Action) -> str:
    """What a task does: 'remind: stretch', 'run: ./backup.sh', 'GET https://…', 'SQL on
    reports: select …', 'AI: summarise the tickets'. Whole; callers clip it to their width."""
    if isinstance(action, ReminderAction):
        return f"remind: {action.message}"
    if isinstance(action, ShellAction):
        return ("sh -c: " if action.use_shell else "run: ") + " ".join(action.argv)
    if isinstance(action, HttpAction):
        return f"{action.method} {action.url}"
    if isinstance(action, SqlAction):
        return f"SQL on {action.database}{' (writes)' if action.allow_writes else ''}: {action.statement}"
    if isinstance(action, AIAction):
        return f"AI template '{action.template}'" if action.template else f"AI: {action.prompt}"
    if isinstance(action, EmailAction):
        return f"email {', '.join(action.to)}: {action.subject}"
    if isinstance(action, WorkflowAction):
        return f"workflow (at most {count_text(action.max_parallel, 'step')} at once)"
    if isinstance(action, NoopAction):
        return "nothing (a no-op)"
    return str(getattr(action, "kind", action))


def conversation_text(origin: dict[str, Any]) -> str:
    """Where a request came from: 'in Slack (C1)', 'in the terminal chat'; '' when unknown."""
    conversation = origin.get("conversation")
    via = str(origin.get("via") or "")
    if isinstance(conversation, dict):
        if conversation.get("name"):
            return f"in {conversation['name']}"
        platform = str(conversation.get("platform") or via)
        place = VIA_NAMES.get(platform, platform)
        channel = conversation.get("channel") or conversation.get("chat")
        return f"in {place}" + (f" ({channel})" if channel else "") if place else ""
    return f"in {VIA_NAMES.get(via, via)}" if via else ""


def provenance(task: Task, *, viewer: str | None = None, viewer_zone: str | None = None,
               now: datetime | None = None) -> str:
    """'created by you in Slack (C1) on Mon 12 Jan 09:00 from "remind me every Monday…"'.

    The time is in ``viewer_zone`` (the task's zone without one)."""
    origin = task.origin or {}
    who = "you" if viewer is not None and viewer == task.owner else task.owner
    when = time_text(task.created_at, viewer_zone or task.timezone, now=now)
    if task.created_by_run_id is not None:
        parent = origin.get("parent_task")
        of = f" of task #{parent}" if parent else ""
        return f"created by AI run {task.created_by_run_id}{of} for {who} on {when} (depth {task.spawn_depth})"
    text = f"created by {who}"
    where = conversation_text(origin) if origin else ""
    if where:
        text += f" {where}"
    text += f" on {when}"
    if origin.get("message"):
        text += f" from \"{clip(str(origin['message']), 60)}\""
    elif not origin:
        text += " (from the command line)"
    return text


def run_reason(run: Run, *, width: int = 200) -> str:
    """Why a run ended as it did, on one line: its error or skip reason ('backup failed in run
    1234', 'exit code 1'), else its result's summary; '' when there is nothing to say."""
    text = run.error or str((run.result or {}).get("summary") or "")
    text = first_line(text, width)
    for prefix in _REDUNDANT:
        if text.startswith(prefix) and prefix.startswith(run.status.value):
            return text[len(prefix):]
    return text


def run_outcome(run: Run, *, width: int = 200) -> str:
    """A run's status with its reason: 'skipped: backup failed in run 1234', 'failed: exit code 1',
    'completed', 'running'. A completed run's summary is not a reason and is left out."""
    status = run.status.value
    if run.status in (RunStatus.COMPLETED, RunStatus.RUNNING, RunStatus.PENDING):
        return status
    reason = run_reason(run, width=width)
    return f"{status}: {reason}" if reason else status
