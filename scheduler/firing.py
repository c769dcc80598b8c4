"""What a due fire turns into: the misfire and overlap policies as pure functions of
(task, due fire, now, what is in flight). The engine records and launches what this plans."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .models import MisfirePolicy, OverlapPolicy, RunReason, RunStatus, Task
from .schedule import Schedule
from .store.records import OVERLOADED, NewRun
from .triggers import iter_fires, next_fire_of_all

MISSED_SCAN_LIMIT = 1000  # fires enumerated after an outage; beyond this we only say "at least"
RUN_ALL_CAP = 100


@dataclass(slots=True)
class FirePlan:
    last_fire: datetime  # the latest fire planned: the task's cursor moves to it
    runs: list[NewRun] = field(default_factory=list)
    next_fire_at: datetime | None = None
    starts: int = 0  # runs planned to start now (status running)
    queued: bool = False


def _fmt(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%d %H:%M:%S UTC")


def _fires(count: str) -> str:
    return "fire" if count == "1" else "fires"  # count may be "500+"


def plan_fires(
    task: Task | Schedule,
    *,
    due_at: datetime,
    now: datetime,
    in_flight: int,
    queued: bool,
    worker_id: str,
    lease_until: datetime,
    allow_cap: int,
    shed_before: datetime | None = None,
) -> FirePlan:
    """Plan the runs for every fire of ``task`` from ``due_at`` up to ``now``.

    Fires later than the grace time are misfires and follow the misfire policy; the others are
    on time and follow the overlap policy against ``in_flight`` runs of this task. With
    ``shed_before`` (the engine is overloaded), an on-time fire scheduled before it is shed: a
    skipped run saying so, one per fire, so what does run is not made late by what can't."""
    zone = task.zone
    fires = [due_at]
    following = next_fire_of_all(task.triggers, due_at, zone)
    if following is None or following > now:  # one fire
        truncated = False
        if (in_flight == 0 and not queued and now - due_at <= task.misfire_grace
                and (shed_before is None or due_at >= shed_before)):
            # The common case, on time with nothing running: it starts (planned directly,
            # this runs for every fire).
            run = NewRun(task_id=task.task_id, status=RunStatus.RUNNING, reason=RunReason.SCHEDULE,
                         due_at=due_at, scheduled_for=due_at, started_at=now,
                         lease_owner=worker_id, lease_expires_at=lease_until, overlap=task.overlap)
            return FirePlan(runs=[run], next_fire_at=following, starts=1, last_fire=due_at)
    else:
        for fire in iter_fires(task.triggers, due_at, zone, until=now):
            fires.append(fire)
            if len(fires) >= MISSED_SCAN_LIMIT:
                break
        truncated = len(fires) >= MISSED_SCAN_LIMIT
        following = next_fire_of_all(task.triggers, now if truncated else fires[-1], zone)
    plan = FirePlan(next_fire_at=following, last_fire=fires[-1])

    # Only the latest fire of a batch can be on time. Every earlier one came due while nothing
    # fired it (a later fire is already due), so it is a missed fire and follows the misfire
    # policy (run_all runs each, up to the cap), even within the grace: it never overlapped
    # the run the latest fire starts, and recording it as "skipped: overlap" would misname it.
    latest_on_time = not truncated and now - fires[-1] <= task.misfire_grace
    late = fires[:-1] if latest_on_time else fires
    on_time = fires[-1:] if latest_on_time else []
    if late:
        plan.runs.extend(_misfire_runs(task, late, truncated=truncated, now=now, overloaded=shed_before is not None))
    for fire in on_time:
        if shed_before is not None and fire < shed_before:
            plan.runs.append(shed_run(task.task_id, fire))
            continue
        run = _on_time_run(
            task, fire, in_flight=in_flight + plan.starts, queued=queued or plan.queued,
            worker_id=worker_id, lease_until=lease_until, now=now, allow_cap=allow_cap,
        )
        if run.status == RunStatus.RUNNING:
            plan.starts += 1
        elif run.status == RunStatus.PENDING:
            plan.queued = True
        plan.runs.append(run)
    return plan


