"""The engine's hot statements on SQLite, straight through the driver.

At thousands of fires a second the cost of a fire is Python's, not SQLite's: SQLite writes a
fire's five rows in about 40 µs with the GIL released, while building the same statements
through SQLAlchemy Core (parameter processing, result rows) took several times that with the
GIL held, and the event loop waits for it. Here a batch is a few ``executemany`` calls on the
raw ``sqlite3`` connection of the caller's transaction (``BEGIN IMMEDIATE``: this process is the
only writer until it commits), with values already in the form SQLAlchemy would store.

PostgreSQL keeps the Core path (run_store.py): it is not the embedded default, and psycopg's
own round trips dominate there.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from ..models import RunStatus
from .records import NewRun, RunOutcome

# The columns a new run row is written with, in the order of ``_fire_row``.
FIRE_COLUMNS = (
    "run_id", "task_id", "status", "reason", "attempt", "scheduled_for", "due_at", "created_at",
    "started_at", "finished_at", "lease_owner", "lease_expires_at", "cancel_requested", "retry_of",
    "error", "workflow_run_id", "caused_by_run_id", "chain_depth", "event", "context",
)
_INSERT_RUNS = (
    f"INSERT INTO runs ({', '.join(FIRE_COLUMNS)}) VALUES ({', '.join('?' * len(FIRE_COLUMNS))}) "
    "ON CONFLICT (task_id, scheduled_for, attempt) DO NOTHING"
)
_INSERTED = "SELECT run_id FROM runs WHERE run_id BETWEEN ? AND ?"
_ADD_EVENTS = "INSERT INTO run_events (run_id, status, at, message) VALUES (?, ?, ?, ?)"
_ADVANCE_CURSORS = (
    "UPDATE tasks SET last_fire_at = ?1 WHERE task_id = ?2 AND (last_fire_at IS NULL OR last_fire_at < ?1)"
)
_HELD = (
    "SELECT run_id FROM runs WHERE run_id IN (SELECT value FROM json_each(?)) "
    "AND lease_owner = ? AND status = 'running'"
)
_FINISH = (
    "UPDATE runs SET status = ?, finished_at = ?, stdout = ?, stderr = ?, result = ?, error = ?, "
    "traceback = ?, log_path = ?, lease_owner = NULL, lease_expires_at = NULL WHERE run_id = ?"
)
_ANY_SUCCESSOR = "SELECT 1 FROM dependencies WHERE predecessor_id IN (SELECT value FROM json_each(?)) LIMIT 1"
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


def record_fires(conn: sa.Connection, fires: Sequence[NewRun], now: datetime) -> list[NewRun]:
    """Insert ``fires`` (a fire already recorded, by us or another engine, is left alone), give
    each inserted one its id and its first history row, advance the tasks' cursors. Returns the
    inserted fires."""
    raw = driver(conn)
    t = _Times()
    at = t(now)
    # Ids are ours to hand out: the write lock is held, so nobody else inserts meanwhile.
    first = (raw.execute("SELECT COALESCE(MAX(run_id), 0) FROM runs").fetchone()[0]) + 1
    raw.executemany(_INSERT_RUNS, [_fire_row(first + i, run, at, t) for i, run in enumerate(fires)])
    present = {row[0] for row in raw.execute(_INSERTED, (first, first + len(fires) - 1))}
    inserted: list[NewRun] = []
    for i, run in enumerate(fires):
        if first + i in present:
            run.run_id = first + i
            inserted.append(run)
    raw.executemany(_ADD_EVENTS, [(run.run_id, run.status.value, at, run.message) for run in inserted])
    cursors: dict[int, datetime] = {}
    for run in fires:
        fire = run.scheduled_for
        if fire is not None:
            prev = cursors.get(run.task_id)
            if prev is None or fire > prev:
                cursors[run.task_id] = fire
    if cursors:
        raw.executemany(_ADVANCE_CURSORS, [(t(fire), task_id) for task_id, fire in cursors.items()])
    return inserted


def held(conn: sa.Connection, run_ids: Sequence[int], owner: str) -> set[int]:
    """Which of ``run_ids`` ``owner`` still holds (running under its lease)."""
    return {row[0] for row in driver(conn).execute(_HELD, (json.dumps(list(run_ids)), owner))}


def finish(conn: sa.Connection, outcomes: Sequence[RunOutcome], statuses: Sequence[RunStatus],
           clean: Any) -> None:
    """Write each outcome (with the status it ends in) and its history row. Retries are the
    caller's: they need the row ids back."""
    raw = driver(conn)
    t = _Times()
    raw.executemany(_FINISH, [
        (status.value, t(o.finished_at), clean(o.stdout), clean(o.stderr), _json(o.result), clean(o.error),
         o.traceback, o.log_path, o.run_id)
        for o, status in zip(outcomes, statuses, strict=True)
    ])
    raw.executemany(_ADD_EVENTS, [
        (o.run_id, status.value, t(o.finished_at), o.error) for o, status in zip(outcomes, statuses, strict=True)
    ])


def any_successor(conn: sa.Connection, task_ids: Sequence[int]) -> bool:
    """Does any of these tasks have a dependent? (Most finishing runs have none: then the
    release is not looked at.)"""
    return driver(conn).execute(_ANY_SUCCESSOR, (json.dumps(list(task_ids)),)).fetchone() is not None
