"""Run rows on the engine's path: fires, claims with leases, outcomes, retries, recovery.

Ending runs is where the parts of the store meet: in the transaction that records outcomes,
dependents are released (``dag_store.release``), outcome events emitted
(``event_store.outcome_events``) and what they create claimed for the engine that ended them.
Those are explicit calls down to the modules that own them; on SQLite the hot statements go
straight through the driver (``sqlite_fast``), the second place the dialects differ.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ..errors import Conflict, NotFound
from ..models import Run, RunReason, RunStatus, Task
from . import dag_store, dialect, event_store, overlap, pg_fast, sqlite_fast
from .base import Database
from .records import ClaimedRun, NewRun, Released, RunOutcome
from .run_rows import (
    BULK_RUNS,
    Binder,
    bulk_run_params,
    clean,
    creation_events,
    insert_events,
    new_run_params,
    run_from_row,
)
from .tables import LIVE_RUNS, PENDING_RUNS, runs
from .task_store import tasks_by_id

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
    BULK_RUNS.update()
    .where(BULK_RUNS.c.run_id == sa.bindparam("b_run_id"))
    .values(
        status=sa.bindparam("b_status"), finished_at=sa.bindparam("b_finished_at"),
        stdout=sa.bindparam("b_stdout"), stderr=sa.bindparam("b_stderr"),
        result=sa.bindparam("b_result"), error=sa.bindparam("b_error"),
        traceback=sa.bindparam("b_traceback"), log_path=sa.bindparam("b_log_path"),
        started_at=sa.func.coalesce(sa.bindparam("b_started_at"), BULK_RUNS.c.started_at),
        lease_owner=None, lease_expires_at=None,
    )
)
_HELD_FOR_UPDATE = sa.select(runs.c.run_id).where(  # which of these runs does this owner still hold
    runs.c.run_id.in_(sa.bindparam("ids", expanding=True)),
    runs.c.lease_owner == sa.bindparam("owner"),
    runs.c.status == RunStatus.RUNNING.value,
).with_for_update()
_CLAIMED = (runs.c.run_id, runs.c.task_id, runs.c.reason, runs.c.attempt,
            runs.c.scheduled_for, runs.c.due_at, runs.c.workflow_run_id, runs.c.context)
_RECORD_FIRES: dict[str, Any] = {}  # by dialect name: the INSERT ... ON CONFLICT DO NOTHING


def _record_fires_statement(engine: sa.Engine) -> Any:
    stmt = _RECORD_FIRES.get(engine.dialect.name)
    if stmt is None:
        table = BULK_RUNS
        stmt = _RECORD_FIRES[engine.dialect.name] = (
            dialect.insert(engine, table)
            .on_conflict_do_nothing(index_elements=["task_id", "scheduled_for", "attempt"])
            .returning(table.c.run_id, table.c.task_id, table.c.scheduled_for, table.c.attempt)
        )
    return stmt


class RunRows:
    """Runs as the engine moves them: recorded, claimed under a lease, ended (with what that
    releases), recovered when their worker is lost; plus people's manual runs and cancels."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._sqlite = db.is_sqlite
        self._psycopg = db.engine.dialect.driver == "psycopg"  # PostgreSQL's fast path (pg_fast)

    def _after_outcomes(
        self, conn: sa.Connection, outcomes: Sequence[RunOutcome], now: datetime,
        *, claim_for: str | None = None, lease_until: datetime | None = None,
        followers: tuple[bool, bool] | None = None,
    ) -> Released:
        """Dependents (``dag_store``) and outcome events (``event_store``) of the runs that
        ended; with ``claim_for`` the runs they create are claimed for that engine at once.
        ``followers``: (any dependents, any listeners) when the caller already knows."""
        dependents, listeners = followers or (True, True)
        if self._sqlite and followers is None:  # the common case (neither) answered by one indexed lookup
            dependents, listeners = sqlite_fast.followers(conn, list({o.task_id for o in outcomes}))
        released = dag_store.release(conn, outcomes, now) if dependents else Released()
        if listeners:
            released.add(event_store.outcome_events(conn, outcomes, now))
        if claim_for is not None and lease_until is not None:
            _claim_released(conn, released.runs, owner=claim_for, now=now, lease_until=lease_until)
        return released

    # --- the engine's hot path ------------------------------------------------------------

    def record_fires(self, fires: Sequence[NewRun], *, now: datetime) -> list[NewRun]:
        """Insert scheduled fires, one row per (task, fire time, attempt); return those inserted
        (a fire another engine already recorded is dropped) and advance each task's cursor.
        Overlap policies are decided as in ``commit_tick``."""
        if not fires:
            return []
        return self.commit_tick((), fires, owner="", now=now)[2]

    def commit_tick(
        self, outcomes: Sequence[RunOutcome], fires: Sequence[NewRun], *, owner: str, now: datetime,
        lease_until: datetime | None = None, load: Sequence[int] = (), allow_cap: int = 16,
    ) -> tuple[list[RunOutcome], Released, list[NewRun], dict[int, Task]]:
        """One engine pass in one transaction: ``_finish_and_release`` of the runs that ended, then
        ``record_fires`` of the new fires (the order frees a task before its next fire is
        recorded), and the whole tasks ``load`` names (those about to run that the engine has
        not kept). Fires with an overlap policy are decided against every engine's live runs
        (``overlap.gate``: skipped, queued, or ``held`` and left out); on PostgreSQL their
        tasks' rows are locked first, in task order, before anything else is written. All or
        nothing: on failure the engine still has everything to write again."""
        if not outcomes and not fires and not load:
            return [], Released(), [], {}
        gated = any(f.overlap is not None for f in fires)
        with self.db.write() as conn:
            if fires and not self._sqlite:  # every fired task: the cursor update locks them all anyway
                overlap.lock_tasks(conn, {f.task_id for f in fires})
            kept, released = self._finish_and_release(conn, outcomes, owner=owner, now=now, lease_until=lease_until)
            if gated:
                fires = overlap.gate(conn, fires, now=now, allow_cap=allow_cap)
            inserted = self._record_fires(conn, fires, now) if fires else []
            loaded = tasks_by_id(conn, load) if load else {}
        return kept, released, inserted, loaded

    def _record_fires(self, conn: sa.Connection, fires: Sequence[NewRun], now: datetime) -> list[NewRun]:
        if self._sqlite:
            return sqlite_fast.record_fires(conn, fires, now)
        if self._psycopg:
            return pg_fast.record_fires(conn, fires, now)
        bind = Binder(conn.dialect)
        params = [bulk_run_params(f, now, bind) for f in fires]
        stmt = _record_fires_statement(self.db.engine)
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
        insert_events(conn, [creation_events(f, now) for f in inserted], bind=bind)
        if cursors:
            conn.execute(
                _ADVANCE_CURSORS, [{"b_task_id": t, "b_fire": bind.time(f)} for t, f in cursors.items()]
            )
        return inserted

    def add_run(self, run: NewRun, *, now: datetime) -> Run:
        with self.db.write() as conn:
            row = conn.execute(runs.insert().returning(*runs.c), [new_run_params(run, now)]).one()
            run.run_id = row.run_id
            insert_events(conn, [creation_events(run, now)])
        return run_from_row(row)

    def claim_due_runs(
        self, *, owner: str, now: datetime, lease_until: datetime, limit: int = 500
    ) -> list[ClaimedRun]:
        """Claim due pending runs (manual, retries, queued, catch-up) for ``owner``.

        Pending runs of one task run one after another, earliest due first: at most one is
        claimed per task, and none while the task has a running run, whichever engine runs it.
        On PostgreSQL the candidates' task rows are locked (SKIP LOCKED: a task another
        transaction is deciding waits for a later pass) and only then is the task's first
        pending run chosen, by a statement that sees what the previous holder committed."""
        busy = sa.select(runs.c.task_id).where(LIVE_RUNS, sa.text("status = 'running'"))
        candidates = (
            sa.select(runs.c.task_id)
            .where(PENDING_RUNS, runs.c.due_at <= now, runs.c.task_id.notin_(busy.scalar_subquery()))
            .order_by(runs.c.due_at, runs.c.run_id)
            .limit(limit)
        )
        with self.db.write() as conn:
            task_ids = dict.fromkeys(conn.execute(candidates).scalars())
            if not task_ids:
                return []
            locked = overlap.lock_tasks(conn, task_ids, skip_locked=True)
            first_per_task = overlap.first_pending(conn, locked, now=now)
            if not first_per_task:
                return []
            rows = conn.execute(
                runs.update()
                .where(runs.c.run_id.in_(list(first_per_task.values())), runs.c.status == RunStatus.PENDING.value)
                .values(status=RunStatus.RUNNING.value, started_at=now,
                        lease_owner=owner, lease_expires_at=lease_until)
                .returning(*_CLAIMED)
            )
            claimed = [
                ClaimedRun(r.run_id, r.task_id, RunReason(r.reason), r.attempt, r.scheduled_for, r.due_at,
                           r.workflow_run_id, r.context)
                for r in rows
            ]
            insert_events(
                conn, [[(c.run_id, RunStatus.RUNNING, now, f"claimed by {owner}")] for c in claimed]
            )
        return claimed

    def claim_run(self, run_id: int, *, owner: str, now: datetime, lease_until: datetime) -> ClaimedRun | None:
        """Claim one pending run by id (a CLI running it in-process); None if it is not pending."""
        with self.db.write() as conn:
            row = conn.execute(
                runs.update()
                .where(runs.c.run_id == run_id, runs.c.status == RunStatus.PENDING.value)
                .values(status=RunStatus.RUNNING.value, started_at=now,
                        lease_owner=owner, lease_expires_at=lease_until)
                .returning(*_CLAIMED)
            ).first()
            if row is None:
                return None
            insert_events(conn, [[(run_id, RunStatus.RUNNING, now, f"claimed by {owner}")]])
        return ClaimedRun(row.run_id, row.task_id, RunReason(row.reason), row.attempt, row.scheduled_for,
                          row.due_at, row.workflow_run_id, row.context)

    def next_pending_due(self) -> datetime | None:
        with self.db.read() as conn:
            return conn.execute(
                sa.select(sa.func.min(runs.c.due_at)).where(PENDING_RUNS)
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
        if self._psycopg and all(o.retry_due_at is None for o in outcomes):
            written, dependents, listeners = pg_fast.finish(conn, outcomes, owner=owner, clean=clean)
            kept = [o for o in outcomes if o.run_id in written]
            if not kept:
                return kept, Released()
            return kept, self._after_outcomes(
                conn, kept, now, claim_for=owner if lease_until else None, lease_until=lease_until,
                followers=(dependents, listeners),
            )
        ids = [o.run_id for o in outcomes]
        if self._sqlite:
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
        if self._sqlite and all(o.retry_due_at is None for o in outcomes):
            sqlite_fast.finish(conn, outcomes, clean)
            return
        bind = Binder(conn.dialect)
        updates = []
        retries: list[NewRun] = []
        for o in outcomes:
            status = RunStatus.RETRYING if o.retry_due_at is not None else o.status
            updates.append(
                {
                    "b_run_id": o.run_id, "b_status": status.value, "b_finished_at": bind.time(o.finished_at),
                    "b_stdout": clean(o.stdout), "b_stderr": clean(o.stderr),
                    "b_result": bind.json(o.result), "b_error": clean(o.error),
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
                [new_run_params(r, now) for r in retries],
            ).all()
            by_origin = {o.run_id: o for o in outcomes}
            for retry, row in zip(retries, rows, strict=False):
                retry.run_id = row.run_id
                by_origin[row.retry_of].retry_run_id = row.run_id
                events.append(creation_events(retry, now))
            _inherit_from_retry_origin(conn, [r.run_id for r in retries if r.run_id])
        insert_events(conn, events, bind=bind)

    def extend_leases(self, *, owner: str, until: datetime, renew_before: datetime | None = None) -> int:
        query = runs.update().where(runs.c.lease_owner == owner, runs.c.status == RunStatus.RUNNING.value)
        if renew_before is not None:
            query = query.where(sa.or_(runs.c.lease_expires_at.is_(None), runs.c.lease_expires_at < renew_before))
        with self.db.write() as conn:
            return conn.execute(query.values(lease_expires_at=until)).rowcount

    def cancel_requests(self, *, owner: str) -> list[int]:
        with self.db.read() as conn:
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
        with self.db.read() as conn:
            return [
                ClaimedRun(r.run_id, r.task_id, RunReason(r.reason), r.attempt, r.scheduled_for, r.due_at)
                for r in conn.execute(query)
            ]

    def recover_expired(self, outcomes: Sequence[RunOutcome], *, now: datetime) -> list[RunOutcome]:
        """Finish runs of lost workers, but only those still expired (another worker may have
        recovered them, or the owner come back and heartbeated, in between)."""
        if not outcomes:
            return []
        with self.db.write() as conn:
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

    # --- people's operations --------------------------------------------------------------

    def request_cancel(self, run_id: int, *, now: datetime) -> Run:
        """Cancel a pending run at once; flag a running one for its worker to stop."""
        with self.db.write() as conn:
            row = conn.execute(runs.select().where(runs.c.run_id == run_id)).first()
            if row is None:
                raise NotFound(f"no run with id {run_id}")
            status = RunStatus(row.status)
            if status == RunStatus.PENDING:
                conn.execute(
                    runs.update().where(runs.c.run_id == run_id)
                    .values(status=RunStatus.CANCELLED.value, finished_at=now, error="cancelled")
                )
                insert_events(conn, [[(run_id, RunStatus.CANCELLED, now, "cancelled by request")]])
            elif status == RunStatus.RUNNING:
                conn.execute(runs.update().where(runs.c.run_id == run_id).values(cancel_requested=True))
            else:
                raise Conflict(f"run {run_id} already ended ({status.value})")
            row = conn.execute(runs.select().where(runs.c.run_id == run_id)).one()
        return run_from_row(row)


def _claim_released(
    conn: sa.Connection, released: list[NewRun], *, owner: str, now: datetime, lease_until: datetime
) -> None:
    """Hand released runs straight to the engine that ended their cause, as the claim query
    would: only a task's first due pending run, none for a task that is running (whichever
    engine runs it; PostgreSQL: tasks another transaction holds are left to the claim query),
    saving a round trip."""
    candidates = [r for r in released if r.status == RunStatus.PENDING and r.run_id is not None]
    if not candidates:
        return
    locked = overlap.lock_tasks(conn, {r.task_id for r in candidates}, skip_locked=True)
    first = overlap.first_pending(conn, locked, now=now)
    picked: dict[int, NewRun] = {}
    for run in candidates:
        if first.get(run.task_id) == run.run_id:
            picked[run.task_id] = run
    if not picked:
        return
    conn.execute(
        runs.update().where(runs.c.run_id.in_([r.run_id for r in picked.values()]),
                            runs.c.status == RunStatus.PENDING.value)
        .values(status=RunStatus.RUNNING.value, started_at=now, lease_owner=owner, lease_expires_at=lease_until)
    )
    for run in picked.values():
        run.status, run.lease_owner, run.lease_expires_at, run.started_at = RunStatus.RUNNING, owner, lease_until, now
    insert_events(conn, [[(r.run_id, RunStatus.RUNNING, now, f"claimed by {owner}")]
                         for r in picked.values() if r.run_id is not None])


def _inherit_from_retry_origin(conn: sa.Connection, retry_ids: Sequence[int]) -> None:
    """A retry keeps its original run's workflow run, cause, event and template context."""
    if not retry_ids:
        return
    origin = runs.alias("origin")
    for column in ("workflow_run_id", "caused_by_run_id", "chain_depth", "event", "context"):
        conn.execute(
            runs.update()
            .where(runs.c.run_id.in_(list(retry_ids)))
            .values({column: sa.select(origin.c[column]).where(origin.c.run_id == runs.c.retry_of).scalar_subquery()})
        )
