"""Overlap policies held by the database, not by each engine's memory.

An engine plans a fire from what it knows (its own runs). Other engines (or a CLI) may be running
the same task, so the transaction that records the fire decides again, from the task's live run
rows (``ix_runs_live``, migration 0017):

- ``skip``: a fire while a run of the task is running is recorded ``skipped`` with the reason
  (which run, on which engine);
- ``queue``: it waits as a ``pending`` run if none waits yet, else it is skipped; pending runs
  of a task are claimed one at a time, the earliest first (``first_pending``), and a new fire
  never starts ahead of a waiting one;
- ``allow``: at most the cap run at once, counted over every engine.

A retry or manual run already due goes before a new fire under ``skip`` (the fire is skipped)
and ``queue`` (the fire queues behind it): the claim takes a task's pending run only while the
task runs nothing, and regular runs that end in the pass that starts the next fire never gave
it that moment.

Two transactions must not decide for the same task at once. On SQLite the write lock
(``BEGIN IMMEDIATE``) already serializes them. On PostgreSQL each takes the task rows' locks
(``lock_tasks``): the fire recorder waits for them, in task order, before anything else in its
transaction (so two recorders never deadlock); claims take them with ``SKIP LOCKED`` and leave a
busy task to a later pass. The rows are then read by a later statement, whose snapshot sees what
the previous holder committed.

A fire recorded ahead of its time (``EngineOptions.record_ahead``) whose task is busy is not
decided early: it is handed back (``held``) and decided when it is due.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from ..models import OverlapPolicy, RunReason, RunStatus
from .records import NewRun
from .tables import LIVE_RUNS, runs, tasks

ALREADY_QUEUED = "skipped: overlap (one run is already queued)"

# ``due``: a pending run other than a queued fire (a retry, a manual run) whose time has come.
_LIVE_SQLITE = (  # the index named: without statistics SQLite would read every running run
    "SELECT task_id, run_id, status, reason, lease_owner, due_at <= ?2 FROM runs INDEXED BY ix_runs_live "
    "WHERE task_id IN (SELECT value FROM json_each(?1)) AND (status = 'running' OR status = 'pending')"
)
_LIVE_PG = (
    "SELECT task_id, run_id, status, reason, lease_owner, due_at <= %s FROM runs "
    "WHERE task_id = ANY(string_to_array(%s, ',')::int[]) AND (status = 'running' OR status = 'pending')"
)
# NO KEY UPDATE: deciders exclude each other, but a run inserted for the task (its foreign key
# takes KEY SHARE on the task row) doesn't wait for them.
_LOCK_PG = ("SELECT task_id FROM tasks WHERE task_id = ANY(string_to_array(%s, ',')::int[]) "
            "ORDER BY task_id FOR NO KEY UPDATE")
_LOCK_PG_SKIP = _LOCK_PG + " SKIP LOCKED"
_LOCK_PG_ALL = f"SELECT count(*) FROM ({_LOCK_PG}) AS locked"  # all of them: no rows to send back


class _Live:
    """A task's live runs as the database has them: running (id, holder), queued fires, and
    the first other pending run already due (a retry, a manual run), which goes before a new
    fire."""

    __slots__ = ("due", "queued", "running")

    def __init__(self) -> None:
        self.running: list[tuple[int | None, str | None]] = []
        self.queued = 0
        self.due: int | None = None


def _id_list(ids: Iterable[int]) -> str:
    """Ids as one text parameter (``string_to_array`` on the server): psycopg's dump of an int
    array costs about a microsecond an element, as much as the rest of the decision."""
    return ",".join(map(str, ids))


def _psycopg(conn: sa.Connection) -> bool:
    """Is ``conn`` PostgreSQL through psycopg (arrays bound as such)? Statements still go through
    SQLAlchemy (``exec_driver_sql``), so a deadlock or a lost connection is its
    ``OperationalError`` like any other (the engine retries the pass)."""
    return conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg"


def lock_tasks(conn: sa.Connection, task_ids: Iterable[int], *, skip_locked: bool = False) -> set[int]:
    """PostgreSQL: lock the rows of ``task_ids`` for this transaction, in task order; with
    ``skip_locked`` only those free now. Returns the ids locked. SQLite: nothing to do (the
    write lock is held), all of them."""
    ids = sorted(set(task_ids))
    if not ids or conn.dialect.name == "sqlite":
        return set(ids)
    if _psycopg(conn):
        if not skip_locked:
            conn.exec_driver_sql(_LOCK_PG_ALL, (_id_list(ids),))
            return set(ids)
        return {row[0] for row in conn.exec_driver_sql(_LOCK_PG_SKIP, (_id_list(ids),))}
    query = (sa.select(tasks.c.task_id).where(tasks.c.task_id.in_(ids)).order_by(tasks.c.task_id)
             .with_for_update(skip_locked=skip_locked, key_share=True))
    return set(conn.execute(query).scalars())


def live_runs(conn: sa.Connection, task_ids: Iterable[int], *, now: datetime) -> dict[int, _Live]:
    """The running runs, the queued fires (pending, reason schedule) and the first other
    pending run due by ``now`` of ``task_ids``."""
    ids = list(set(task_ids))
    live: dict[int, _Live] = {}
    if not ids:
        return live
    if conn.dialect.name == "sqlite":
        from .sqlite_fast import driver, stored_time

        rows: Any = driver(conn).execute(_LIVE_SQLITE, (json.dumps(ids), stored_time(now)))
    elif _psycopg(conn):
        rows = conn.exec_driver_sql(_LIVE_PG, (now.astimezone(UTC).replace(tzinfo=None), _id_list(ids)))
    else:
        rows = conn.execute(
            sa.select(runs.c.task_id, runs.c.run_id, runs.c.status, runs.c.reason, runs.c.lease_owner,
                      runs.c.due_at <= now)
            .where(runs.c.task_id.in_(ids), LIVE_RUNS)
        )
    for task_id, run_id, status, reason, owner, due in rows:
        entry = live.get(task_id)
        if entry is None:
            entry = live[task_id] = _Live()
        if status == "running":
            entry.running.append((run_id, owner))
        elif reason == RunReason.SCHEDULE.value:
            entry.queued += 1
        elif due and (entry.due is None or run_id < entry.due):
            entry.due = run_id
    return live


def _skip(fire: NewRun, message: str) -> None:
    fire.status, fire.message = RunStatus.SKIPPED, message
    fire.started_at = fire.lease_owner = fire.lease_expires_at = None


def _blocker(fire: NewRun, running: list[tuple[int | None, str | None]]) -> str:
    run_id, owner = running[0]
    where = f" on {owner}" if owner and owner != fire.lease_owner else ""
    return f"skipped: overlap (run {run_id} of this task was still running{where})"


def gate(conn: sa.Connection, fires: Sequence[NewRun], *, now: datetime, allow_cap: int) -> list[NewRun]:
    """Decide the fires that carry an overlap policy against the tasks' live runs in the
    database (the caller holds the tasks' locks: ``lock_tasks``), in batch order. A fire may
    become ``skipped`` (with the reason) or ``pending`` (queued); a fire due after ``now``
    whose task is busy is ``held`` and left out. Returns the fires to record."""
    gated = [f for f in fires if f.overlap is not None]
    if not gated:
        return list(fires)
    live = live_runs(conn, {f.task_id for f in gated}, now=now)
    held = False
    first: dict[int, NewRun] = {}  # the first fire of an idle task stands: nothing to build for it
    for fire in gated:
        entry = live.get(fire.task_id)
        if entry is None:
            prior = first.get(fire.task_id)
            if prior is None:
                first[fire.task_id] = fire
                continue
            entry = live[fire.task_id] = _Live()  # a second fire of it in this batch
            if prior.status is RunStatus.RUNNING:
                entry.running.append((None, prior.lease_owner))
            elif prior.status is RunStatus.PENDING:
                entry.queued += 1
        policy = fire.overlap
        if fire.status is RunStatus.PENDING:  # queued by its engine: one may wait
            if entry.queued:
                _skip(fire, ALREADY_QUEUED)
            else:
                entry.queued += 1
            continue
        if fire.status is not RunStatus.RUNNING:
            continue
        limit = allow_cap if policy is OverlapPolicy.ALLOW else 1
        # A retry or manual run already due goes first: started now, the fire would leave it
        # waiting for an idle moment that back-to-back runs never give (``first_pending``).
        waits = entry.due is not None and policy is not OverlapPolicy.ALLOW
        if len(entry.running) < limit and not (policy is OverlapPolicy.QUEUE and entry.queued) and not waits:
            entry.running.append((None, fire.lease_owner))
            continue
        if fire.started_at is not None and fire.started_at > now:
            fire.held = held = True  # decided at its time, not ahead of it
        elif policy is OverlapPolicy.QUEUE:
            if entry.queued:
                _skip(fire, ALREADY_QUEUED)
            else:
                entry.queued += 1
                fire.status = RunStatus.PENDING
                fire.started_at = fire.lease_owner = fire.lease_expires_at = None
        elif policy is OverlapPolicy.ALLOW:
            _skip(fire, f"skipped: overlap ({len(entry.running)} runs already running, the cap is {allow_cap})")
        elif entry.running:
            _skip(fire, _blocker(fire, entry.running))
        else:
            _skip(fire, f"skipped: overlap (run {entry.due} of this task was due and starts first)")
    return [f for f in fires if not f.held] if held else list(fires)


def first_pending(conn: sa.Connection, task_ids: Iterable[int], *, now: datetime) -> dict[int, int]:
    """For each of ``task_ids`` with nothing running: its first pending run due by ``now``
    (earliest due, then oldest), which is the only one of the task that may be claimed."""
    ids = list(set(task_ids))
    if not ids:
        return {}
    # LIVE_RUNS in so many words: SQLite uses a partial index only when the query repeats its
    # condition.
    running = sa.select(runs.c.task_id).where(LIVE_RUNS, sa.text("status = 'running'"), runs.c.task_id.in_(ids))
    query = (
        sa.select(runs.c.run_id, runs.c.task_id)
        .where(LIVE_RUNS, sa.text("status = 'pending'"), runs.c.due_at <= now, runs.c.task_id.in_(ids),
               runs.c.task_id.notin_(running.scalar_subquery()))
        .order_by(runs.c.due_at, runs.c.run_id)
    )
    first: dict[int, int] = {}
    for run_id, task_id in conn.execute(query):
        first.setdefault(task_id, run_id)
    return first
