"""Short plain-text descriptions of tasks and runs, for the model to read and for chat replies.

Text is plain (no markup); connectors escape it for their platform. Times are shown in the
person's zone, compactly ("Mon 12 Jan 09:00"), with the year only when it isn't this year.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from scheduler.durations import format_duration
from scheduler.models import Run, Task

VIA_NAMES = {"cli": "the terminal chat", "slack": "Slack", "telegram": "Telegram", "web": "the web app",
             "email": "email"}


def short_when(instant: datetime | None, zone: str | ZoneInfo, *, now: datetime | None = None) -> str:
    if instant is None:
        return "never"
    tz = ZoneInfo(zone) if isinstance(zone, str) else zone
    local = instant.astimezone(tz)
    text = f"{local:%a} {local.day} {local:%b %H:%M}"
    if now is not None and local.year != now.astimezone(tz).year:
        text = f"{local:%a} {local.day} {local:%b %Y %H:%M}"
    return text


def schedule_summary(task: Task) -> str:
    """How a task is triggered, in words; the parser's cron wording where it has one."""
    parts: list[str] = []
    for trigger in task.triggers:
        data: dict[str, Any] = trigger.model_dump()
        kind = data.get("kind")
        if kind == "cron":
            from scheduler.phrases.cronexpr import describe_cron

            parts.append(describe_cron(data["expression"]))
        elif kind == "interval":
            parts.append(f"every {format_duration(data['every'])}")
        elif kind == "once":
            parts.append(f"once on {short_when(data['at'], task.timezone)}")
        elif kind == "rrule":
            parts.append(f"rule {data['rule']}")
        elif kind == "event":
            parts.append(f"on event '{data['event']}'")
        else:
            parts.append(str(kind))
    if not parts:
        return "no schedule (runs when asked)"
    return "; ".join(parts) + f", {task.timezone}"


def action_summary(task: Task) -> str:
    action: dict[str, Any] = task.action.model_dump()
    kind = action.get("kind")
    if kind == "reminder":
        return f"reminds: {clip(action['message'], 80)}"
    if kind == "shell":
        return "runs: " + clip(" ".join(action["argv"]), 80)
    if kind == "http":
        return f"{action['method']} {clip(action['url'], 80)}"
    if kind == "sql":
        return f"SQL on {action['database']}: {clip(action['statement'], 60)}"
    if kind == "ai":
        return "AI: " + clip(action.get("template") or action["prompt"], 80)
    return str(kind)


def clip(text: str, width: int = 60) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def task_line(task: Task, next_fire: datetime | None, *, zone: str, now: datetime) -> str:
    status = task.status.value if task.enabled else "disabled"
    upcoming = f"next {short_when(next_fire, zone, now=now)}" if next_fire else "no next fire"
    return (f"#{task.task_id} '{task.name}' — {schedule_summary(task)}; {action_summary(task)}; "
            f"{status}; {upcoming}")


def conversation_text(origin: dict[str, Any]) -> str:
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


def provenance(task: Task, *, viewer: str | None = None) -> str:
    """'created by you in Slack (C1) on 26 Nov from "remind me every Monday…"'."""
    origin = task.origin or {}
    who = "you" if viewer is not None and viewer == task.owner else task.owner
    when = short_when(task.created_at, task.timezone)
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


def run_line(run: Run, *, zone: str, now: datetime) -> str:
    when = short_when(run.started_at or run.scheduled_for or run.created_at, zone, now=now)
    detail = run.error or ((run.result or {}).get("summary") if run.result else None) or ""
    took = ""
    if run.duration is not None:
        took = f" in {run.duration.total_seconds():.1f}s"
    text = f"run {run.run_id} of '{run.task_name or run.task_id}': {run.status.value} {when}{took}"
    return text + (f" — {clip(detail, 100)}" if detail else "")
