"""Dependencies between tasks and their release: when a run ends, the successors whose every
predecessor has finished with the required outcome get a run, and those that can no longer be
satisfied are skipped, transitively, with the root cause named.

Each edge remembers the predecessor run its successor's last release (or skip) took into
account (``consumed_run_id``): "finished since the dependent's last run" is then exact, across
processes and restarts, without relying on timestamps.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ..errors import Conflict, InvalidRequest, NotFound
from ..models import DependencyCondition, RunReason, RunStatus
from .base import StoreBase
from .records import NewRun, RunOutcome
from .tables import dependencies, runs, tasks

_OUTCOME_FILTER = sa.or_(
    runs.c.status.in_([RunStatus.COMPLETED.value, RunStatus.FAILED.value]),
    sa.and_(runs.c.status == RunStatus.SKIPPED.value, runs.c.reason == RunReason.DEPENDENCY.value),
)


@dataclass
class SkipChain:
    """A failure and everything downstream it skipped: one notice to the owner."""

    root_run_id: int
    root_task_id: int
    reason: str
    skipped_task_ids: list[int] = field(default_factory=list)


@dataclass
class Released:
    runs: list[NewRun] = field(default_factory=list)  # pending runs created by releases and events
    chains: list[SkipChain] = field(default_factory=list)
    cut: list[NewRun] = field(default_factory=list)  # event runs refused for a too-long causal chain


@dataclass(frozen=True)
class Edge:
    predecessor_id: int
    successor_id: int
    condition: DependencyCondition


def _verdict(condition: DependencyCondition, status: str) -> bool:
    if condition == DependencyCondition.DONE:
        return True
    if condition == DependencyCondition.SUCCESS:
        return status == RunStatus.COMPLETED.value
    return status == RunStatus.FAILED.value


def find_cycle(edges: Iterable[tuple[int, int]], start: int) -> list[int] | None:
    """A path start → … → start in the directed graph, or None. Iterative: graphs may be deep."""
    graph: dict[int, list[int]] = {}
    for a, b in edges:
        graph.setdefault(a, []).append(b)
    parent: dict[int, int] = {}
    stack = [start]
    seen = {start}
    while stack:
        node = stack.pop()
        for nxt in graph.get(node, ()):
            if nxt == start:
                path = [node]
                while path[-1] != start:
                    path.append(parent[path[-1]])
                return [start, *reversed(path[:-1]), start] if node != start else [start, start]
            if nxt not in seen:
                seen.add(nxt)
                parent[nxt] = node
                stack.append(nxt)
    return None


class DagStoreMixin(StoreBase):
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
        with self._write() as conn:
            self.next_counter(conn, "dag")
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
        with self._write() as conn:
            return bool(conn.execute(dependencies.delete().where(
                dependencies.c.predecessor_id == predecessor_id, dependencies.c.successor_id == successor_id,
            )).rowcount)

    def list_edges(self, *, task_ids: Iterable[int] | None = None) -> list[Edge]:
        query = dependencies.select()
        if task_ids is not None:
            ids = list(task_ids)
            query = query.where(sa.or_(dependencies.c.predecessor_id.in_(ids), dependencies.c.successor_id.in_(ids)))
        with self._read() as conn:
            return [Edge(r.predecessor_id, r.successor_id, DependencyCondition(r.condition)) for r in conn.execute(query)]

    # --- release ------------------------------------------------------------------------------

    def _release(self, conn: sa.Connection, outcomes: Sequence[RunOutcome], now: datetime) -> Released:
        """Inside the caller's transaction: release or skip successors of the runs that ended."""
        result = Released()
        finals = [o for o in outcomes if o.retry_due_at is None and o.status in (RunStatus.COMPLETED, RunStatus.FAILED)]
        if not finals:
            return result
        roots: dict[int, SkipChain] = {}
        queue: deque[tuple[int, int, str | None, SkipChain | None]] = deque(
            (o.run_id, o.task_id, None, None) for o in finals
        )
        while queue:
            run_id, task_id, _skip_reason, chain = queue.popleft()
            successors = conn.execute(
                sa.select(dependencies.c.successor_id)
                .join(tasks, tasks.c.task_id == dependencies.c.successor_id)
                .where(dependencies.c.predecessor_id == task_id, tasks.c.deleted_at.is_(None),
                       tasks.c.status == "active")
            ).scalars().all()
            for successor in successors:
                decision = self._decide(conn, successor)
                if decision is None:
                    continue
                verdicts, consumed = decision
                cause = self._cause(conn, run_id)
                if all(verdicts.values()):
                    new = self._dependency_run(conn, successor, cause, RunStatus.PENDING, None, now)
                    result.runs.append(new)
                elif any(v is False for v in verdicts.values()):
                    failed = [p for p, v in verdicts.items() if v is False]
                    reason = self._skip_reason(conn, failed, consumed)
                    new = self._dependency_run(conn, successor, cause, RunStatus.SKIPPED, reason, now)
                    if chain is None:
                        # The root is the predecessor run that broke the condition, which need
                        # not be the run whose ending made us look (a sibling may end later).
                        root_run = consumed[failed[0]]
                        chain = roots.get(root_run)
                        if chain is None:
                            chain = roots[root_run] = SkipChain(root_run_id=root_run, root_task_id=failed[0], reason=reason)
                            result.chains.append(chain)
                    chain.skipped_task_ids.append(successor)
                    assert new.run_id is not None
                    queue.append((new.run_id, successor, reason, chain))
                else:
                    continue
                if new.status == RunStatus.SKIPPED:
                    # A skip uses up only the outcomes that broke the condition: the satisfied
                    # ones still count, so re-running the failed task resumes downstream.
                    consumed = {p: r for p, r in consumed.items() if verdicts[p] is False}
                conn.execute(
                    dependencies.update()
                    .where(dependencies.c.successor_id == successor,
                           dependencies.c.predecessor_id == sa.bindparam("b_pred"))
                    .values(consumed_run_id=sa.bindparam("b_run")),
                    [{"b_pred": p, "b_run": r} for p, r in consumed.items()],
                )
        return result

    def _decide(self, conn: sa.Connection, successor: int) -> tuple[dict[int, bool | None], dict[int, int]] | None:
        verdicts: dict[int, bool | None] = {}
        consumed: dict[int, int] = {}
        for edge in conn.execute(dependencies.select().where(dependencies.c.successor_id == successor)):
            latest = conn.execute(
                sa.select(runs.c.run_id, runs.c.status)
                .where(runs.c.task_id == edge.predecessor_id, runs.c.run_id > edge.consumed_run_id, _OUTCOME_FILTER)
                .order_by(runs.c.run_id.desc()).limit(1)
            ).first()
            if latest is None:
                verdicts[edge.predecessor_id] = None
            else:
                verdicts[edge.predecessor_id] = _verdict(DependencyCondition(edge.condition), latest.status)
                consumed[edge.predecessor_id] = latest.run_id
        return (verdicts, consumed) if consumed else None

    def _skip_reason(self, conn: sa.Connection, failed_preds: list[int], consumed: dict[int, int]) -> str:
        pred = failed_preds[0]
        row = conn.execute(
            sa.select(runs.c.run_id, runs.c.status, runs.c.error, tasks.c.name)
            .join(tasks, tasks.c.task_id == runs.c.task_id).where(runs.c.run_id == consumed[pred])
        ).one()
        if row.status == RunStatus.SKIPPED.value and row.error:
            return row.error  # keep the root cause through the chain
        outcome = {"completed": "completed", "failed": "failed"}.get(row.status, row.status)
        return f"skipped: {row.name} {outcome} in run {row.run_id}"

    def _cause(self, conn: sa.Connection, run_id: int) -> sa.Row[Any]:
        return conn.execute(
            sa.select(runs.c.run_id, runs.c.workflow_run_id, runs.c.chain_depth, runs.c.context,
                      tasks.c.action_kind)
            .join(tasks, tasks.c.task_id == runs.c.task_id).where(runs.c.run_id == run_id)
        ).one()

    def _dependency_run(
        self, conn: sa.Connection, successor: int, cause: sa.Row[Any], status: RunStatus,
        reason: str | None, now: datetime,
    ) -> NewRun:
        workflow_id = conn.execute(sa.select(tasks.c.workflow_id).where(tasks.c.task_id == successor)).scalar()
        workflow_run_id = None
        context = None
        if workflow_id is not None:
            workflow_run_id = cause.workflow_run_id or cause.run_id
            if status == RunStatus.PENDING:
                context = self._step_context(conn, workflow_run_id)
        run = NewRun(
            task_id=successor, status=status, reason=RunReason.DEPENDENCY, due_at=now,
            message=reason, caused_by_run_id=cause.run_id, workflow_run_id=workflow_run_id,
            chain_depth=cause.chain_depth, context=context,
        )
        from .run_store import _creation_events, _new_run_params

        run.run_id = conn.execute(runs.insert().returning(runs.c.run_id), [_new_run_params(run, now)]).scalar_one()
        self._insert_events(conn, [_creation_events(run, now)])  # type: ignore[attr-defined]
        return run

    def _step_context(self, conn: sa.Connection, workflow_run_id: int) -> dict[str, Any]:
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

    def _inherit_from_retry_origin(self, conn: sa.Connection, retry_ids: Sequence[int]) -> None:
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
