"""Dependencies between tasks and their release: when a run ends, the successors whose every
predecessor has finished with the required outcome get a run, and those that can no longer be
satisfied are skipped, transitively, with the root cause named.

Each edge remembers the predecessor run its successor's last release (or skip) took into
account (``consumed_run_id``): "finished since the dependent's last run" is then exact, across
processes and restarts, without relying on timestamps.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ..dag import find_cycle
from ..errors import Conflict, InvalidRequest, NotFound
from ..models import DependencyCondition, RunReason, RunStatus
from .base import Database
from .records import Edge, NewRun, Released, RunOutcome, SkipChain
from .run_rows import insert_runs
from .tables import dependencies, runs, tasks

_OUTCOME_FILTER = sa.or_(
    runs.c.status.in_([RunStatus.COMPLETED.value, RunStatus.FAILED.value]),
    sa.and_(runs.c.status == RunStatus.SKIPPED.value, runs.c.reason == RunReason.DEPENDENCY.value),
)
_Wave = list[tuple[int, int, SkipChain | None]]  # (run id, task id, the chain it continues)


def _verdict(condition: DependencyCondition, status: str) -> bool:
    if condition == DependencyCondition.DONE:
        return True
    if condition == DependencyCondition.SUCCESS:
        return status == RunStatus.COMPLETED.value
    return status == RunStatus.FAILED.value


def _skip_reason(outcome: sa.Row[Any, Any, Any, Any, Any]) -> str:
    if outcome.status == RunStatus.SKIPPED.value and outcome.error:
        return str(outcome.error)  # keep the root cause through the chain
    return f"skipped: {outcome.name} {outcome.status} in run {outcome.run_id}"


class DagRows:
    """The dependency edges people add and remove (the release itself is ``release``, called
    by the run part inside the transaction that records an outcome)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def add_dependency(
        self,
        predecessor_id: int,
        successor_id: int,
        *,
        condition: DependencyCondition,
        now: datetime,
        extra_edges: Sequence[tuple[int, int]] = (),
    ) -> None:
        """Add predecessor → successor; refuse (naming it) a change that would close a cycle.

        ``extra_edges`` are other "triggers" arrows (event subscriptions) the cycle check must
        see too. Graph edits queue behind one lock so two edits can't each look acyclic."""
        condition = DependencyCondition(condition)
        if predecessor_id == successor_id:
            raise InvalidRequest("a task can't depend on itself")
        with self.db.write() as conn:
            self.db.next_counter(conn, "dag")
            names = dict(conn.execute(sa.select(tasks.c.task_id, tasks.c.name).where(tasks.c.deleted_at.is_(None))).all())
            for task_id in (predecessor_id, successor_id):
                if task_id not in names:
                    raise NotFound(f"no task with id {task_id}")
            edges = [(r.predecessor_id, r.successor_id) for r in conn.execute(dependencies.select())]
            cycle = find_cycle([*edges, *extra_edges, (predecessor_id, successor_id)], predecessor_id)
            if cycle:
                raise Conflict("that would close a cycle: " + " → ".join(names.get(t, str(t)) for t in cycle))
            existing = conn.execute(
                dependencies.select().where(
                    dependencies.c.predecessor_id == predecessor_id, dependencies.c.successor_id == successor_id
                )
            ).first()
            # Start from the predecessor's latest run: only outcomes from now on release.
            latest = conn.execute(sa.select(sa.func.max(runs.c.run_id)).where(runs.c.task_id == predecessor_id)).scalar() or 0
            if existing is None:
                conn.execute(dependencies.insert().values(
                    predecessor_id=predecessor_id, successor_id=successor_id,
                    condition=condition.value, consumed_run_id=latest, created_at=now,
                ))
            else:
                conn.execute(dependencies.update().where(
                    dependencies.c.predecessor_id == predecessor_id, dependencies.c.successor_id == successor_id,
                ).values(condition=condition.value))

    def remove_dependency(self, predecessor_id: int, successor_id: int) -> bool:
        with self.db.write() as conn:
            return bool(conn.execute(dependencies.delete().where(
                dependencies.c.predecessor_id == predecessor_id, dependencies.c.successor_id == successor_id,
            )).rowcount)

    def list_edges(self, *, task_ids: Iterable[int] | None = None) -> list[Edge]:
        query = dependencies.select()
        if task_ids is not None:
            ids = list(task_ids)
            query = query.where(sa.or_(dependencies.c.predecessor_id.in_(ids), dependencies.c.successor_id.in_(ids)))
        with self.db.read() as conn:
            return [Edge(r.predecessor_id, r.successor_id, DependencyCondition(r.condition)) for r in conn.execute(query)]


