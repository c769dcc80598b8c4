"""Guards on execution: what an owner's AI tasks used in the budget window (runs, model calls,
tokens) and whether the owner was already told of a skip; the runs of an engine proved dead,
ended at once instead of after their leases; how many attempts in a row a run lost its engine
(a poison run is parked after ``POISON_STREAK``)."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..access import BUDGET_SKIP, AIUsage
from ..models import WORKER_LOST, RunStatus
from . import dialect
from .base import Database
from .tables import outbox, runs, tasks, workers

_STARTED = (RunStatus.RUNNING.value, RunStatus.COMPLETED.value, RunStatus.FAILED.value,
            RunStatus.RETRYING.value, RunStatus.CANCELLED.value)


class GuardRows:
    """Budgets of AI runs (reads only: the runs they count are written by the engine's path)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def ai_usage(self, task_id: int, owner: str, *, since: datetime, run_id: int) -> AIUsage:
        """What ``owner``'s AI tasks used since ``since``; the task's own runs counted without
        ``run_id`` (the run being decided)."""
        with self.db.read() as conn:
            count, last = conn.execute(
                sa.select(sa.func.count(), sa.func.max(runs.c.started_at)).where(
                    runs.c.task_id == task_id, runs.c.run_id != run_id, runs.c.status.in_(_STARTED),
                    runs.c.started_at >= since)
            ).one()
            owned = sa.select(tasks.c.task_id).where(tasks.c.owner == owner, tasks.c.action_kind == "ai")
            # The owner's hour of AI runs is bounded by the budget itself: summed here, not in
            # SQL, because the figures sit in the JSON result (dialects read JSON differently).
            results = conn.execute(
                sa.select(runs.c.result).where(
                    runs.c.task_id.in_(owned), runs.c.status.in_(_STARTED[1:]),
                    runs.c.finished_at >= since, runs.c.result.is_not(None))
            ).scalars().all()
            noticed = conn.execute(
                sa.select(sa.func.count()).select_from(runs).where(
                    runs.c.task_id.in_(owned), runs.c.status == RunStatus.SKIPPED.value,
                    runs.c.finished_at >= since, runs.c.error.like(f"{BUDGET_SKIP}%"))
            ).scalar()
        calls = sum(_number(r, "model_calls") for r in results)
        tokens = sum(_number(r, "tokens_used") for r in results)
        return AIUsage(task_runs=int(count or 0), last_task_run_at=last, model_calls=calls, tokens=tokens,
                       noticed=bool(noticed))

    def lost_streaks(self, run_ids: list[int]) -> dict[int, int]:
        """For each run, how many attempts right before it (through ``retry_of``) ended with their
        engine lost: 0 when the previous one ended otherwise (or there is none)."""
        streaks: dict[int, int] = {}
        with self.db.read() as conn:
            for run_id in run_ids:
                count, current = 0, conn.execute(
                    sa.select(runs.c.retry_of).where(runs.c.run_id == run_id)).scalar()
                while current is not None and count < 100:
                    row = conn.execute(sa.select(runs.c.retry_of, runs.c.error)
                                       .where(runs.c.run_id == current)).one_or_none()
                    if row is None or not (row.error or "").startswith(WORKER_LOST):
                        break
                    count += 1
                    current = row.retry_of
                streaks[run_id] = count
        return streaks

    def end_leases_of(self, worker_id: str, *, now: datetime) -> list[int]:
        """A worker proved dead: its running runs' leases end now (recovery then takes them as
        it takes any expired one) and its row goes. The ids of those runs."""
        with self.db.write() as conn:
            held = list(conn.execute(
                sa.select(runs.c.run_id).where(runs.c.lease_owner == worker_id,
                                               runs.c.status == RunStatus.RUNNING.value)
            ).scalars())
            if held:
                conn.execute(runs.update().where(runs.c.run_id.in_(held))
                             .values(lease_expires_at=now - timedelta(microseconds=1)))
            conn.execute(workers.delete().where(workers.c.worker_id == worker_id))
        return held


def _number(result: object, key: str) -> int:
    if not isinstance(result, dict):
        return 0
    value = result.get(key)
    return int(value) if isinstance(value, int | float) else 0


class OutboxRows:
    """The parts of outgoing messages already delivered (R16)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def delivered_parts(self, key: str, destination: str) -> set[int]:
        with self.db.read() as conn:
            return set(conn.execute(sa.select(outbox.c.part).where(
                outbox.c.message_key == key[:200], outbox.c.destination == destination[:300])).scalars())

    def record_delivered_part(self, key: str, destination: str, part: int, *, now: datetime) -> None:
        try:
            with self.db.write() as conn:
                conn.execute(outbox.insert().values(message_key=key[:200], destination=destination[:300],
                                                    part=part, delivered_at=now))
        except IntegrityError:
            pass  # recorded already (two senders of the same part): once is what counts

    def claim_message(self, key: str, destination: str, *, now: datetime) -> bool:
        """Take message ``key`` for ``destination`` before sending it: True for the one caller
        that takes it, False for every later one (another process, a restart)."""
        with self.db.write() as conn:
            # RETURNING rather than rowcount: psycopg reports no count for a skipped upsert.
            row = conn.execute(dialect.insert(self.db.engine, outbox).values(
                message_key=key[:200], destination=destination[:300], part=0, delivered_at=now,
            ).on_conflict_do_nothing().returning(outbox.c.part)).first()
        return row is not None

    def forget_delivered(self, *, before: datetime) -> int:
        with self.db.write() as conn:
            return conn.execute(outbox.delete().where(outbox.c.delivered_at < before)).rowcount
