"""Events: which tasks listen to what, turning an emitted event into runs (with debounce and a
causal-chain limit), webhook delivery ids, condition-trigger state."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..errors import Conflict
from ..models import RunReason, RunStatus, TaskSpec
from ..triggers import EventTrigger
from . import dialect
from .base import Database
from .records import NewRun, Released, RunOutcome
from .run_rows import insert_runs
from .tables import (
    CUT_RUNS,
    UTCDateTime,
    condition_state,
    runs,
    task_events,
    tasks,
    users,
    webhook_deliveries,
)

MAX_CHAIN_DEPTH = 10


def subscriptions(spec: TaskSpec) -> dict[str, timedelta | None]:
    """Event name → debounce window, from a task's event triggers."""
    return {t.event: t.debounce for t in spec.triggers if isinstance(t, EventTrigger)}


_CUT_RUNS = (
    sa.select(runs.c.run_id, runs.c.task_id, runs.c.error, runs.c.created_at)
    .where(CUT_RUNS, runs.c.run_id > sa.bindparam("after"))
    .order_by(runs.c.run_id)
)
# SQLite without statistics would rather scan a status index than use the partial one.
_CUT_RUNS_SQLITE = sa.text(
    "SELECT run_id, task_id, error, created_at FROM runs INDEXED BY ix_runs_cut "
    f"WHERE {CUT_RUNS.text} AND run_id > :after ORDER BY run_id"
).columns(run_id=sa.Integer, task_id=sa.Integer, error=sa.Text, created_at=UTCDateTime)


def sync_subscriptions(conn: sa.Connection, task_id: int, spec: TaskSpec | None) -> None:
    """Inside the caller's transaction: the events ``task_id`` listens to become those of
    ``spec`` (none for a deleted task)."""
    conn.execute(task_events.delete().where(task_events.c.task_id == task_id))
    names = sorted(subscriptions(spec)) if spec is not None else []
    if names:
        conn.execute(task_events.insert(), [{"task_id": task_id, "event": n} for n in names])


class EventRows:
    """Who listens to what, emitted events and triggered runs, webhook secrets and delivery
    ids, condition-trigger state."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def all_subscriptions(self) -> list[tuple[int, str]]:
        with self.db.read() as conn:
            return [(r.task_id, r.event) for r in conn.execute(task_events.select())]

    def emit_event(
        self,
        event: str,
        payload: dict[str, Any] | None,
        *,
        now: datetime,
        caused_by_run_id: int | None = None,
        chain_depth: int = 0,
        exclude_task_id: int | None = None,
        deliveries: Sequence[str] = (),
        listeners: tuple[str, Sequence[int]] | None = None,
    ) -> Released:
        """Create a pending run for every active task listening to ``event``. With
        ``caused_by_run_id`` the runs continue that run's causal chain. ``deliveries`` (a
        webhook's delivery id and signature) are recorded in the same transaction as the runs:
        either both are stored or neither, so a sender whose delivery failed can retry it, and
        ``Conflict`` (nothing created) when one of them was seen before. ``listeners`` (an owner
        and task ids) limits which tasks fire: that owner's and those."""
        with self.db.write() as conn:
            for delivery_id in deliveries:
                try:
                    conn.execute(webhook_deliveries.insert().values(delivery_id=delivery_id, event=event, at=now))
                except IntegrityError:  # leaving the block rolls back every row written so far
                    raise Conflict("this delivery was already received") from None
            if caused_by_run_id is not None and not chain_depth:
                chain_depth = conn.execute(
                    sa.select(runs.c.chain_depth).where(runs.c.run_id == caused_by_run_id)).scalar() or 0
            return emit(conn, event, payload, now=now, caused_by_run_id=caused_by_run_id,
                        chain_depth=chain_depth, exclude_task_id=exclude_task_id, listeners=listeners)

    def trigger_task(
        self, task_id: int, *, reason: RunReason, event: str, payload: dict[str, Any] | None,
        now: datetime, debounce: timedelta | None = None,
    ) -> NewRun | None:
        """A pending run of one task fired by its own source (a file, a NOTIFY, a condition);
        None when the debounce window since its last such run is still open."""
        with self.db.write() as conn:
            if debounce:
                last = conn.execute(
                    sa.select(sa.func.max(runs.c.created_at)).where(
                        runs.c.task_id == task_id, runs.c.reason == reason.value, runs.c.event == event)
                ).scalar()
                if last is not None and now - last < debounce:
                    return None
            run = NewRun(task_id=task_id, status=RunStatus.PENDING, reason=reason, due_at=now, event=event,
                         context={"event": {"name": event, "data": payload or {}}})
            insert_runs(conn, [run], now)
            return run

    def cut_runs_since(self, run_id: int) -> list[NewRun]:
        """Event runs refused for a too-long causal chain, newer than ``run_id`` (for notices).
        Asked every second: it reads the small partial index of such runs, never the history."""
        query: Any = _CUT_RUNS_SQLITE if self.db.is_sqlite else _CUT_RUNS
        with self.db.read() as conn:
            rows = conn.execute(query, {"after": run_id}).all()
        return [NewRun(task_id=r.task_id, status=RunStatus.SKIPPED, reason=RunReason.EVENT, due_at=r.created_at,
                       message=r.error, run_id=r.run_id) for r in rows]

    def max_run_id(self) -> int:
        with self.db.read() as conn:
            return int(conn.execute(sa.select(sa.func.max(runs.c.run_id))).scalar() or 0)

    # --- webhook delivery ids (their secrets live in secret_store) ------------------------------

    def forget_deliveries(self, *, before: datetime) -> int:
        with self.db.write() as conn:
            return conn.execute(webhook_deliveries.delete().where(webhook_deliveries.c.at < before)).rowcount

    # --- condition triggers -------------------------------------------------------------------

    def condition_value(self, task_id: int, index: int) -> bool | None:
        with self.db.read() as conn:
            return conn.execute(
                sa.select(condition_state.c.value).where(
                    condition_state.c.task_id == task_id, condition_state.c.trigger_index == index)
            ).scalar()

    def set_condition_value(self, task_id: int, index: int, value: bool, *, now: datetime) -> None:
        with self.db.write() as conn:
            stmt = dialect.insert(self.db.engine, condition_state).values(
                task_id=task_id, trigger_index=index, value=value, checked_at=now)
            conn.execute(stmt.on_conflict_do_update(
                index_elements=["task_id", "trigger_index"], set_={"value": value, "checked_at": now}))


