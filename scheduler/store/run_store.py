"""Run rows: fires, claims with leases, outcomes, retries, recovery, and reading history back."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, ClassVar

import sqlalchemy as sa

from ..errors import Conflict, NotFound
from ..models import Run, RunEvent, RunReason, RunStatus, Task
from . import dialect, sqlite_fast
from .base import StoreBase
from .dag_store import Released
from .records import ClaimedRun, NewRun, RunOutcome
from .tables import run_events, runs, tasks

# Column-only twins of the tables for the engine's bulk writes (thousands of rows a second).
# SQLAlchemy passes their values to the driver untouched, so ``_Binder`` converts each distinct
# value once with the real column's own bind processor: the stored values are the same, at half
# the cost of a fire, because a batch repeats ``now``, the lease and each fire time many times.
_BULK_RUNS = sa.table("runs", *(sa.column(column.name) for column in runs.c))
_BULK_EVENTS = sa.table("run_events", *(sa.column(name) for name in ("run_id", "status", "at", "message")))
_BULK_TASKS = sa.table("tasks", sa.column("task_id"), sa.column("last_fire_at"))
# Built once: composing a statement costs more than executing it for a small batch.
_ADVANCE_CURSORS = (
    _BULK_TASKS.update()
    .where(
        _BULK_TASKS.c.task_id == sa.bindparam("b_task_id"),
        sa.or_(_BULK_TASKS.c.last_fire_at.is_(None), _BULK_TASKS.c.last_fire_at < sa.bindparam("b_fire")),
    )
    .values(last_fire_at=sa.bindparam("b_fire"))
)
_FINISH_RUNS = (
    _BULK_RUNS.update()
    .where(_BULK_RUNS.c.run_id == sa.bindparam("b_run_id"))
    .values(
        status=sa.bindparam("b_status"), finished_at=sa.bindparam("b_finished_at"),
        stdout=sa.bindparam("b_stdout"), stderr=sa.bindparam("b_stderr"),
        result=sa.bindparam("b_result"), error=sa.bindparam("b_error"),
        traceback=sa.bindparam("b_traceback"), log_path=sa.bindparam("b_log_path"),
        started_at=sa.func.coalesce(sa.bindparam("b_started_at"), _BULK_RUNS.c.started_at),
        lease_owner=None, lease_expires_at=None,
    )
)
_ADD_EVENTS = _BULK_EVENTS.insert()
_HELD_FOR_UPDATE = sa.select(runs.c.run_id).where(  # which of these runs does this owner still hold
    runs.c.run_id.in_(sa.bindparam("ids", expanding=True)),
    runs.c.lease_owner == sa.bindparam("owner"),
    runs.c.status == RunStatus.RUNNING.value,
).with_for_update()
_RECORD_FIRES: dict[str, Any] = {}  # by dialect name: the INSERT ... ON CONFLICT DO NOTHING


def _record_fires_statement(engine: sa.Engine) -> Any:
    stmt = _RECORD_FIRES.get(engine.dialect.name)
    if stmt is None:
        table = _BULK_RUNS
        stmt = _RECORD_FIRES[engine.dialect.name] = (
            dialect.insert(engine, table)
            .on_conflict_do_nothing(index_elements=["task_id", "scheduled_for", "attempt"])
            .returning(table.c.run_id, table.c.task_id, table.c.scheduled_for, table.c.attempt)
        )
    return stmt


class _Binder:
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


def _clean(text: str | None) -> str | None:
    # PostgreSQL text can't hold NUL; output is for people, so drop it on both dialects.
    return text.replace("\x00", "") if text else text


def run_from_row(row: sa.Row[Any], task_name: str | None = None) -> Run:
    data = {name: getattr(row, name) for name in runs.c.keys() if name != "cancel_requested"}  # noqa: SIM118 - column names, not columns
    return Run.model_validate({**data, "task_name": task_name})


class RunStoreMixin(StoreBase):
    def _after_outcomes(
        self, conn: sa.Connection, outcomes: Sequence[RunOutcome], now: datetime,
        *, claim_for: str | None = None, lease_until: datetime | None = None,
    ) -> Released:
        """Dependents and outcome events, defined by the DAG and event parts of the store; with
        ``claim_for`` the runs they create are claimed for that engine at once."""
        dependents = listeners = True
        if self.is_sqlite:  # the common case (neither) answered by one indexed lookup
            dependents, listeners = sqlite_fast.followers(conn, list({o.task_id for o in outcomes}))
        released = self._release(conn, outcomes, now) if dependents else Released()  # type: ignore[attr-defined]
        if listeners:
            events = self._outcome_events(conn, outcomes, now)  # type: ignore[attr-defined]
            released.runs.extend(events.runs)
            released.cut.extend(events.cut)
        if claim_for is not None and lease_until is not None:
            self._claim_released(conn, released.runs, owner=claim_for, now=now, lease_until=lease_until)  # type: ignore[attr-defined]
        return released

    # --- the engine's hot path ------------------------------------------------------------

    def record_fires(self, fires: Sequence[NewRun], *, now: datetime) -> list[NewRun]:
        """Insert scheduled fires, one row per (task, fire time, attempt); return those inserted
        (a fire another engine already recorded is dropped) and advance each task's cursor."""
        if not fires:
            return []
        with self._write() as conn:
            return self._record_fires(conn, fires, now)

    def commit_tick(
        self, outcomes: Sequence[RunOutcome], fires: Sequence[NewRun], *, owner: str, now: datetime,
        lease_until: datetime | None = None, load: Sequence[int] = (),
    ) -> tuple[list[RunOutcome], Released, list[NewRun], dict[int, Task]]:
        """One engine pass in one transaction: ``_finish_and_release`` of the runs that ended, then
        ``record_fires`` of the new fires (the order frees a task before its next fire is
        recorded), and the whole tasks ``load`` names (those about to run that the engine has
        not kept). All or nothing: on failure the engine still has everything to write again."""
        if not outcomes and not fires and not load:
            return [], Released(), [], {}
        with self._write() as conn:
            kept, released = self._finish_and_release(conn, outcomes, owner=owner, now=now, lease_until=lease_until)
            inserted = self._record_fires(conn, fires, now) if fires else []
            loaded = self._tasks_by_id(conn, load) if load else {}  # type: ignore[attr-defined]
        return kept, released, inserted, loaded

    def _record_fires(self, conn: sa.Connection, fires: Sequence[NewRun], now: datetime) -> list[NewRun]:
        if self.is_sqlite:
            return sqlite_fast.record_fires(conn, fires, now)
        bind = _Binder(self.engine.dialect)
        params = [_bulk_run_params(f, now, bind) for f in fires]
        stmt = _record_fires_statement(self.engine)
        # Returned rows are not converted back: match them on the values as sent.
        by_key = {(f.task_id, p["scheduled_for"], f.attempt): f for f, p in zip(fires, params, strict=False)}
        inserted: list[NewRun] = []
        cursors: dict[int, datetime] = {}
        for run_id, task_id, scheduled_for, attempt in conn.execute(stmt, params):
            fire = by_key[(task_id, scheduled_for, attempt)]
            fire.run_id = run_id
            inserted.append(fire)
        for fire in fires:
            if fire.scheduled_for is not None:
                prev = cursors.get(fire.task_id)
                if prev is None or fire.scheduled_for > prev:
                    cursors[fire.task_id] = fire.scheduled_for
        self._insert_events(conn, [_creation_events(f, now) for f in inserted], bind=bind)
        if cursors:
            conn.execute(
                _ADVANCE_CURSORS, [{"b_task_id": t, "b_fire": bind.time(f)} for t, f in cursors.items()]
            )
        return inserted

    def add_run(self, run: NewRun, *, now: datetime) -> Run:
        with self._write() as conn:
            row = conn.execute(runs.insert().returning(*runs.c), [_new_run_params(run, now)]).one()
            run.run_id = row.run_id
            self._insert_events(conn, [_creation_events(run, now)])
        return run_from_row(row)

    def claim_due_runs(
        self, *, owner: str, now: datetime, lease_until: datetime, limit: int = 500
    ) -> list[ClaimedRun]:
        """Claim due pending runs (manual, retries, queued, catch-up) for ``owner``.

        Pending runs of one task run one after another: at most one is claimed per task, and
        none while the task has a running run. Candidates are locked (SKIP LOCKED on
        PostgreSQL) so two workers never pick the same ones."""
        busy = sa.select(runs.c.task_id).where(runs.c.status == RunStatus.RUNNING.value)
        candidates = (
            sa.select(runs.c.run_id, runs.c.task_id)
            .where(
                runs.c.status == RunStatus.PENDING.value,
                runs.c.due_at <= now,
                runs.c.task_id.notin_(busy.scalar_subquery()),
            )
            .order_by(runs.c.due_at, runs.c.run_id)
            .limit(limit)
        )
        candidates = dialect.lock_skip_locked(self.engine, candidates)
        returning = (runs.c.run_id, runs.c.task_id, runs.c.reason, runs.c.attempt,
                     runs.c.scheduled_for, runs.c.due_at, runs.c.workflow_run_id, runs.c.context)
        with self._write() as conn:
            first_per_task: dict[int, int] = {}
            for row in conn.execute(candidates):
                first_per_task.setdefault(row.task_id, row.run_id)
            if not first_per_task:
                return []
            rows = conn.execute(
                runs.update()
                .where(runs.c.run_id.in_(list(first_per_task.values())))
                .values(status=RunStatus.RUNNING.value, started_at=now,
                        lease_owner=owner, lease_expires_at=lease_until)
                .returning(*returning)
            )
            claimed = [
                ClaimedRun(r.run_id, r.task_id, RunReason(r.reason), r.attempt, r.scheduled_for, r.due_at,
                           r.workflow_run_id, r.context)
                for r in rows
            ]
            self._insert_events(
                conn, [[(c.run_id, RunStatus.RUNNING, now, f"claimed by {owner}")] for c in claimed]
            )
        return claimed

    def claim_run(self, run_id: int, *, owner: str, now: datetime, lease_until: datetime) -> ClaimedRun | None:
        """Claim one pending run by id (a CLI running it in-process); None if it is not pending."""
        with self._write() as conn:
            row = conn.execute(
                runs.update()
                .where(runs.c.run_id == run_id, runs.c.status == RunStatus.PENDING.value)
                .values(status=RunStatus.RUNNING.value, started_at=now,
                        lease_owner=owner, lease_expires_at=lease_until)
                .returning(runs.c.run_id, runs.c.task_id, runs.c.reason, runs.c.attempt,
                           runs.c.scheduled_for, runs.c.due_at, runs.c.workflow_run_id, runs.c.context)
            ).first()
            if row is None:
                return None
            self._insert_events(conn, [[(run_id, RunStatus.RUNNING, now, f"claimed by {owner}")]])
        return ClaimedRun(row.run_id, row.task_id, RunReason(row.reason), row.attempt, row.scheduled_for,
                          row.due_at, row.workflow_run_id, row.context)

    def next_pending_due(self) -> datetime | None:
        with self._read() as conn:
            return conn.execute(
                sa.select(sa.func.min(runs.c.due_at)).where(
                    runs.c.status == RunStatus.PENDING.value
                )
            ).scalar()

    def finish_runs(self, outcomes: Sequence[RunOutcome], *, owner: str, now: datetime) -> list[RunOutcome]:
        """Record outcomes (``commit_tick`` with no fires); returns those kept."""
        return self.commit_tick(outcomes, (), owner=owner, now=now)[0]

    def _finish_and_release(
        self, conn: sa.Connection, outcomes: Sequence[RunOutcome], *, owner: str, now: datetime,
        lease_until: datetime | None,
    ) -> tuple[list[RunOutcome], Released]:
        """Record outcomes of runs ``owner`` still holds; a failure with ``retry_due_at`` becomes
        ``retrying`` and gets its retry run (pending, due at ``retry_due_at``). In the same
        transaction, dependents are released or skipped and outcome events emitted (claimed
        for ``owner`` with ``lease_until``).

        An outcome for a run that was meanwhile recovered from us (our lease expired and
        another worker declared us lost) is dropped and not returned: the recovery stands."""
        if not outcomes:
            return [], Released()
        ids = [o.run_id for o in outcomes]
        if self.is_sqlite:
            mine = sqlite_fast.held(conn, ids, owner)
        else:
            mine = set(conn.execute(_HELD_FOR_UPDATE, {"ids": ids, "owner": owner}).scalars())
        kept = [o for o in outcomes if o.run_id in mine]
        released = Released()
        if kept:
            self._write_outcomes(conn, kept, now)
            released = self._after_outcomes(
                conn, kept, now, claim_for=owner if lease_until else None, lease_until=lease_until
            )
        return kept, released

    def _write_outcomes(self, conn: sa.Connection, outcomes: Sequence[RunOutcome], now: datetime) -> None:
        if self.is_sqlite and all(o.retry_due_at is None for o in outcomes):
            sqlite_fast.finish(conn, outcomes, _clean)
            return
        bind = _Binder(self.engine.dialect)
        updates = []
        retries: list[NewRun] = []
        for o in outcomes:
            status = RunStatus.RETRYING if o.retry_due_at is not None else o.status
            updates.append(
                {
                    "b_run_id": o.run_id, "b_status": status.value, "b_finished_at": bind.time(o.finished_at),
                    "b_stdout": _clean(o.stdout), "b_stderr": _clean(o.stderr),
                    "b_result": bind.json(o.result), "b_error": _clean(o.error),
                    "b_traceback": o.traceback, "b_log_path": o.log_path,
                    "b_started_at": bind.time(o.started_at),
                }
            )
            if o.retry_due_at is not None:
                retries.append(
                    NewRun(
                        task_id=o.task_id, status=RunStatus.PENDING, reason=RunReason.RETRY,
                        due_at=o.retry_due_at, scheduled_for=o.scheduled_for,
                        attempt=o.attempt + 1, retry_of=o.run_id,
                    )
                )
        conn.execute(_FINISH_RUNS, updates)
        events = [[(o.run_id, RunStatus(u["b_status"]), o.finished_at, o.error)] for o, u in zip(outcomes, updates, strict=False)]
        if retries:
            rows = conn.execute(
                runs.insert().returning(runs.c.run_id, runs.c.retry_of, sort_by_parameter_order=True),
                [_new_run_params(r, now) for r in retries],
            ).all()
            by_origin = {o.run_id: o for o in outcomes}
            for retry, row in zip(retries, rows, strict=False):
                retry.run_id = row.run_id
                by_origin[row.retry_of].retry_run_id = row.run_id
                events.append(_creation_events(retry, now))
            self._inherit_from_retry_origin(conn, [r.run_id for r in retries if r.run_id])  # type: ignore[attr-defined]
        self._insert_events(conn, events, bind=bind)

    def extend_leases(self, *, owner: str, until: datetime) -> int:
        with self._write() as conn:
            return conn.execute(
                runs.update()
                .where(runs.c.lease_owner == owner, runs.c.status == RunStatus.RUNNING.value)
                .values(lease_expires_at=until)
            ).rowcount

    def cancel_requests(self, *, owner: str) -> list[int]:
        with self._read() as conn:
            return list(
                conn.execute(
                    sa.select(runs.c.run_id).where(
                        runs.c.lease_owner == owner,
                        runs.c.status == RunStatus.RUNNING.value,
                        runs.c.cancel_requested.is_(True),
                    )
                ).scalars()
            )

    def expired_runs(self, *, now: datetime, limit: int = 500) -> list[ClaimedRun]:
        """Running runs whose lease ran out: their worker stopped heartbeating."""
        query = (
            sa.select(runs.c.run_id, runs.c.task_id, runs.c.reason, runs.c.attempt,
                      runs.c.scheduled_for, runs.c.due_at)
            .where(runs.c.status == RunStatus.RUNNING.value, runs.c.lease_expires_at < now)
            .order_by(runs.c.run_id)
            .limit(limit)
        )
        with self._read() as conn:
            return [
                ClaimedRun(r.run_id, r.task_id, RunReason(r.reason), r.attempt, r.scheduled_for, r.due_at)
                for r in conn.execute(query)
            ]

    def recover_expired(self, outcomes: Sequence[RunOutcome], *, now: datetime) -> list[RunOutcome]:
        """Finish runs of lost workers, but only those still expired (another worker may have
        recovered them, or the owner come back and heartbeated, in between)."""
        if not outcomes:
            return []
        with self._write() as conn:
            still = set(
                conn.execute(
                    sa.select(runs.c.run_id).where(
                        runs.c.run_id.in_([o.run_id for o in outcomes]),
                        runs.c.status == RunStatus.RUNNING.value,
                        runs.c.lease_expires_at < now,
                    )
                ).scalars()
            )
            mine = [o for o in outcomes if o.run_id in still]
            if mine:
                self._write_outcomes(conn, mine, now)
                self._after_outcomes(conn, mine, now)
        return mine

    def _insert_events(
        self,
        conn: sa.Connection,
        groups: Sequence[Sequence[tuple[int, RunStatus, datetime, str | None]]],
        *,
        bind: _Binder | None = None,
    ) -> None:
        bind = bind or _Binder(self.engine.dialect)
        rows = [
            {"run_id": run_id, "status": status.value, "at": bind.time(at), "message": message}
            for group in groups
            for run_id, status, at, message in group
        ]
        if rows:
            conn.execute(_ADD_EVENTS, rows)

    # --- people's operations --------------------------------------------------------------

    def request_cancel(self, run_id: int, *, now: datetime) -> Run:
        """Cancel a pending run at once; flag a running one for its worker to stop."""
        with self._write() as conn:
            row = conn.execute(runs.select().where(runs.c.run_id == run_id)).first()
            if row is None:
                raise NotFound(f"no run with id {run_id}")
            status = RunStatus(row.status)
            if status == RunStatus.PENDING:
                conn.execute(
                    runs.update().where(runs.c.run_id == run_id)
                    .values(status=RunStatus.CANCELLED.value, finished_at=now, error="cancelled")
                )
                self._insert_events(conn, [[(run_id, RunStatus.CANCELLED, now, "cancelled by request")]])
            elif status == RunStatus.RUNNING:
                conn.execute(runs.update().where(runs.c.run_id == run_id).values(cancel_requested=True))
            else:
                raise Conflict(f"run {run_id} already ended ({status.value})")
            row = conn.execute(runs.select().where(runs.c.run_id == run_id)).one()
        return run_from_row(row)

    def get_run(self, run_id: int) -> Run:
        with self._read() as conn:
            row = conn.execute(
                sa.select(runs, tasks.c.name.label("task_name"))
                .join(tasks, tasks.c.task_id == runs.c.task_id)
                .where(runs.c.run_id == run_id)
            ).first()
        if row is None:
            raise NotFound(f"no run with id {run_id}")
        return run_from_row(row, row.task_name)

    def list_runs(
        self,
        *,
        task_id: int | None = None,
        statuses: Sequence[RunStatus] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        search: str | None = None,
        owner: str | None = None,
        workflow_run_id: int | None = None,
        limit: int = 50,
    ) -> list[Run]:
        """Newest first. ``since``/``until`` bound the creation time; ``search`` matches output and
        errors case-insensitively."""
        query = (
            sa.select(runs, tasks.c.name.label("task_name"))
            .join(tasks, tasks.c.task_id == runs.c.task_id)
            .order_by(runs.c.run_id.desc())
            .limit(limit)
        )
        if task_id is not None:
            query = query.where(runs.c.task_id == task_id)
        if statuses:
            query = query.where(runs.c.status.in_([s.value for s in statuses]))
        if since is not None:
            query = query.where(runs.c.created_at >= since)
        if until is not None:
            query = query.where(runs.c.created_at < until)
        if owner is not None:
            query = query.where(tasks.c.owner == owner)
        if workflow_run_id is not None:
            query = query.where(runs.c.workflow_run_id == workflow_run_id)
        if search:
            pattern = f"%{search.replace(chr(92), chr(92) * 2).replace('%', chr(92) + '%').replace('_', chr(92) + '_')}%"
            query = query.where(
                sa.or_(*(col.ilike(pattern, escape="\\") for col in (runs.c.stdout, runs.c.stderr, runs.c.error)))
            )
        with self._read() as conn:
            return [run_from_row(row, row.task_name) for row in conn.execute(query)]

    def run_history(self, run_id: int) -> list[RunEvent]:
        with self._read() as conn:
            rows = conn.execute(
                run_events.select().where(run_events.c.run_id == run_id).order_by(run_events.c.event_id)
            )
            return [RunEvent(run_id=r.run_id, status=r.status, at=r.at, message=r.message) for r in rows]

    def run_timings(
        self, *, since: datetime | None = None, task_id: int | None = None, owner: str | None = None
    ) -> list[tuple[int, str, str, datetime | None, datetime | None, datetime]]:
        """(task_id, task name, status, started_at, finished_at, created_at) of ended runs, for stats."""
        query = (
            sa.select(runs.c.task_id, tasks.c.name, runs.c.status, runs.c.started_at,
                      runs.c.finished_at, runs.c.created_at)
            .join(tasks, tasks.c.task_id == runs.c.task_id)
            .where(runs.c.status.notin_([RunStatus.PENDING.value, RunStatus.RUNNING.value]))
        )
        if since is not None:
            query = query.where(runs.c.created_at >= since)
        if task_id is not None:
            query = query.where(runs.c.task_id == task_id)
        if owner is not None:
            query = query.where(tasks.c.owner == owner)
        with self._read() as conn:
            return [tuple(r) for r in conn.execute(query)]  # type: ignore[misc]


def _new_run_params(run: NewRun, now: datetime) -> dict[str, Any]:
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


_BULK_TIMES = ("scheduled_for", "due_at", "created_at", "started_at", "finished_at", "lease_expires_at")


def _bulk_run_params(run: NewRun, now: datetime, bind: _Binder) -> dict[str, Any]:
    """``_new_run_params`` converted for the column-only ``_BULK_RUNS`` (PostgreSQL's fires;
    SQLite's go through ``sqlite_fast``)."""
    params = _new_run_params(run, now)
    for name in _BULK_TIMES:
        params[name] = bind.time(params[name])
    params["cancel_requested"] = bind.false
    params["context"] = bind.json(params["context"])
    return params


def _creation_events(run: NewRun, now: datetime) -> list[tuple[int, RunStatus, datetime, str | None]]:
    """The history a new row starts with: the status it was created in. A fire claimed as it is
    recorded never waited, so it starts 'running' (one history row, not two, per fire)."""
    assert run.run_id is not None
    return [(run.run_id, run.status, now, run.message)]
