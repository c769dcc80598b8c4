"""Which runs are stuck: ``cronpilot status``'s answer, from the live run rows alone.

A run is stuck when nothing in the house will move it on by itself:

- **running, its lease over** for longer than ``STUCK_AFTER``: its engine stopped renewing it
  (died) and no engine has recovered it (an engine ends a dead one's runs at once on its own
  machine, at the lease's end elsewhere: a minute later, none is doing it);
- **running past its timeout** by more than ``STUCK_AFTER``: the engine should have ended it;
- **pending, due more than ``STUCK_AFTER`` ago** and still not claimed, when
  - its task runs nothing: no engine claims it (none running, or its claims fail);
  - it waits behind a run of its task that is itself stuck (a run that never ends);
  - it waits behind a run that started *after* it was due: it was overtaken (with ``skip`` and
    ``queue`` a due retry goes before the next fire, ``store/overlap.py``; an ``allow`` task's
    fires start beside it, and back to back they never leave it the idle task it waits for).

Not stuck: a run pending before its due time (a retry waiting out its backoff), and one due
that waits behind a run started before it was due (a queued fire behind a long run; the run's
own timeout bounds the wait, and once past it, that run is stuck and so is the wait).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .models import RunStatus
from .store.worker_store import LiveRun

STUCK_AFTER = timedelta(minutes=1)


@dataclass(frozen=True)
class StuckRun:
    run_id: int
    task_id: int
    task_name: str
    status: RunStatus
    reason: str  # why the run exists (schedule, retry, manual...)
    attempt: int
    since: datetime  # due (pending) or started (running)
    why: str  # one line: why nothing moves it on

    def as_dict(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in vars(self).items()}


def ago_text(delta: timedelta) -> str:
    """A duration as status lines say it: '45 s', '12 min', '5 h', '3 d'."""
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 172_800:
        return f"{seconds // 3600} h"
    return f"{seconds // 86_400} d"


def _running_why(run: LiveRun, timeout: timedelta | None, now: datetime) -> str | None:
    """Why a running run is stuck, or None."""
    if run.lease_expires_at is not None and run.lease_expires_at < now - STUCK_AFTER:
        return (f"its lease on {run.lease_owner or 'an engine'} ended {ago_text(now - run.lease_expires_at)} ago "
                "and no engine recovered it (is an engine running?)")
    if run.started_at is not None and timeout is not None and run.started_at + timeout < now - STUCK_AFTER:
        return f"running for {ago_text(now - run.started_at)}, past its timeout of {ago_text(timeout)}"
    return None


def find_stuck(
    live: list[LiveRun], *, now: datetime, timeout_of: Callable[[int], timedelta | None],
    engine_running: bool,
) -> list[StuckRun]:
    """The stuck runs among ``live`` (every running run, and pending ones due by
    ``now - STUCK_AFTER``); ``timeout_of(task_id)`` is the task's timeout (None: unknown)."""
    stuck: list[StuckRun] = []
    running: dict[int, list[LiveRun]] = {}
    stuck_running: dict[int, str] = {}
    for run in live:
        if run.status is not RunStatus.RUNNING:
            continue
        running.setdefault(run.task_id, []).append(run)
        why = _running_why(run, timeout_of(run.task_id), now)
        if why is not None:
            stuck_running[run.run_id] = why
            stuck.append(_stuck(run, run.started_at or run.due_at, why))
    for run in live:
        if run.status is not RunStatus.PENDING or run.due_at > now - STUCK_AFTER:
            continue
        due = f"due {ago_text(now - run.due_at)} ago"
        ahead = running.get(run.task_id, [])
        if not ahead:
            cause = "" if engine_running else ": no engine is running"
            stuck.append(_stuck(run, run.due_at, f"{due} and not claimed{cause}"))
            continue
        blocker = next((r for r in ahead if r.run_id in stuck_running), None)
        if blocker is not None:
            stuck.append(_stuck(run, run.due_at, f"{due}, waits behind run {blocker.run_id}, which is stuck"))
            continue
        late = [r for r in ahead if r.started_at is not None and r.started_at > run.due_at]
        if late:
            stuck.append(_stuck(run, run.due_at, f"{due}, overtaken: run {late[0].run_id} of its task started "
                                                 "after it was due"))
    return stuck


def _stuck(run: LiveRun, since: datetime, why: str) -> StuckRun:
    return StuckRun(run.run_id, run.task_id, run.task_name, run.status, run.reason, run.attempt, since, why)
