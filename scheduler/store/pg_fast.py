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
  and says whether anything is downstream (dependents, outcome listeners). The table's
  statistics are taken while nearly every run has ended and promise a handful of running rows,
  and a nested loop that trusted them scanned the running runs and compared each with every
  outcome of the batch (500 x 500 a batch at 4,000 fires/s: the finishing statement took 87 ms
  and the engine fell behind for good). For this one statement nested loops, sequential and
  bitmap scans are off: the batch is hashed against the running runs read through the status index, linear whatever the
  estimates. (Plain index scans, not bitmap ones, mark the entries of ended runs dead as they
  pass, so the running range doesn't make every pass read all the runs ended since the last
  vacuum.) Left to itself the planner also made, while the table was small, a generic plan
  that read and hashed the whole table every pass as it grew (730 us of server CPU a run at
  2,000 fires/s).

Most rows of a busy engine have one of three shapes, sent compactly (as ``sqlite_fast`` does):
a fire starting now (only its task, fire time and start time vary), a fire shed under overload
(task and fire time) and a run that completed with nothing captured (id and two times). Their
arrays go as array literals built with ``str.join`` (``{1,2,3}``, times as microseconds since
1970), which the server casts (``%s::int[]``): psycopg's own list adaptation is Python per
element and was the
largest client cost of a pass (about 4x the literal's, measured at 5,000 rows). Rows of any
other shape take the general arrays in the same statement.

Statements are plain text with the same shape every time, so psycopg prepares them after a few
uses; behind a transaction pooler (PgBouncer, Supavisor) the engine is created with
``prepare_threshold=None`` instead (``dialect.create_engine``). Timestamps go in as naive UTC,
as ``UTCDateTime`` stores them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from ..lazy import lazy_module
from ..models import RunStatus
from .records import OVERLOADED, NewRun, RunOutcome
from .sqlite_fast import is_shed, starts_lease, starts_now

if TYPE_CHECKING:
    import psycopg
else:
    psycopg = lazy_module("psycopg")  # PostgreSQL only: not imported on SQLite

_RECORD_FIRES = """
WITH v AS (
    SELECT task_id, 'running'::text AS status, 'schedule'::text AS reason, 1 AS attempt,
           _EPOCH_ + fire * _US_ AS scheduled_for, _EPOCH_ + fire * _US_ AS due_at,
           _EPOCH_ + started_us * _US_ AS started_at, %(owner)s::text AS lease_owner,
           %(lease)s::timestamp AS lease_expires_at, NULL::text AS error, NULL::int AS retry_of,
           NULL::int AS workflow_run_id, NULL::int AS caused_by_run_id, 0 AS chain_depth,
           NULL::text AS event, NULL::text AS context
    FROM unnest(%(s_task)s::int[], %(s_fire)s::bigint[], %(s_start)s::bigint[]) AS s(task_id, fire, started_us)
    UNION ALL
    SELECT task_id, 'skipped', 'schedule', 1, _EPOCH_ + fire * _US_, _EPOCH_ + fire * _US_, NULL, NULL, NULL,
           %(overloaded)s::text, NULL, NULL, NULL, 0, NULL, NULL
    FROM unnest(%(d_task)s::int[], %(d_fire)s::bigint[]) AS d(task_id, fire)
    UNION ALL
    SELECT * FROM unnest(
        %(task_id)s::int[], %(status)s::text[], %(reason)s::text[], %(attempt)s::int[],
        %(scheduled_for)s::timestamp[], %(due_at)s::timestamp[], %(started_at)s::timestamp[],
        %(lease_owner)s::text[], %(lease_expires_at)s::timestamp[], %(error)s::text[],
        %(retry_of)s::int[], %(workflow_run_id)s::int[], %(caused_by_run_id)s::int[],
        %(chain_depth)s::int[], %(event)s::text[], %(context)s::text[]
    )
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
    FROM (SELECT task_id, max(scheduled_for) AS fire FROM v WHERE scheduled_for IS NOT NULL GROUP BY task_id) AS c
    WHERE tasks.task_id = c.task_id AND (tasks.last_fire_at IS NULL OR tasks.last_fire_at < c.fire)
)
SELECT run_id, task_id, scheduled_for, attempt FROM ins
"""

_FINISH = """
WITH v AS (
    SELECT run_id, 'completed'::text AS status, _EPOCH_ + finished_us * _US_ AS finished_at, NULL::text AS stdout,
           NULL::text AS stderr, NULL::text AS result, NULL::text AS error, NULL::text AS traceback,
           NULL::text AS log_path, _EPOCH_ + started_us * _US_ AS started_at
    FROM unnest(%(q_run)s::int[], %(q_finished)s::bigint[], %(q_started)s::bigint[])
        AS q(run_id, finished_us, started_us)
    UNION ALL
    SELECT * FROM unnest(
        %(run_id)s::int[], %(status)s::text[], %(finished_at)s::timestamp[], %(stdout)s::text[],
        %(stderr)s::text[], %(result)s::text[], %(error)s::text[], %(traceback)s::text[],
        %(log_path)s::text[], %(started_at)s::timestamp[]
    )
), ended AS (
    UPDATE runs SET status = v.status, finished_at = v.finished_at, stdout = v.stdout,
        stderr = v.stderr, result = v.result::json, error = v.error, traceback = v.traceback,
        log_path = v.log_path, started_at = COALESCE(v.started_at, runs.started_at),
        lease_owner = NULL, lease_expires_at = NULL
    FROM v
    WHERE runs.run_id = v.run_id AND runs.lease_owner = %(owner)s AND runs.status = 'running'
    RETURNING runs.run_id, runs.task_id, v.status, v.finished_at, v.error
), history AS (
    INSERT INTO run_events (run_id, status, at, message) SELECT run_id, status, finished_at, error FROM ended
)
SELECT (SELECT array_agg(run_id) FROM ended),
       EXISTS (SELECT 1 FROM dependencies WHERE predecessor_id IN (SELECT task_id FROM ended)),
       EXISTS (SELECT 1 FROM task_events WHERE event LIKE 'task.%%')
"""
# The compact rows' times travel as whole microseconds since 1970 (``_micros``): formatting an
# ISO timestamp in Python took ~4 µs a value, the largest client cost of a busy pass, against
# ~0.7 µs for the integer. The server turns them back exactly (an interval times an integer
# below 2**53 is exact).
_RECORD_FIRES = _RECORD_FIRES.replace("_EPOCH_", "timestamp '1970-01-01'").replace("_US_", "interval '1 microsecond'")
_FINISH = _FINISH.replace("_EPOCH_", "timestamp '1970-01-01'").replace("_US_", "interval '1 microsecond'")

_EMPTY = "{}"
# Around the finishing statement only (see the module's docstring); ``true``: until the
# transaction ends at the latest, so this holds behind a transaction pooler too. The values in
# force before (an operator may have set one off) are kept aside and put back after it.
_PLANNER = ("enable_nestloop", "enable_seqscan", "enable_bitmapscan")
LINEAR_PLANS = (
    "SELECT " + ", ".join(f"set_config('cronpilot.{name}', current_setting('{name}'), true)" for name in _PLANNER),
    "SELECT " + ", ".join(f"set_config('{name}', 'off', true)" for name in _PLANNER),
)
PLAN_AS_USUAL = "SELECT " + ", ".join(
    f"set_config('{name}', current_setting('cronpilot.{name}'), true)" for name in _PLANNER)


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


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _micros(value: datetime | None) -> str:
    """An aware instant as whole microseconds since 1970 (an array-literal element); None as
    ``NULL``."""
    if value is None:
        return "NULL"
    if value.tzinfo is None:
        raise ValueError("naive datetime reached the store")
    return str((value - _EPOCH) // _MICROSECOND)


def _ints(values: Iterable[int]) -> str:
    return "{" + ",".join(map(str, values)) + "}"


def _literal(items: list[str]) -> str:
    return "{" + ",".join(items) + "}"


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value)


def _general_fires(fires: Sequence[NewRun], seen: dict[datetime, datetime]) -> dict[str, list[Any]]:
    """Rows of any shape, one array per column (psycopg adapts them: few rows take this way)."""
    return {
        "task_id": [f.task_id for f in fires],
        "status": [f.status.value for f in fires],
        "reason": [f.reason.value for f in fires],
        "attempt": [f.attempt for f in fires],
        "scheduled_for": [_naive(f.scheduled_for, seen) for f in fires],
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
    }


def record_fires(conn: sa.Connection, fires: Sequence[NewRun], now: datetime) -> list[NewRun]:
    """Insert ``fires`` (a fire already recorded, by us or another engine, is left alone), with
    their first history row, and advance the tasks' cursors; give each inserted fire its id.
    Returns the inserted fires. One round trip."""
    seen: dict[datetime, datetime] = {}
    owner, lease = starts_lease(fires)
    s_task: list[int] = []
    s_fire: list[str] = []
    s_start: list[str] = []
    d_task: list[int] = []
    d_fire: list[str] = []
    others: list[NewRun] = []
    for run in fires:
        if starts_now(run, owner, lease):
            s_task.append(run.task_id)
            s_fire.append(_micros(run.scheduled_for))
            s_start.append(_micros(run.started_at))
        elif is_shed(run):
            d_task.append(run.task_id)
            d_fire.append(_micros(run.scheduled_for))
        else:
            others.append(run)
    params: dict[str, Any] = {
        "now": _naive(now, seen), "owner": owner, "lease": _naive(lease, seen), "overloaded": OVERLOADED,
        "s_task": _ints(s_task), "s_fire": _literal(s_fire), "s_start": _literal(s_start),
        "d_task": _ints(d_task), "d_fire": _literal(d_fire),
    }
    params.update(_general_fires(others, seen))
    rows = driver(conn).execute(_RECORD_FIRES, params).fetchall()
    # Fires of one task at one instant and attempt are one row (the unique key): match on it.
    # A fire without a time (never a schedule's) is matched in order.
    # The server inserts the compact rows first: give them back in the order asked.
    by_key: dict[tuple[int, datetime | None, int], tuple[int, NewRun]] = {}
    for i, f in enumerate(fires):
        by_key.setdefault((f.task_id, _naive(f.scheduled_for, seen), f.attempt), (i, f))
    inserted = []
    for run_id, task_id, scheduled_for, attempt in rows:
        i, fire = by_key.pop((task_id, scheduled_for, attempt))
        fire.run_id = run_id
        inserted.append((i, fire))
    inserted.sort(key=_first)
    return [fire for _i, fire in inserted]


def _first(item: tuple[int, NewRun]) -> int:
    return item[0]


def _quiet(o: RunOutcome) -> bool:
    """Completed with nothing captured: the outcome sent as three values."""
    return (o.status is RunStatus.COMPLETED and o.stdout is None and o.stderr is None and o.result is None
            and o.error is None and o.traceback is None and o.log_path is None)


def finish(
    conn: sa.Connection, outcomes: Sequence[RunOutcome], *, owner: str, clean: Any
) -> tuple[set[int], bool, bool]:
    """Write the outcomes of the runs ``owner`` still holds, with their history rows (no
    retries: those need the new rows' ids back, the Core path's job). Returns (the run ids
    written, any of their tasks has a dependent, anyone listens to task outcome events).
    One round trip."""
    seen: dict[datetime, datetime] = {}
    q_run: list[int] = []
    q_finished: list[str] = []
    q_started: list[str] = []
    rest: list[RunOutcome] = []
    for o in outcomes:
        if _quiet(o):
            q_run.append(o.run_id)
            q_finished.append(_micros(o.finished_at))
            q_started.append(_micros(o.started_at))
        else:
            rest.append(o)
    params = {
        "owner": owner,
        "q_run": _ints(q_run), "q_finished": _literal(q_finished), "q_started": _literal(q_started),
        "run_id": [o.run_id for o in rest],
        "status": [o.status.value for o in rest],
        "finished_at": [_naive(o.finished_at, seen) for o in rest],
        "stdout": [clean(o.stdout) for o in rest],
        "stderr": [clean(o.stderr) for o in rest],
        "result": [_json(o.result) for o in rest],
        "error": [clean(o.error) for o in rest],
        "traceback": [o.traceback for o in rest],
        "log_path": [o.log_path for o in rest],
        "started_at": [_naive(o.started_at, seen) for o in rest],
    }
    raw = driver(conn)
    with raw.pipeline():  # the settings and the statement in one round trip, not four
        for statement in LINEAR_PLANS:
            raw.execute(statement)
        cursor = raw.execute(_FINISH, params)
        raw.execute(PLAN_AS_USUAL)
    row = cursor.fetchone()
    assert row is not None
    ids, dependents, listeners = row
    return set(ids or ()), bool(dependents), bool(listeners)
