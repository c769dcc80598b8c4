"""The engine's hot statements on SQLite, straight through the driver.

At thousands of fires a second the cost of a fire is Python's, not SQLite's, and the GIL is
shared with the event loop. Two rules follow:

- No SQLAlchemy on this path: building a batch's statements through Core (parameter processing,
  result rows) cost several times what SQLite spends writing the rows.
- One statement per table per batch, never ``executemany``: the driver lets go of the GIL for
  every row it steps, and taking it back while the event loop is busy waits for the loop's
  switch interval (5 ms). A batch of a thousand rows through ``executemany`` then takes seconds;
  as one ``INSERT ... SELECT FROM json_each(?)`` it takes one wait. (Measured: 5 ms against
  25 µs per row with another thread running Python.)

Values go in the form SQLAlchemy would store them (``stored_time``), in the caller's
transaction (``BEGIN IMMEDIATE``: this process is the only writer until it commits).
PostgreSQL keeps the Core path (run_store.py).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from ..models import RunReason, RunStatus
from .records import OVERLOADED, NewRun, RunOutcome

# The columns a new run row is written with, in the order of ``_fire_row``.
FIRE_COLUMNS = (
    "run_id", "task_id", "status", "reason", "attempt", "scheduled_for", "due_at", "created_at",
    "started_at", "finished_at", "lease_owner", "lease_expires_at", "cancel_requested", "retry_of",
    "error", "workflow_run_id", "caused_by_run_id", "chain_depth", "event", "context",
)


def _from_json(columns: Sequence[str]) -> str:
    """``SELECT`` the columns of each JSON array in parameter 1, by position, named as given."""
    picks = ", ".join(f"json_extract(value, '$[{i}]') AS {name}" for i, name in enumerate(columns))
    return f"SELECT {picks} FROM json_each(?1)"


_INSERT_RUNS = (
    f"INSERT INTO runs ({', '.join(FIRE_COLUMNS)}) {_from_json(FIRE_COLUMNS)} WHERE true "
    "ON CONFLICT (task_id, scheduled_for, attempt) DO NOTHING"
)
# The common fire (on time, first attempt, starting now) as four values; the rest is constant.
_INSERT_STARTS = (
    f"INSERT INTO runs ({', '.join(FIRE_COLUMNS)}) "
    "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), 'running', 'schedule', 1, "
    "json_extract(value, '$[2]'), json_extract(value, '$[2]'), ?2, json_extract(value, '$[3]'), NULL, "
    "?3, ?4, 0, NULL, NULL, NULL, NULL, 0, NULL, NULL FROM json_each(?1) WHERE true "
    "ON CONFLICT (task_id, scheduled_for, attempt) DO NOTHING"
)
# A fire an overloaded engine sheds: three values (id, task, fire time), the rest constant.
_INSERT_SHED = (
    f"INSERT INTO runs ({', '.join(FIRE_COLUMNS)}) "
    "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), 'skipped', 'schedule', 1, "
    "json_extract(value, '$[2]'), json_extract(value, '$[2]'), ?2, NULL, ?2, "
    "NULL, NULL, 0, NULL, ?3, NULL, NULL, 0, NULL, NULL FROM json_each(?1) WHERE true "
    "ON CONFLICT (task_id, scheduled_for, attempt) DO NOTHING"
)
_INSERTED = "SELECT run_id FROM runs WHERE run_id BETWEEN ? AND ?"
_ADD_EVENTS = (
    "INSERT INTO run_events (run_id, status, at, message) "
    + _from_json(("run_id", "status", "at", "message"))
)
_ADD_STATUS_EVENTS = (  # one status, one time, one message: only the run ids vary
    "INSERT INTO run_events (run_id, status, at, message) SELECT value, ?2, ?3, ?4 FROM json_each(?1)"
)
_ADVANCE_CURSORS = (
    f"UPDATE tasks SET last_fire_at = v.fire FROM ({_from_json(('task_id', 'fire'))}) AS v "
    "WHERE tasks.task_id = v.task_id AND (tasks.last_fire_at IS NULL OR tasks.last_fire_at < v.fire)"
)
_HELD = (
    "SELECT run_id FROM runs WHERE run_id IN (SELECT value FROM json_each(?1)) "
    "AND lease_owner = ?2 AND status = 'running'"
)
_FINISH_COLUMNS = ("run_id", "status", "finished_at", "stdout", "stderr", "result", "error", "traceback",
                   "log_path", "started_at")
_FINISH = (
    "UPDATE runs SET status = v.status, finished_at = v.finished_at, stdout = v.stdout, "
    "stderr = v.stderr, result = v.result, error = v.error, traceback = v.traceback, "
    "log_path = v.log_path, started_at = COALESCE(v.started_at, runs.started_at), "
    f"lease_owner = NULL, lease_expires_at = NULL FROM ({_from_json(_FINISH_COLUMNS)}) AS v "
    "WHERE runs.run_id = v.run_id"
)
# Is anything downstream of these tasks: a dependent, or a listener of task outcome events?
# The common outcome (completed, nothing captured) as three values.
_FINISH_QUIET = (
    "UPDATE runs SET status = 'completed', finished_at = v.finished_at, stdout = NULL, stderr = NULL, "
    "result = NULL, error = NULL, traceback = NULL, log_path = NULL, "
    "started_at = COALESCE(v.started_at, runs.started_at), lease_owner = NULL, lease_expires_at = NULL "
    f"FROM ({_from_json(('run_id', 'finished_at', 'started_at'))}) AS v WHERE runs.run_id = v.run_id"
)
_ADD_COMPLETED_EVENTS = (
    "INSERT INTO run_events (run_id, status, at, message) "
    "SELECT json_extract(value, '$[0]'), 'completed', json_extract(value, '$[1]'), NULL FROM json_each(?1)"
)
_FOLLOWERS = (
    "SELECT EXISTS (SELECT 1 FROM dependencies WHERE predecessor_id IN (SELECT value FROM json_each(?1))), "
    "EXISTS (SELECT 1 FROM task_events WHERE event LIKE 'task.%')"
)
_LIVE = frozenset({RunStatus.PENDING, RunStatus.RUNNING})  # the others are created ended


def driver(conn: sa.Connection) -> sqlite3.Connection:
    """The ``sqlite3`` connection under ``conn`` (its transaction is already open)."""
    raw = conn.connection.driver_connection
    assert isinstance(raw, sqlite3.Connection)
    return raw


def stored_time(value: datetime | None) -> str | None:
    """A timestamp as ``UTCDateTime`` stores it on SQLite: naive UTC, microseconds always shown
    (``2026-11-26 08:00:00.000000``), so text order is time order and equal instants are equal
    text (the fire key depends on it)."""
    if value is None:
        return None
    if value.tzinfo is not UTC:
        if value.tzinfo is None:
            raise ValueError("naive datetime reached the store")
        value = value.astimezone(UTC)
    return value.isoformat(" ", "microseconds")[:26]


class _Times:
    """``stored_time`` once per distinct instant of a batch (``now``, the lease, a fire time
    shared by many tasks)."""

    __slots__ = ("_seen",)

    def __init__(self) -> None:
        self._seen: dict[datetime, str | None] = {}

    def __call__(self, value: datetime | None) -> str | None:
        if value is None:
            return None
        text = self._seen.get(value)
        if text is None:
            text = self._seen[value] = stored_time(value)
        return text


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value)


def _fire_row(run_id: int, run: NewRun, at: str | None, t: _Times) -> tuple[Any, ...]:
    return (
        run_id, run.task_id, run.status.value, run.reason.value, run.attempt, t(run.scheduled_for),
        t(run.due_at), at, t(run.started_at), None if run.status in _LIVE else at, run.lease_owner,
        t(run.lease_expires_at), 0, run.retry_of, run.message, run.workflow_run_id, run.caused_by_run_id,
        run.chain_depth, run.event, _json(run.context),
    )


def _starts_now(run: NewRun, owner: str | None, lease: datetime | None) -> bool:
    """Is ``run`` the common fire ``_INSERT_STARTS`` writes?"""
    return (
        run.status is RunStatus.RUNNING and run.reason is RunReason.SCHEDULE and run.attempt == 1
        and run.due_at == run.scheduled_for and run.lease_owner == owner and run.lease_expires_at == lease
        and run.message is None and run.retry_of is None and run.workflow_run_id is None
        and run.caused_by_run_id is None and run.chain_depth == 0 and run.event is None and run.context is None
    )


def _shed(run: NewRun) -> bool:
    """Is ``run`` a fire shed by an overloaded engine (``firing.shed_run``), which
    ``_INSERT_SHED`` writes?"""
    return (
        run.status is RunStatus.SKIPPED and run.message == OVERLOADED and run.reason is RunReason.SCHEDULE
        and run.attempt == 1 and run.due_at == run.scheduled_for and run.context is None
        and run.workflow_run_id is None and run.caused_by_run_id is None and run.event is None
    )


def record_fires(conn: sa.Connection, fires: Sequence[NewRun], now: datetime) -> list[NewRun]:
    """Insert ``fires`` (a fire already recorded, by us or another engine, is left alone), give
    each inserted one its id and its first history row, advance the tasks' cursors. Returns the
    inserted fires."""
    raw = driver(conn)
    t = _Times()
    at = t(now)
    # The batch's owner and lease, from its first start (the first fire may have been skipped).
    owner, lease = next(((f.lease_owner, f.lease_expires_at) for f in fires if f.status is RunStatus.RUNNING),
                        (None, None))
    # Ids are ours to hand out: the write lock is held, so nobody else inserts meanwhile.
    first = raw.execute("SELECT COALESCE(MAX(run_id), 0) FROM runs").fetchone()[0] + 1
    starts, shed, others = [], [], []
    for i, run in enumerate(fires):
        if _starts_now(run, owner, lease):
            starts.append((first + i, run.task_id, t(run.scheduled_for), t(run.started_at)))
        elif _shed(run):
            shed.append((first + i, run.task_id, t(run.scheduled_for)))
        else:
            others.append(_fire_row(first + i, run, at, t))
    before = raw.total_changes
    if starts:
        raw.execute(_INSERT_STARTS, (json.dumps(starts), at, owner, t(lease)))
    if shed:
        raw.execute(_INSERT_SHED, (json.dumps(shed), at, OVERLOADED))
    if others:
        raw.execute(_INSERT_RUNS, (json.dumps(others),))
    if raw.total_changes - before == len(fires):
        inserted = list(fires)
        for i, run in enumerate(inserted):
            run.run_id = first + i
    else:  # some were recorded already (another engine got there first)
        present = {row[0] for row in raw.execute(_INSERTED, (first, first + len(fires) - 1))}
        inserted = []
        for i, run in enumerate(fires):
            if first + i in present:
                run.run_id = first + i
                inserted.append(run)
    running, dropped, rest = [], [], []
    for run in inserted:
        if run.status is RunStatus.RUNNING and run.message is None:
            running.append(run.run_id)
        elif run.status is RunStatus.SKIPPED and run.message == OVERLOADED:
            dropped.append(run.run_id)
        else:
            rest.append((run.run_id, run.status.value, at, run.message))
    if running:
        raw.execute(_ADD_STATUS_EVENTS, (json.dumps(running), RunStatus.RUNNING.value, at, None))
    if dropped:
        raw.execute(_ADD_STATUS_EVENTS, (json.dumps(dropped), RunStatus.SKIPPED.value, at, OVERLOADED))
    add_events(conn, rest)
    cursors: dict[int, datetime] = {}
    for run in fires:
        fire = run.scheduled_for
        if fire is not None:
            prev = cursors.get(run.task_id)
            if prev is None or fire > prev:
                cursors[run.task_id] = fire
    if cursors:
        raw.execute(_ADVANCE_CURSORS, (json.dumps([(task_id, t(fire)) for task_id, fire in cursors.items()]),))
    return inserted


def add_events(conn: sa.Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """History rows: (run id, status, stored time, message)."""
    if rows:
        driver(conn).execute(_ADD_EVENTS, (json.dumps(rows),))


def held(conn: sa.Connection, run_ids: Sequence[int], owner: str) -> set[int]:
    """Which of ``run_ids`` ``owner`` still holds (running under its lease)."""
    return {row[0] for row in driver(conn).execute(_HELD, (json.dumps(list(run_ids)), owner))}


def finish(conn: sa.Connection, outcomes: Sequence[RunOutcome], clean: Any) -> None:
    """Write each outcome and its history row. Retries are the caller's: they need the new
    rows' ids back."""
    quiet, rows, events = [], [], []
    for o in outcomes:  # every outcome's times are its own: no cache
        finished = stored_time(o.finished_at)
        if (o.status is RunStatus.COMPLETED and o.stdout is None and o.stderr is None and o.result is None
                and o.error is None and o.traceback is None and o.log_path is None):
            quiet.append((o.run_id, finished, stored_time(o.started_at)))
            continue
        rows.append((o.run_id, o.status.value, finished, clean(o.stdout), clean(o.stderr), _json(o.result),
                     clean(o.error), o.traceback, o.log_path, stored_time(o.started_at)))
        events.append((o.run_id, o.status.value, finished, o.error))
    raw = driver(conn)
    if quiet:
        text = json.dumps(quiet)
        raw.execute(_FINISH_QUIET, (text,))
        raw.execute(_ADD_COMPLETED_EVENTS, (text,))
    if rows:
        raw.execute(_FINISH, (json.dumps(rows),))
        add_events(conn, events)


def followers(conn: sa.Connection, task_ids: Sequence[int]) -> tuple[bool, bool]:
    """(any of these tasks has a dependent, anyone listens to task outcome events). Most
    finishing runs have neither: then neither is looked at further."""
    deps, listeners = driver(conn).execute(_FOLLOWERS, (json.dumps(list(task_ids)),)).fetchone()
    return bool(deps), bool(listeners)
