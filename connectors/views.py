"""Platform-neutral views of tasks and runs for the ``/tasks`` and ``/runs`` commands.

The service decides what a person may see; these only shape it for display (times in the
person's zone, one line of schedule, the buttons that fit the task's state). Slack renders them
as Block Kit, Telegram as HTML.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from agent.messages import ButtonAction
from scheduler.models import Run, Task, TaskStatus
from scheduler.service import Actor, Service
from scheduler.triggers import CronTrigger, IntervalTrigger, OnceTrigger, RRuleTrigger

STATUS_MARK = {
    "active": "🟢", "paused": "⏸️", "pending_approval": "⏳",
    "completed": "✅", "failed": "❌", "skipped": "⏭️", "retrying": "🔁",
    "running": "▶️", "pending": "🕒", "cancelled": "🚫",
}
BUTTON_ACTIONS = frozenset({"approve", "pause", "resume", "run_now"})


@dataclass(frozen=True)
class TaskView:
    task_id: int
    name: str
    status: str
    schedule: str
    next_fire: str | None
    kind: str
    buttons: tuple[ButtonAction, ...]


@dataclass(frozen=True)
class RunView:
    run_id: int
    task_name: str
    status: str
    when: str
    detail: str


def task_views(service: Service, actor: Actor, *, zone: str, limit: int = 20) -> tuple[list[TaskView], int]:
    """The first ``limit`` tasks ``actor`` may see, and how many there are in all."""
    tasks = service.list_tasks(actor=actor)
    views = []
    for task in tasks[:limit]:
        fires = service.next_fires(task, count=1)
        views.append(TaskView(
            task_id=task.task_id, name=task.name, status=task.status.value,
            schedule=schedule_text(task, zone), next_fire=when_text(fires[0], zone) if fires else None,
            kind=task.action.kind, buttons=task_buttons(task),
        ))
    return views, len(tasks)


def run_views(
    service: Service, actor: Actor, *, zone: str, task: str | None = None, limit: int = 10
) -> list[RunView]:
    runs = service.list_runs(actor=actor, task=task, limit=limit)
    return [_run_view(run, zone) for run in runs]


def task_buttons(task: Task) -> tuple[ButtonAction, ...]:
    """The buttons a task's state allows; whether the clicking person may use them is the
    service's call when the click arrives."""
    if task.status == TaskStatus.PENDING_APPROVAL:
        return (ButtonAction("Approve", "approve", task.task_id),)
    if task.status == TaskStatus.PAUSED:
        first = ButtonAction("Resume", "resume", task.task_id)
    else:
        first = ButtonAction("Pause", "pause", task.task_id)
    return (first, ButtonAction("Run now", "run_now", task.task_id))


def encode_button(button: ButtonAction) -> str:
    """``action:task_id``: short enough for Telegram's 64-byte callback data."""
    return f"{button.action}:{button.task_id}"


def decode_button(value: str, *, label: str = "") -> ButtonAction | None:
    """A button press read back; None for anything we didn't send (the value is untrusted)."""
    action, _, task_id = (value or "").partition(":")
    if action not in BUTTON_ACTIONS or not task_id.isdigit() or len(task_id) > 18:
        return None
    return ButtonAction(label or action, action, int(task_id))


def schedule_text(task: Task, zone: str) -> str:
    parts = []
    for trigger in task.triggers:
        if isinstance(trigger, CronTrigger):
            parts.append(f"cron {trigger.expression}")
        elif isinstance(trigger, IntervalTrigger):
            parts.append(f"every {_duration(trigger.every)}")
        elif isinstance(trigger, OnceTrigger):
            parts.append(f"once at {when_text(trigger.at, zone)}")
        elif isinstance(trigger, RRuleTrigger):
            parts.append(f"rule {trigger.rule}")
        else:  # event-driven kinds: their name says enough in a listing
            parts.append(f"on {trigger.kind} {getattr(trigger, 'event', '')}".rstrip())
    text = "; ".join(parts) or "on demand"
    return text if task.timezone in ("UTC", zone) or not task.triggers else f"{text} ({task.timezone})"


def when_text(instant: datetime, zone: str) -> str:
    return instant.astimezone(ZoneInfo(zone)).strftime("%a %d %b %H:%M %Z")


def _run_view(run: Run, zone: str) -> RunView:
    instant = run.finished_at or run.started_at or run.due_at
    detail = run.error or str((run.result or {}).get("summary") or "")
    duration = run.duration
    if duration is not None:
        detail = f"{detail} ({_duration(duration)})".strip()
    return RunView(
        run_id=run.run_id, task_name=run.task_name or f"task {run.task_id}", status=run.status.value,
        when=when_text(instant, zone), detail=_first_line(detail, 200),
    )


def _duration(value: timedelta) -> str:
    seconds = value.total_seconds()
    if seconds < 60:
        return f"{seconds:.3g} s"
    if seconds < 3600:
        return f"{seconds / 60:.3g} min"
    if seconds < 86400:
        return f"{seconds / 3600:.3g} h"
    return f"{seconds / 86400:.3g} d"


def _first_line(text: str, width: int) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= width else line[: width - 1] + "…"
