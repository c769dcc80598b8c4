"""Read-only tools about tasks: list them, describe one (with next fires and where it came
from), and preview what a time phrase means before anything is created."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from scheduler.durations import parse_duration
from scheduler.errors import InvalidRequest
from scheduler.models import TaskStatus
from scheduler.phrases import parse_schedule, preview
from scheduler.wording import count_text, provenance, time_text

from .context import ToolContext
from .describe import run_line, task_line
from .lookup import resolve_task


class ListTasksArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["active", "paused", "pending_approval"] | None = Field(
        default=None, description="Only tasks in this state.")
    search: str | None = Field(default=None, description="Only tasks whose name contains this.")


class DescribeTaskArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    task: str = Field(description="Task id or name.")


class PreviewScheduleArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    phrase: str = Field(description="A time phrase as the person said it.")
    count: int = Field(default=5, ge=1, le=20)


def list_tasks(ctx: ToolContext, args: ListTasksArgs) -> str:
    """List the person's tasks with their schedule, state and next fire time."""
    status = TaskStatus(args.status) if args.status else None
    tasks = ctx.service.list_tasks(actor=ctx.actor, status=status, search=args.search)
    if not tasks:
        return "No tasks" + (f" that are {args.status}" if args.status else "") + " yet."
    lines = []
    for task in tasks[:50]:
        fires = ctx.service.next_fires(task, count=1)
        lines.append(task_line(task, fires[0] if fires else None, zone=ctx.timezone, now=ctx.now))
        if task.status == TaskStatus.PENDING_APPROVAL:
            ctx.offer(f"Approve #{task.task_id}", "approve", task.task_id)
    more = f"\n…and {len(tasks) - 50} more" if len(tasks) > 50 else ""
    return f"{count_text(len(tasks), 'task')}:\n" + "\n".join(lines) + more


def describe_task(ctx: ToolContext, args: DescribeTaskArgs) -> str:
    """Describe one task: schedule, action, state, where it came from, next fire times and its
    last runs."""
    task = resolve_task(ctx, args.task)
    fires = ctx.service.next_fires(task, count=5)
    lines = [task_line(task, fires[0] if fires else None, zone=ctx.timezone, now=ctx.now),
             _sentence(provenance(task, viewer=ctx.actor.user, viewer_zone=ctx.timezone, now=ctx.now))]
    if task.action.kind == "workflow":
        steps = [t.name for t in ctx.service.list_tasks(actor=ctx.actor) if t.workflow_id == task.task_id]
        lines.append("Steps: " + ", ".join(steps))
    if fires:
        # In the task's zone, named once when it isn't the reader's.
        label = f" ({task.timezone})" if task.timezone != ctx.timezone else ""
        lines.append(f"Next fires{label}: " + ", ".join(time_text(f, task.timezone, now=ctx.now) for f in fires))
    if task.status == TaskStatus.PENDING_APPROVAL:
        lines.append("Waiting for a person's approval.")
    if task.approved_by:
        lines.append(f"Approved by {task.approved_by}.")
    runs = ctx.service.list_runs(actor=ctx.actor, task=str(task.task_id), limit=3)
    lines.extend("Recent: " + run_line(r, zone=ctx.timezone, now=ctx.now) for r in runs)
    return "\n".join(lines)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def preview_schedule(ctx: ToolContext, args: PreviewScheduleArgs) -> str:
    """Show how a time phrase is understood and its next fire times, without creating anything.
    Use it when the person's phrase might be ambiguous."""
    schedule = parse_schedule(args.phrase, zone=ctx.timezone, now=ctx.now, locale=ctx.locale)
    fires = preview(schedule, zone=ctx.timezone, after=ctx.now, count=args.count)
    text = f"'{args.phrase}' means {schedule.description}."
    if fires:
        text += " Next: " + ", ".join(time_text(f, ctx.timezone, now=ctx.now) for f in fires) + "."
    for note in schedule.notes:
        text += f" Note: {note}"
    return text


class UpcomingArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    period: str | None = Field(default=None, description="'today', 'tonight', 'tomorrow', 'this week', "
                                                         "'next week' or a duration such as '48h'; "
                                                         "default the next 24 hours.")


def upcoming(ctx: ToolContext, args: UpcomingArgs) -> str:
    """What fires in a coming period (in the person's zone), soonest first."""
    start, end, label = coming_range(args.period, zone=ctx.timezone, now=ctx.now)
    fires: list[tuple[datetime, str]] = []
    for task in ctx.service.list_tasks(actor=ctx.actor):
        for fire in ctx.service.next_fires(task, count=50, after=start):
            if fire >= end:
                break
            fires.append((fire, f"{time_text(fire, task.timezone, viewer_zone=ctx.timezone, now=ctx.now)}: '{task.name}' (#{task.task_id})"))
    if not fires:
        return f"Nothing is scheduled {label}."
    fires.sort()
    more = f"\n…and {len(fires) - 30} more" if len(fires) > 30 else ""
    return f"Scheduled {label}:\n" + "\n".join(line for _, line in fires[:30]) + more


def coming_range(period: str | None, *, zone: str, now: datetime) -> tuple[datetime, datetime, str]:
    """(start, end, label) of a coming period people name, in their zone."""
    local = now.astimezone(ZoneInfo(zone))
    midnight = datetime.combine(local.date(), time(0), tzinfo=local.tzinfo)
    text = " ".join((period or "").lower().split()).removeprefix("for ").removeprefix("on ")
    ranges = {
        "today": (now, midnight + timedelta(days=1), "for the rest of today"),
        "tonight": (now, midnight + timedelta(days=1, hours=6), "tonight"),
        "tomorrow": (midnight + timedelta(days=1), midnight + timedelta(days=2), "tomorrow"),
        "this week": (now, midnight + timedelta(days=7 - local.weekday()), "this week"),
        "next week": (midnight + timedelta(days=7 - local.weekday()),
                      midnight + timedelta(days=14 - local.weekday()), "next week"),
        "this weekend": (midnight + timedelta(days=max(5 - local.weekday(), 0)),
                         midnight + timedelta(days=7 - local.weekday()), "this weekend"),
    }
    if text in ranges:
        return ranges[text]
    if text:
        try:
            return now, now + parse_duration(text.removeprefix("next ")), f"in the next {text.removeprefix('next ')}"
        except InvalidRequest:
            pass
    return now, now + timedelta(hours=24), "in the next 24 hours"
