"""Building run rows and their history, shared by every part of the store that creates runs
(fires, retries, releases of dependents, event runs, manual runs).

Functions of the caller's connection: they work inside whichever transaction the part opened,
so a release, its event runs and their history commit together with the outcome that caused
them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, ClassVar

import sqlalchemy as sa

from ..models import Run, RunStatus
from .records import NewRun
from .tables import runs

# Column-only twins of the tables for the engine's bulk writes (thousands of rows a second).
# SQLAlchemy passes their values to the driver untouched, so ``Binder`` converts each distinct
# value once with the real column's own bind processor: the stored values are the same, at half
# the cost of a fire, because a batch repeats ``now``, the lease and each fire time many times.
BULK_RUNS = sa.table("runs", *(sa.column(column.name) for column in runs.c))
_BULK_EVENTS = sa.table("run_events", *(sa.column(name) for name in ("run_id", "status", "at", "message")))
_ADD_EVENTS = _BULK_EVENTS.insert()
_BULK_TIMES = ("scheduled_for", "due_at", "created_at", "started_at", "finished_at", "lease_expires_at")

HistoryRow = tuple[int, RunStatus, datetime, str | None]  # run id, status, at, message


class Binder:
    """Values as the driver receives them for the real columns (one batch's worth of memory)."""

    _processors: ClassVar[dict[tuple[str, str], tuple[Any, Any, Any]]] = {}  # per dialect, once

    def __init__(self, sa_dialect: sa.Dialect) -> None:
        key = (sa_dialect.name, sa_dialect.driver)
        if key not in self._processors:
            def processor(column: sa.Column[Any]) -> Any:
                return column.type.dialect_impl(sa_dialect).bind_processor(sa_dialect) or (lambda v: v)

            self._processors[key] = (
                processor(runs.c.due_at), processor(runs.c.result), processor(runs.c.cancel_requested)(False)
            )
        self._time, self._json, self.false = self._processors[key]
        self._times: dict[datetime, Any] = {}

    def time(self, value: datetime | None) -> Any:
        if value is None:
            return None
        bound = self._times.get(value)
        if bound is None:
            bound = self._times[value] = self._time(value)
        return bound

    def json(self, value: Any) -> Any:
        return None if value is None else self._json(value)


def clean(text: str | None) -> str | None:
    """Output for people: PostgreSQL text can't hold NUL, so it is dropped on both dialects."""
    return text.replace("\x00", "") if text else text


def run_from_row(row: sa.Row[Any], task_name: str | None = None) -> Run:
    data = {name: getattr(row, name) for name in runs.c.keys() if name != "cancel_requested"}  # noqa: SIM118 - column names, not columns
    return Run.model_validate({**data, "task_name": task_name})


def new_run_params(run: NewRun, now: datetime) -> dict[str, Any]:
    """The row of a new run created at ``now`` (ended at once unless pending or running)."""
    terminal = run.status not in (RunStatus.PENDING, RunStatus.RUNNING)
    return {
        "task_id": run.task_id,
        "status": run.status.value,
        "reason": run.reason.value,
        "attempt": run.attempt,
        "scheduled_for": run.scheduled_for,
        "due_at": run.due_at,
        "created_at": now,
        "started_at": run.started_at,
        "finished_at": now if terminal else None,
        "lease_owner": run.lease_owner,
        "lease_expires_at": run.lease_expires_at,
        "cancel_requested": False,
        "retry_of": run.retry_of,
        "error": run.message,
        "workflow_run_id": run.workflow_run_id,
        "caused_by_run_id": run.caused_by_run_id,
        "chain_depth": run.chain_depth,
        "event": run.event,
        "context": run.context,
    }


def bulk_run_params(run: NewRun, now: datetime, bind: Binder) -> dict[str, Any]:
    """``new_run_params`` converted for the column-only ``BULK_RUNS`` (PostgreSQL's fires;
    SQLite's go through ``sqlite_fast``)."""
    params = new_run_params(run, now)
    for name in _BULK_TIMES:
        params[name] = bind.time(params[name])
    params["cancel_requested"] = bind.false
    params["context"] = bind.json(params["context"])
    return params


def creation_events(run: NewRun, now: datetime) -> list[HistoryRow]:
    """The history a new row starts with: the status it was created in. A fire claimed as it is
    recorded never waited, so it starts 'running' (one history row, not two, per fire)."""
    assert run.run_id is not None
    return [(run.run_id, run.status, now, run.message)]


def insert_events(
    conn: sa.Connection, groups: Sequence[Sequence[HistoryRow]], *, bind: Binder | None = None
) -> None:
    """Append history rows, in one statement."""
    bind = bind or Binder(conn.dialect)
    rows = [
        {"run_id": run_id, "status": status.value, "at": bind.time(at), "message": message}
        for group in groups
        for run_id, status, at, message in group
    ]
    if rows:
        conn.execute(_ADD_EVENTS, rows)


def insert_runs(conn: sa.Connection, new_runs: Sequence[NewRun], now: datetime) -> None:
    """Insert ``new_runs`` with their first history row; each gets its ``run_id``."""
    if not new_runs:
        return
    ids = conn.execute(
        runs.insert().returning(runs.c.run_id, sort_by_parameter_order=True),
        [new_run_params(r, now) for r in new_runs],
    ).scalars().all()
    for run, run_id in zip(new_runs, ids, strict=True):
        run.run_id = run_id
    insert_events(conn, [creation_events(r, now) for r in new_runs])
