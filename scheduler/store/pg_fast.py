"""The engine's hot statements on PostgreSQL, straight through psycopg.

What made the Core path collapse under load was round trips and per-row work: ``executemany``
of one UPDATE per finished run and one INSERT per history row, a ``SELECT ... FOR UPDATE`` first,
then the dependents and outcome-event lookups, each its own round trip, all while the event
loop wanted the GIL. Here a batch is one statement per step, its rows sent as arrays and
unpacked by ``unnest`` on the server:

- fires: one statement inserts the runs (``ON CONFLICT DO NOTHING``: another engine may have
  recorded the same fire), their history rows and the tasks' cursors (data-modifying CTEs);
  rows go in key order, so two engines recording overlapping fires (engines that don't share
  the schedule, or the moment a partition changes hands) wait for each other in one order.
  That removes one deadlock, not all: an engine's outcome update of a fire's run still holds
  that key while a lagging engine inserts the same fire. Such a deadlock is rolled back and
  retried (``base._away``); with the schedule shared (``scheduler/sharing.py``) engines don't
  record the same fires and it doesn't arise (2 engines repeating the schedule at 3,000
  fires/s deadlocked within seconds: bench/RESULTS.md);
- outcomes: one statement updates the runs still held by this engine under its lease (the
  ownership check is the UPDATE's WHERE, so no separate locking read), adds their history rows
  and says whether anything is downstream (dependents, outcome listeners).

Statements are plain text with the same shape every time, so psycopg prepares them after a few
uses; behind a transaction pooler (PgBouncer, Supavisor) the engine is created with
``prepare_threshold=None`` instead (``dialect.create_engine``). Timestamps go in as naive UTC,
as ``UTCDateTime`` stores them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from ..lazy import lazy_module
from .records import NewRun, RunOutcome

if TYPE_CHECKING:
    import psycopg
else:
    psycopg = lazy_module("psycopg")  # PostgreSQL only: not imported on SQLite

_RECORD_FIRES = """
WITH v AS (
    SELECT * FROM unnest(
        %(task_id)s::int[], %(status)s::text[], %(reason)s::text[], %(attempt)s::int[],
        %(scheduled_for)s::timestamp[], %(due_at)s::timestamp[], %(started_at)s::timestamp[],
        %(lease_owner)s::text[], %(lease_expires_at)s::timestamp[], %(error)s::text[],
        %(retry_of)s::int[], %(workflow_run_id)s::int[], %(caused_by_run_id)s::int[],
        %(chain_depth)s::int[], %(event)s::text[], %(context)s::text[]
    ) AS v(task_id, status, reason, attempt, scheduled_for, due_at, started_at, lease_owner,
           lease_expires_at, error, retry_of, workflow_run_id, caused_by_run_id, chain_depth, event, context)
), ins AS (
    INSERT INTO runs (task_id, status, reason, attempt, scheduled_for, due_at, created_at, started_at,
                      finished_at, lease_owner, lease_expires_at, cancel_requested, retry_of, error,
                      workflow_run_id, caused_by_run_id, chain_depth, event, context)
    SELECT task_id, status, reason, attempt, scheduled_for, due_at, %(now)s, started_at,
           CASE WHEN status IN ('pending', 'running') THEN NULL ELSE %(now)s::timestamp END,
           lease_owner, lease_expires_at, false, retry_of, error, workflow_run_id, caused_by_run_id,
           chain_depth, event, context::json
    FROM v ORDER BY task_id, scheduled_for, attempt
    ON CONFLICT (task_id, scheduled_for, attempt) DO NOTHING
    RETURNING run_id, task_id, scheduled_for, attempt, status, error
), history AS (
    INSERT INTO run_events (run_id, status, at, message) SELECT run_id, status, %(now)s, error FROM ins
), cursors AS (
    UPDATE tasks SET last_fire_at = c.fire
    FROM unnest(%(cursor_task)s::int[], %(cursor_fire)s::timestamp[]) AS c(task_id, fire)
    WHERE tasks.task_id = c.task_id AND (tasks.last_fire_at IS NULL OR tasks.last_fire_at < c.fire)
)
SELECT run_id, task_id, scheduled_for, attempt FROM ins
"""

_FINISH = """
WITH v AS (
    SELECT * FROM unnest(
        %(run_id)s::int[], %(status)s::text[], %(finished_at)s::timestamp[], %(stdout)s::text[],
        %(stderr)s::text[], %(result)s::text[], %(error)s::text[], %(traceback)s::text[],
        %(log_path)s::text[], %(started_at)s::timestamp[]
    ) AS v(run_id, status, finished_at, stdout, stderr, result, error, traceback, log_path, started_at)
), ended AS (
    UPDATE runs SET status = v.status, finished_at = v.finished_at, stdout = v.stdout,
        stderr = v.stderr, result = v.result::json, error = v.error, traceback = v.traceback,
        log_path = v.log_path, started_at = COALESCE(v.started_at, runs.started_at),
        lease_owner = NULL, lease_expires_at = NULL
    FROM v
    WHERE runs.run_id = v.run_id AND runs.lease_owner = %(owner)s AND runs.status = 'running'
    RETURNING runs.run_id, v.status, v.finished_at, v.error
), history AS (
    INSERT INTO run_events (run_id, status, at, message) SELECT run_id, status, finished_at, error FROM ended
)
SELECT (SELECT array_agg(run_id) FROM ended),
       EXISTS (SELECT 1 FROM dependencies WHERE predecessor_id = ANY(%(task_ids)s::int[])),
       EXISTS (SELECT 1 FROM task_events WHERE event LIKE 'task.%%')