def release(conn: sa.Connection, outcomes: Sequence[RunOutcome], now: datetime) -> Released:
    """Inside the caller's transaction: release or skip successors of the runs that ended.

    Set-based, wave by wave (a wave is the runs whose successors are looked at together;
    the next wave is the skips to propagate): a fan-out of a thousand costs a handful of
    statements, not a thousand round trips."""
    result = Released()
    finals = [o for o in outcomes if o.retry_due_at is None and o.status in (RunStatus.COMPLETED, RunStatus.FAILED)]
    roots: dict[int, SkipChain] = {}
    contexts: dict[int, dict[str, Any]] = {}
    wave: _Wave = [(o.run_id, o.task_id, None) for o in finals]
    while wave:
        wave = _release_wave(conn, wave, now, result, roots, contexts)
    return result

def _release_wave(
    conn: sa.Connection, wave: _Wave, now: datetime,
    result: Released, roots: dict[int, SkipChain], contexts: dict[int, dict[str, Any]],
) -> _Wave:
    by_task = {task_id: (run_id, chain) for run_id, task_id, chain in reversed(wave)}
    rows = conn.execute(
        sa.select(dependencies.c.predecessor_id, dependencies.c.successor_id, tasks.c.workflow_id)
        .join(tasks, tasks.c.task_id == dependencies.c.successor_id)
        .where(dependencies.c.predecessor_id.in_(list(by_task)), tasks.c.deleted_at.is_(None),
               tasks.c.status == "active")
        .order_by(dependencies.c.successor_id)
    ).all()
    if not rows:
        return []
    trigger: dict[int, tuple[int, SkipChain | None]] = {}
    workflow_of: dict[int, int | None] = {}
    for row in rows:
        trigger.setdefault(row.successor_id, by_task[row.predecessor_id])
        workflow_of[row.successor_id] = row.workflow_id
    edges = conn.execute(dependencies.select().where(dependencies.c.successor_id.in_(list(trigger)))).all()
    latest = _latest_outcomes(conn, {e.predecessor_id for e in edges})
    causes = {r.run_id: r for r in conn.execute(
        sa.select(runs.c.run_id, runs.c.workflow_run_id, runs.c.chain_depth)
        .where(runs.c.run_id.in_({run_id for run_id, _ in trigger.values()}))
    )}
    incoming: dict[int, list[Any]] = {}
    for edge in edges:
        incoming.setdefault(edge.successor_id, []).append(edge)
    new_runs: list[NewRun] = []
    consumed_updates: list[dict[str, int]] = []
    chains: list[SkipChain | None] = []
    for successor, (run_id, chain) in trigger.items():
        verdicts: dict[int, bool | None] = {}
        consumed: dict[int, int] = {}
        for edge in incoming[successor]:
            outcome = latest.get(edge.predecessor_id)
            if outcome is None or outcome.run_id <= edge.consumed_run_id:
                verdicts[edge.predecessor_id] = None
            else:
                verdicts[edge.predecessor_id] = _verdict(DependencyCondition(edge.condition), outcome.status)
                consumed[edge.predecessor_id] = outcome.run_id
        if not consumed:
            continue
        cause = causes[run_id]
        workflow_run_id = (cause.workflow_run_id or cause.run_id) if workflow_of[successor] is not None else None
        failed = [p for p, v in verdicts.items() if v is False]
        if failed:
            reason = _skip_reason(latest[failed[0]])
            if chain is None:
                # The root is the predecessor run that broke the condition, which need not
                # be the run whose ending made us look (a sibling may have ended later).
                root_run = consumed[failed[0]]
                chain = roots.get(root_run)
                if chain is None:
                    chain = roots[root_run] = SkipChain(root_run_id=root_run, root_task_id=failed[0], reason=reason)
                    result.chains.append(chain)
            chain.skipped_task_ids.append(successor)
            status, message, context = RunStatus.SKIPPED, reason, None
            # A skip uses up only the outcomes that broke the condition: the satisfied ones
            # still count, so re-running the failed task resumes downstream.
            consumed = {p: r for p, r in consumed.items() if verdicts[p] is False}
        elif all(verdicts.values()):
            status, message = RunStatus.PENDING, None
            context = None
            if workflow_run_id is not None:
                if workflow_run_id not in contexts:
                    contexts[workflow_run_id] = _step_context(conn, workflow_run_id)
                context = contexts[workflow_run_id]
        else:
            continue
        new_runs.append(NewRun(
            task_id=successor, status=status, reason=RunReason.DEPENDENCY, due_at=now, message=message,
            caused_by_run_id=cause.run_id, workflow_run_id=workflow_run_id, chain_depth=cause.chain_depth,
            context=context,
        ))
        chains.append(chain)
        consumed_updates += [{"b_succ": successor, "b_pred": p, "b_run": r} for p, r in consumed.items()]
    if not new_runs:
        return []
    insert_runs(conn, new_runs, now)
    conn.execute(
        dependencies.update()
        .where(dependencies.c.successor_id == sa.bindparam("b_succ"),
               dependencies.c.predecessor_id == sa.bindparam("b_pred"))
        .values(consumed_run_id=sa.bindparam("b_run")),
        consumed_updates,
    )
    result.runs += [r for r in new_runs if r.status == RunStatus.PENDING]
    return [(r.run_id, r.task_id, c) for r, c in zip(new_runs, chains, strict=True)
            if r.status == RunStatus.SKIPPED and r.run_id is not None]