def emit(
    conn: sa.Connection, event: str, payload: dict[str, Any] | None, *, now: datetime,
    caused_by_run_id: int | None, chain_depth: int, exclude_task_id: int | None,
    source_owner: str | None = None, listeners: tuple[str, Sequence[int]] | None = None,
) -> Released:
    """Inside the caller's transaction: a pending run (or a cut one, past the causal-chain
    limit) for every active task listening to ``event``; with ``source_owner`` (any task's
    outcome) only tasks of that owner or of an admin listen: an outcome carries its error text."""
    result = Released()
    query = (
        sa.select(tasks.c.task_id, tasks.c.definition)
        .join(task_events, task_events.c.task_id == tasks.c.task_id)
        .where(task_events.c.event == event, tasks.c.deleted_at.is_(None),
               tasks.c.status == "active", tasks.c.enabled.is_(True))
    )
    if source_owner is not None:
        admins = sa.select(users.c.user_id).where(users.c.role == "admin", users.c.removed_at.is_(None))
        query = query.where(sa.or_(tasks.c.owner == source_owner, tasks.c.owner.in_(admins)))
    if listeners is not None:
        owner, task_ids = listeners
        query = query.where(sa.or_(tasks.c.owner == owner, tasks.c.task_id.in_(list(task_ids))))
    rows = conn.execute(query).all()
    context = {"event": {"name": event, "data": payload or {}}}
    for row in rows:
        if row.task_id == exclude_task_id:
            continue  # a task never fires on its own outcome
        if _debounced(conn, row.task_id, event, row.definition, now):
            continue
        depth = chain_depth + 1 if caused_by_run_id is not None else 0
        cut = depth > MAX_CHAIN_DEPTH
        run = NewRun(
            task_id=row.task_id, status=RunStatus.SKIPPED if cut else RunStatus.PENDING,
            reason=RunReason.EVENT, due_at=now, event=event, context=context,
            caused_by_run_id=caused_by_run_id, chain_depth=depth,
            message=(f"skipped: a chain of {depth} events is over the limit of {MAX_CHAIN_DEPTH} "
                     "(a task that triggers itself?)") if cut else None,
        )
        insert_runs(conn, [run], now)
        (result.cut if cut else result.runs).append(run)
    return result


def _debounced(conn: sa.Connection, task_id: int, event: str, definition: dict[str, Any], now: datetime) -> bool:
    window: timedelta | None = None
    for trigger in definition.get("triggers", []):
        if trigger.get("kind") == "event" and trigger.get("event") == event and trigger.get("debounce"):
            window = _as_timedelta(trigger["debounce"])
    if not window:
        return False
    last = conn.execute(
        sa.select(sa.func.max(runs.c.created_at)).where(
            runs.c.task_id == task_id, runs.c.reason == RunReason.EVENT.value, runs.c.event == event,
            runs.c.status != RunStatus.SKIPPED.value,
        )
    ).scalar()
    return last is not None and now - last < window

def outcome_events(conn: sa.Connection, outcomes: Sequence[RunOutcome], now: datetime) -> Released:
    """Inside the caller's transaction: task.completed / task.failed, for any task and for this
    one, to their listeners."""
    result = Released()
    finals = [o for o in outcomes if o.retry_due_at is None and o.status in (RunStatus.COMPLETED, RunStatus.FAILED)]
    if not finals:
        return result
    listened = set(conn.execute(sa.select(task_events.c.event).where(task_events.c.event.like("task.%"))).scalars())
    if not listened:
        return result
    for o in finals:
        base = "task.completed" if o.status == RunStatus.COMPLETED else "task.failed"
        depth = conn.execute(sa.select(runs.c.chain_depth).where(runs.c.run_id == o.run_id)).scalar() or 0
        source = conn.execute(sa.select(tasks.c.name, tasks.c.owner).where(tasks.c.task_id == o.task_id)).first()
        name, owner = (source.name, source.owner) if source is not None else (None, "")
        payload = {"task_id": o.task_id, "task": name, "run_id": o.run_id, "status": o.status.value, "error": o.error}
        for event in (base, f"{base}:{o.task_id}"):
            if event in listened:
                result.add(emit(conn, event, payload, now=now, caused_by_run_id=o.run_id,
                                chain_depth=depth, exclude_task_id=o.task_id,
                                source_owner=owner if event == base else None))
    return result


def _as_timedelta(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    from pydantic import TypeAdapter

    return TypeAdapter(timedelta).validate_python(value)
