"""The lines tools answer with, for the model to read and for chat replies: one task, one run.

The words inside them (schedules, times, durations, statuses, actions) are ``scheduler.wording``'s,
shared with Slack, Telegram and the CLI. Text is plain (no markup); connectors escape it.
"""

from __future__ import annotations

from datetime import datetime

from scheduler.models import Run, RunStatus, Task
from scheduler.wording import action_text, clip, elapsed_text, run_outcome, schedule_text, time_text


def next_text(fire: datetime | None, task: Task, *, viewer_zone: str, now: datetime) -> str:
    """'next Mon 12 Jan 09:00': in the task's zone, labelled when that isn't the reader's."""
    if fire is None:
        return "no next fire"
    return "next " + time_text(fire, task.timezone, viewer_zone=viewer_zone, now=now)


def task_line(task: Task, next_fire: datetime | None, *, zone: str, now: datetime) -> str:
    """'#3 'backup' — every day at 02:00, Europe/Berlin; run: ./backup.sh; active; next …'
    for a reader in ``zone``."""
    status = task.status.value if task.enabled else "disabled"
    return (f"#{task.task_id} '{task.name}' — {schedule_text(task.triggers, task.timezone, now=now)}; "
            f"{clip(action_text(task.action), 80)}; {status}; "
            f"{next_text(next_fire, task, viewer_zone=zone, now=now)}")


def run_line(run: Run, *, zone: str, now: datetime) -> str:
    """'run 7 of 'backup', Mon 12 Jan 02:00: failed: exit code 1 (took 1.2 s)' for a reader in
    ``zone``; a completed run adds its summary ('— delivered')."""
    when = time_text(run.started_at or run.scheduled_for or run.created_at, zone, now=now)
    took = f" (took {elapsed_text(run.duration)})" if run.duration is not None else ""
    text = f"run {run.run_id} of '{run.task_name or run.task_id}', {when}: {run_outcome(run, width=100)}{took}"
    summary = (run.result or {}).get("summary") if run.status == RunStatus.COMPLETED else None
    return text + (f" — {clip(str(summary), 100)}" if summary else "")