def _latest_outcomes(
    conn: sa.Connection, task_ids: set[int]
) -> dict[int, sa.Row[Any, Any, Any, Any, Any]]:
    """Each task's newest run that counts as an outcome (completed, failed, or skipped by a
    dependency), with its task name for messages."""
    newest = (
        sa.select(runs.c.task_id, sa.func.max(runs.c.run_id).label("run_id"))
        .where(runs.c.task_id.in_(task_ids), _OUTCOME_FILTER)
        .group_by(runs.c.task_id)
        .subquery()
    )
    rows = conn.execute(
        sa.select(runs.c.run_id, runs.c.task_id, runs.c.status, runs.c.error, tasks.c.name)
        .join(newest, newest.c.run_id == runs.c.run_id)
        .join(tasks, tasks.c.task_id == runs.c.task_id)
    )
    return {row.task_id: row for row in rows}

def _step_context(conn: sa.Connection, workflow_run_id: int) -> dict[str, Any]:
    """What a step's templates see: the outputs of the steps of this workflow run so far,
    and the event that started it."""
    rows = conn.execute(
        sa.select(runs.c.run_id, runs.c.status, runs.c.stdout, runs.c.result, runs.c.context, tasks.c.name)
        .join(tasks, tasks.c.task_id == runs.c.task_id)
        .where(sa.or_(runs.c.workflow_run_id == workflow_run_id, runs.c.run_id == workflow_run_id))
        .order_by(runs.c.run_id)
    ).all()
    steps: dict[str, Any] = {}
    event = None
    for row in rows:
        if row.run_id == workflow_run_id:
            event = (row.context or {}).get("event")
            continue
        short = row.name.rsplit("/", 1)[-1]
        steps[short] = {"output": (row.stdout or "").rstrip("\n"), "status": row.status, "result": row.result}
    return {"steps": steps, "event": event}