def shed_run(task_id: int, fire: datetime) -> NewRun:
    """The row of a fire an overloaded engine drops (``sqlite_fast``/``pg_fast`` write these
    in a compact form: only the task and the fire time vary)."""
    return NewRun(task_id=task_id, status=RunStatus.SKIPPED, reason=RunReason.SCHEDULE,
                  due_at=fire, scheduled_for=fire, message=OVERLOADED)


def _misfire_runs(
    task: Task | Schedule, late: list[datetime], *, truncated: bool, now: datetime, overloaded: bool = False,
) -> list[NewRun]:
    """The runs for fires missed. ``overloaded``: the engine is up but shedding, and left these
    fires unplanned until a later one came due (one row for them all), so they are said to be
    missed for that, not while offline."""
    count = f"{len(late)}{'+' if truncated else ''}"
    why = OVERLOADED if overloaded else "missed while offline"
    span = f"between {_fmt(late[0])} and {_fmt(late[-1])}" if len(late) > 1 else f"at {_fmt(late[0])}"
    policy = task.misfire_policy

    def skipped(scheduled_for: datetime, message: str) -> NewRun:
        return NewRun(task_id=task.task_id, status=RunStatus.SKIPPED, reason=RunReason.SCHEDULE,
                      due_at=scheduled_for, scheduled_for=scheduled_for, message=message)

    def catch_up(scheduled_for: datetime) -> NewRun:
        return NewRun(task_id=task.task_id, status=RunStatus.PENDING, reason=RunReason.CATCH_UP,
                      due_at=now, scheduled_for=scheduled_for)

    if policy == MisfirePolicy.SKIP:
        return [skipped(late[-1], f"{why}: {count} {_fires(count)} {span}")]
    if policy == MisfirePolicy.RUN_ONCE:
        return [catch_up(late[-1])]
    runs = [catch_up(f) for f in late[:RUN_ALL_CAP]]
    if len(late) > RUN_ALL_CAP:
        rest = f"{len(late) - RUN_ALL_CAP}{'+' if truncated else ''}"
        runs.append(
            skipped(late[-1], f"{why}: {rest} {_fires(rest)} beyond the {RUN_ALL_CAP} "
                              f"caught up, up to {_fmt(late[-1])}")
        )
    return runs


def _on_time_run(
    task: Task | Schedule,
    fire: datetime,
    *,
    in_flight: int,
    queued: bool,
    worker_id: str,
    lease_until: datetime,
    now: datetime,
    allow_cap: int,
) -> NewRun:
    # A start or a queued fire is planned from this engine's runs only: the database decides it
    # again against every engine's (``overlap`` set: store/overlap.py). A skip stands.
    def running() -> NewRun:
        return NewRun(task_id=task.task_id, status=RunStatus.RUNNING, reason=RunReason.SCHEDULE,
                      due_at=fire, scheduled_for=fire, started_at=now,
                      lease_owner=worker_id, lease_expires_at=lease_until, overlap=task.overlap)

    def skipped(message: str) -> NewRun:
        return NewRun(task_id=task.task_id, status=RunStatus.SKIPPED, reason=RunReason.SCHEDULE,
                      due_at=fire, scheduled_for=fire, message=message)

    if in_flight == 0:
        return running()
    if task.overlap == OverlapPolicy.SKIP:
        return skipped("skipped: overlap (the previous run was still running)")
    if task.overlap == OverlapPolicy.QUEUE:
        if queued:
            return skipped("skipped: overlap (one run is already queued)")
        return NewRun(task_id=task.task_id, status=RunStatus.PENDING, reason=RunReason.SCHEDULE,
                      due_at=fire, scheduled_for=fire, message=None, overlap=task.overlap)
    if in_flight < allow_cap:
        return running()
    return skipped(f"skipped: overlap ({in_flight} runs already running, the cap is {allow_cap})")
