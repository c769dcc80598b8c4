"""Platform-neutral views of tasks and runs for the ``/tasks`` and ``/runs`` commands.

The service decides what a person may see; these only shape it for display, in
``scheduler.wording``'s words (the schedule as chat and the CLI say it, times labelled with their
zone when it isn't the person's), with the buttons that fit the task's state. Slack renders them
as Block Kit, Telegram as HTML.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from agent.messages import ButtonAction
from scheduler.models import Run, Task, TaskStatus
from scheduler.service import Actor, Service
from scheduler.wording import elapsed_text, run_reason, schedule_text, time_text

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
    """The first ``limit`` tasks ``actor`` may see, and how many there are in all; for a reader
    in ``zone``."""
    tasks = service.list_tasks(actor=actor)
    now = service.clock.now()
    views = []
    for task in tasks[:limit]:
        fires = service.next_fires(task, count=1)
        views.append(TaskView(
            task_id=task.task_id, name=task.name, status=task.status.value,
            schedule=schedule_text(task.triggers, task.timezone, now=now),
            next_fire=time_text(fires[0], task.timezone, viewer_zone=zone, now=now) if fires else None,
            kind=task.action.kind, buttons=task_buttons(task),
        ))
    return views, len(tasks)


def run_views(
    service: Service, actor: Actor, *, zone: str, task: str | None = None, limit: int = 10
) -> list[RunView]:
    runs = service.list_runs(actor=actor, task=task, limit=limit)
    now = service.clock.now()
    return [_run_view(run, zone, now) for run in runs]


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


def _run_view(run: Run, zone: str, now: datetime) -> RunView:
    instant = run.finished_at or run.started_at or run.due_at
    detail = run_reason(run)
    if run.duration is not None:
        detail = f"{detail} ({elapsed_text(run.duration)})".strip()
    return RunView(
        run_id=run.run_id, task_name=run.task_name or f"task {run.task_id}", status=run.status.value,
        when=time_text(instant, zone, now=now), detail=detail,
    )