"""


def driver(conn: sa.Connection) -> psycopg.Connection[Any]:
    """The psycopg connection under ``conn`` (its transaction is already open)."""
    raw = conn.connection.driver_connection
    assert isinstance(raw, psycopg.Connection)
    return raw


def _naive(value: datetime | None, seen: dict[datetime, datetime]) -> datetime | None:
    """Naive UTC, as ``UTCDateTime`` stores it; once per distinct instant of a batch."""
    if value is None:
        return None
    naive = seen.get(value)
    if naive is None:
        if value.tzinfo is None:
            raise ValueError("naive datetime reached the store")
        naive = seen[value] = value.astimezone(UTC).replace(tzinfo=None)
    return naive


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value)


def record_fires(conn: sa.Connection, fires: Sequence[NewRun], now: datetime) -> list[NewRun]:
    """Insert ``fires`` (a fire already recorded, by us or another engine, is left alone), with
    their first history row, and advance the tasks' cursors; give each inserted fire its id.
    Returns the inserted fires. One round trip."""
    seen: dict[datetime, datetime] = {}
    when = [_naive(f.scheduled_for, seen) for f in fires]
    cursors: dict[int, datetime] = {}
    for fire, at in zip(fires, when, strict=True):
        if at is not None:
            prev = cursors.get(fire.task_id)
            if prev is None or at > prev:
                cursors[fire.task_id] = at
    params = {
        "now": _naive(now, seen),
        "task_id": [f.task_id for f in fires],
        "status": [f.status.value for f in fires],
        "reason": [f.reason.value for f in fires],
        "attempt": [f.attempt for f in fires],
        "scheduled_for": when,
        "due_at": [_naive(f.due_at, seen) for f in fires],
        "started_at": [_naive(f.started_at, seen) for f in fires],
        "lease_owner": [f.lease_owner for f in fires],
        "lease_expires_at": [_naive(f.lease_expires_at, seen) for f in fires],
        "error": [f.message for f in fires],
        "retry_of": [f.retry_of for f in fires],
        "workflow_run_id": [f.workflow_run_id for f in fires],
        "caused_by_run_id": [f.caused_by_run_id for f in fires],
        "chain_depth": [f.chain_depth for f in fires],
        "event": [f.event for f in fires],
        "context": [_json(f.context) for f in fires],
        "cursor_task": sorted(cursors),
        "cursor_fire": [cursors[task_id] for task_id in sorted(cursors)],
    }
    rows = driver(conn).execute(_RECORD_FIRES, params).fetchall()
    if len(rows) == len(fires) and all(f.scheduled_for is not None for f in fires):
        by_key = {(f.task_id, at, f.attempt): f for f, at in zip(fires, when, strict=True)}
    else:  # some were there already; a fire without a time (never a schedule's) is matched in order
        by_key = {}
        for f, at in zip(fires, when, strict=True):
            by_key.setdefault((f.task_id, at, f.attempt), f)
    inserted = []
    for run_id, task_id, scheduled_for, attempt in rows:
        fire = by_key.pop((task_id, scheduled_for, attempt))
        fire.run_id = run_id
        inserted.append(fire)
    return inserted


def finish(
    conn: sa.Connection, outcomes: Sequence[RunOutcome], *, owner: str, clean: Any
) -> tuple[set[int], bool, bool]:
    """Write the outcomes of the runs ``owner`` still holds, with their history rows (no
    retries: those need the new rows' ids back, the Core path's job). Returns (the run ids
    written, any of their tasks has a dependent, anyone listens to task outcome events).
    One round trip."""
    seen: dict[datetime, datetime] = {}
    params = {
        "owner": owner,
        "run_id": [o.run_id for o in outcomes],
        "status": [o.status.value for o in outcomes],
        "finished_at": [_naive(o.finished_at, seen) for o in outcomes],
        "stdout": [clean(o.stdout) for o in outcomes],
        "stderr": [clean(o.stderr) for o in outcomes],
        "result": [_json(o.result) for o in outcomes],
        "error": [clean(o.error) for o in outcomes],
        "traceback": [o.traceback for o in outcomes],
        "log_path": [o.log_path for o in outcomes],
        "started_at": [_naive(o.started_at, seen) for o in outcomes],
        "task_ids": list({o.task_id for o in outcomes}),
    }
    row = driver(conn).execute(_FINISH, params).fetchone()
    assert row is not None
    ids, dependents, listeners = row
    return set(ids or ()), bool(dependents), bool(listeners)

