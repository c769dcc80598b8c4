"""Task rows: add, get, list, update, delete, and the change feed the engine follows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..errors import AmbiguousName, Conflict, NotFound, PermissionDenied
from ..models import Task, TaskSpec, TaskStatus
from ..schedule import Schedule, schedule_from_row
from ..triggers import EventTrigger
from .base import Database
from .event_store import sync_subscriptions
from .records import SpawnCheck
from .tables import dependencies, tasks

_TOP_LEVEL = ("name", "timezone", "enabled")


def definition_of(spec: TaskSpec) -> dict[str, Any]:
    """The ``definition`` column of a task: its spec less the fields that are columns."""
    return spec.model_dump(mode="json", exclude=set(_TOP_LEVEL))


def task_from_row(row: sa.Row[Any]) -> Task:
    data = dict(row.definition)
    data.update(
        task_id=row.task_id,
        name=row.name,
        owner=row.owner,
        timezone=row.timezone,
        status=row.status,
        enabled=row.enabled,
        created_by=row.created_by,
        modified_by=row.modified_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
        revision=row.revision,
        last_fire_at=row.last_fire_at,
        origin=row.origin,
        created_by_run_id=row.created_by_run_id,
        spawn_depth=row.spawn_depth or 0,
        approved_by=row.approved_by,
        approved_at=row.approved_at,
        workflow_id=row.workflow_id,
    )
    # Stored definitions were validated on the way in; skip the costly re-checks (cron search).
    return Task.model_validate(data, context={"trusted": True})


def tasks_by_id(conn: sa.Connection, task_ids: Sequence[int]) -> dict[int, Task]:
    """Live tasks by id, inside the caller's transaction."""
    rows = conn.execute(
        tasks.select().where(tasks.c.task_id.in_(list(task_ids)), tasks.c.deleted_at.is_(None))
    )
    return {row.task_id: task_from_row(row) for row in rows}


class TaskRows:
    """Task rows, their change feed (each change bumps a revision the engine follows) and the
    audit log."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def add_task(
        self,
        spec: TaskSpec,
        *,
        owner: str,
        actor: str,
        now: datetime,
        status: TaskStatus = TaskStatus.ACTIVE,
        origin: dict[str, Any] | None = None,
        spawn: SpawnCheck | None = None,
        workflow_id: int | None = None,
    ) -> Task:
        """Insert a task. With ``spawn`` (an AI run creating it) the per-run and per-day budgets
        are checked in the same transaction, behind a per-owner lock, so parallel runs can't
        overshoot them."""
        with self.db.write() as conn:
            revision = self.db.next_counter(conn, "task_revision")
            if spawn is not None:
                self._check_spawn_budget(conn, spawn, owner=owner, now=now)
            try:
                task_id = conn.execute(
                    tasks.insert()
                    .values(
                        name=spec.name,
                        owner=owner,
                        timezone=spec.timezone,
                        status=status.value,
                        enabled=spec.enabled,
                        action_kind=spec.action.kind,
                        definition=definition_of(spec),
                        created_by=actor,
                        modified_by=actor,
                        created_at=now,
                        updated_at=now,
                        revision=revision,
                        origin=origin,
                        created_by_run_id=spawn.run_id if spawn else None,
                        spawn_depth=spawn.depth if spawn else 0,
                        workflow_id=workflow_id,
                    )
                    .returning(tasks.c.task_id)
                ).scalar_one()
            except IntegrityError as exc:
                raise Conflict(f"you already have a task named {spec.name!r}; pick another name") from exc
            sync_subscriptions(conn, task_id, spec)
            return task_from_row(conn.execute(tasks.select().where(tasks.c.task_id == task_id)).one())

    def add_tasks(
        self, specs: Iterable[TaskSpec], *, owner: str, actor: str, now: datetime, batch: int = 5000
    ) -> int:
        """Insert many active tasks (an import, a benchmark's load), ``batch`` to a transaction,
        each with its own revision; returns how many. Names must be new; no spawn budget (a
        person's bulk load, not an AI run's)."""
        added = 0
        pending: list[TaskSpec] = []
        for spec in specs:
            pending.append(spec)
            if len(pending) >= batch:
                added += self._insert_batch(pending, owner=owner, actor=actor, now=now)
                pending = []
        if pending:
            added += self._insert_batch(pending, owner=owner, actor=actor, now=now)
        return added

    def _insert_batch(self, specs: list[TaskSpec], *, owner: str, actor: str, now: datetime) -> int:
        with self.db.write() as conn:
            last = self.db.next_counter(conn, "task_revision", step=len(specs))
            rows = [
                {"name": spec.name, "owner": owner, "timezone": spec.timezone, "status": TaskStatus.ACTIVE.value,
                 "enabled": spec.enabled, "action_kind": spec.action.kind, "definition": definition_of(spec),
                 "created_by": actor, "modified_by": actor, "created_at": now, "updated_at": now,
                 "revision": last - len(specs) + 1 + i, "spawn_depth": 0}
                for i, spec in enumerate(specs)
            ]
            try:
                ids = conn.execute(
                    tasks.insert().returning(tasks.c.task_id, sort_by_parameter_order=True), rows
                ).scalars().all()
            except IntegrityError as exc:
                raise Conflict(f"{owner} already has tasks with some of these names") from exc
            for task_id, spec in zip(ids, specs, strict=True):
                if any(isinstance(t, EventTrigger) for t in spec.triggers):
                    sync_subscriptions(conn, task_id, spec)
        return len(specs)

    def _check_spawn_budget(self, conn: sa.Connection, spawn: SpawnCheck, *, owner: str, now: datetime) -> None:
        self.db.next_counter(conn, f"spawn:{owner}")  # row lock: budget checks of one owner queue up
        per_run = conn.execute(
            sa.select(sa.func.count()).where(tasks.c.created_by_run_id == spawn.run_id)
        ).scalar_one()
        if per_run >= spawn.per_run_limit:
            raise PermissionDenied(
                f"spawn budget reached: an AI run may create at most {spawn.per_run_limit} tasks"
            )
        per_day = conn.execute(
            sa.select(sa.func.count()).where(
                tasks.c.owner == owner,
                tasks.c.created_by_run_id.is_not(None),
                tasks.c.created_at >= now - timedelta(days=1),
            )
        ).scalar_one()
        if per_day >= spawn.per_day_limit:
            raise PermissionDenied(
                f"spawn budget reached: AI tasks may create at most {spawn.per_day_limit} tasks "
                "per owner per day"
            )

    def get_task(self, task_id: int) -> Task:
        with self.db.read() as conn:
            row = conn.execute(
                tasks.select().where(tasks.c.task_id == task_id, tasks.c.deleted_at.is_(None))
            ).first()
        if row is None:
            raise NotFound(f"no task with id {task_id}")
        return task_from_row(row)

    def find_task(self, ref: str) -> Task:
        """A task by id ("12"), or by a name only one live task has; ``NotFound`` when none
        has it, ``InvalidRequest`` when several owners use it (``tasks_named`` lists them)."""
        ref = ref.strip()
        if ref.isdigit():
            return self.get_task(int(ref))
        named = self.tasks_named(ref)
        if not named:
            raise NotFound(f"no task named {ref!r}")
        if len(named) > 1:
            which = ", ".join(f"#{t.task_id} ({t.owner}'s)" for t in named)
            raise AmbiguousName(f"{len(named)} tasks are named {ref!r}: {which}; say which by its id",
                                tuple(t.task_id for t in named))
        return named[0]

    def tasks_named(self, name: str) -> list[Task]:
        """The live tasks called ``name`` (one per owner at most), by id."""
        with self.db.read() as conn:
            rows = conn.execute(tasks.select().where(tasks.c.name == name.strip(), tasks.c.deleted_at.is_(None))
                                .order_by(tasks.c.task_id))
            return [task_from_row(row) for row in rows]

    def list_tasks(
        self,
        *,
        owner: str | None = None,
        status: TaskStatus | None = None,
        action_kind: str | None = None,
        name_contains: str | None = None,
        workflow_id: int | None = None,
        also_task_ids: Sequence[int] = (),
        workflow_ids: Sequence[int] | None = None,
    ) -> list[Task]:
        query = tasks.select().where(tasks.c.deleted_at.is_(None)).order_by(tasks.c.task_id)
        if workflow_id is not None:  # a workflow's steps (indexed): not every task read to find them
            query = query.where(tasks.c.workflow_id == workflow_id)
        if workflow_ids is not None:  # the steps of several workflows at once
            query = query.where(tasks.c.workflow_id.in_(list(workflow_ids)))
        if owner is not None:
            mine = tasks.c.owner == owner
            query = query.where(sa.or_(mine, tasks.c.task_id.in_(list(also_task_ids))) if also_task_ids else mine)
        if status is not None:
            query = query.where(tasks.c.status == status.value)
        if action_kind is not None:
            query = query.where(tasks.c.action_kind == action_kind)
        if name_contains:
            query = query.where(tasks.c.name.ilike(f"%{_escape_like(name_contains)}%", escape="\\"))
        with self.db.read() as conn:
            return [task_from_row(row) for row in conn.execute(query)]

    def page_tasks(
        self, *, owner: str | None = None, status: TaskStatus | None = None,
        action_kind: str | None = None, name_contains: str | None = None, limit: int = 100,
        offset: int = 0, also_task_ids: Sequence[int] = (),
    ) -> tuple[int, list[Task]]:
        """(how many live tasks match, the ``limit`` of them from ``offset`` by id), read in one
        transaction: a page costs its rows, not the table's. ``owner``: theirs and ``also_task_ids``."""
        where: list[sa.ColumnElement[bool]] = [tasks.c.deleted_at.is_(None)]
        if owner is not None:
            mine = tasks.c.owner == owner
            where.append(sa.or_(mine, tasks.c.task_id.in_(list(also_task_ids))) if also_task_ids else mine)
        if status is not None:
            where.append(tasks.c.status == status.value)
        if action_kind is not None:
            where.append(tasks.c.action_kind == action_kind)
        if name_contains:
            where.append(tasks.c.name.ilike(f"%{_escape_like(name_contains)}%", escape="\\"))
        query = tasks.select().where(*where).order_by(tasks.c.task_id).limit(limit).offset(offset)
        with self.db.read() as conn:
            total = int(conn.execute(sa.select(sa.func.count()).select_from(tasks).where(*where)).scalar_one())
            return total, [task_from_row(row) for row in conn.execute(query)]

    def task_changes_since(self, revision: int, *, limit: int = 500) -> list[tuple[int, int, str, bool]]:
        """(revision, task id, status, deleted) of each task changed after ``revision``, oldest
        first (the ``revision`` index: a cheap range read)."""
        query = (
            sa.select(tasks.c.revision, tasks.c.task_id, tasks.c.status, tasks.c.deleted_at.is_not(None))
            .where(tasks.c.revision > revision)
            .order_by(tasks.c.revision)
            .limit(limit)
        )
        with self.db.read() as conn:
            return [(int(r[0]), int(r[1]), str(r[2]), bool(r[3])) for r in conn.execute(query)]

    def update_task(
        self,
        task_id: int,
        *,
        actor: str,
        now: datetime,
        spec: TaskSpec | None = None,
        status: TaskStatus | None = None,
        reset_schedule: bool = False,
        approved_by: str | None = None,
        origin: dict[str, Any] | None = None,
    ) -> Task:
        """Replace the definition and/or status; ``reset_schedule`` forgets the last fire so the
        schedule restarts from now (a changed trigger must not replay its past)."""
        values: dict[str, Any] = {"modified_by": actor, "updated_at": now}
        if spec is not None:
            values.update(
                name=spec.name,
                timezone=spec.timezone,
                enabled=spec.enabled,
                action_kind=spec.action.kind,
                definition=definition_of(spec),
            )
        if status is not None:
            values["status"] = status.value
        if reset_schedule:
            values["last_fire_at"] = now
        if approved_by is not None:
            values.update(approved_by=approved_by, approved_at=now)
        if origin is not None:
            values["origin"] = origin
        with self.db.write() as conn:
            values["revision"] = self.db.next_counter(conn, "task_revision")
            try:
                result = conn.execute(
                    tasks.update()
                    .where(tasks.c.task_id == task_id, tasks.c.deleted_at.is_(None))
                    .values(**values)
                )
            except IntegrityError as exc:
                raise Conflict(f"its owner already has a task named {spec.name if spec else '?'!r}") from exc
            if result.rowcount == 0:
                raise NotFound(f"no task with id {task_id}")
            if spec is not None:
                sync_subscriptions(conn, task_id, spec)
            return task_from_row(conn.execute(tasks.select().where(tasks.c.task_id == task_id)).one())

    def delete_task(self, task_id: int, *, actor: str, now: datetime) -> None:
        """Soft delete: the task disappears, its run history stays."""
        with self.db.write() as conn:
            revision = self.db.next_counter(conn, "task_revision")
            result = conn.execute(
                tasks.update()
                .where(tasks.c.task_id == task_id, tasks.c.deleted_at.is_(None))
                .values(deleted_at=now, modified_by=actor, updated_at=now, revision=revision)
            )
            if result.rowcount == 0:
                raise NotFound(f"no task with id {task_id}")
            sync_subscriptions(conn, task_id, None)
            conn.execute(dependencies.delete().where(
                sa.or_(dependencies.c.predecessor_id == task_id, dependencies.c.successor_id == task_id)))

    def task_revision(self) -> int:
        with self.db.read() as conn:
            return int(conn.execute(sa.select(sa.func.max(tasks.c.revision))).scalar() or 0)

    def schedules_changed_since(
        self, revision: int, *, full: bool = True
    ) -> tuple[list[tuple[Schedule, Task | None]], list[int], int]:
        """The change feed: (each live task changed after ``revision`` as a ``Schedule`` with
        its whole ``Task`` (when ``full``, or when it has reactive triggers: its watchers need
        it), the ids deleted after it, the newest revision). Without ``full`` most tasks are
        never validated whole: a fraction of the time and memory of an engine's start-up."""
        live: list[tuple[Schedule, Task | None]] = []
        deleted: list[int] = []
        newest = revision
        # Rows are turned into schedules as they stream in: at start-up that is every task,
        # and holding all the rows next to them would add half again to the peak memory.
        with self.db.read() as conn:
            # The engine asks every second and the answer is nearly always nothing. The newest
            # revision is one step down the index whatever the statistics; ``revision > X``
            # without them (a new database, before autovacuum's first ANALYZE) was planned on
            # PostgreSQL as a scan of the whole table in parallel workers (16-25 ms a second
            # with 14,000 tasks, measured), so it is asked only when there is something to read.
            top = conn.execute(sa.select(sa.func.max(tasks.c.revision))).scalar_one()
            if top is None or top <= revision:
                return live, deleted, newest
            for row in conn.execute(
                tasks.select().where(tasks.c.revision > revision).order_by(tasks.c.revision)
            ):
                if row.deleted_at is None:
                    schedule = schedule_from_row(row)
                    live.append((schedule, task_from_row(row) if full or schedule.reactive else None))
                else:
                    deleted.append(row.task_id)
                newest = max(newest, row.revision)
        return live, deleted, newest

    def tasks_by_id(self, task_ids: Sequence[int]) -> dict[int, Task]:
        with self.db.read() as conn:
            return tasks_by_id(conn, task_ids)

    def count_tasks(self) -> int:
        with self.db.read() as conn:
            return int(conn.execute(
                sa.select(sa.func.count()).select_from(tasks).where(tasks.c.deleted_at.is_(None))
            ).scalar_one())

    def count_owned(self, owner: str, *, created_since: datetime | None = None) -> int:
        """``owner``'s live tasks; with ``created_since``, the tasks they created since then
        (deleted ones too: deleting doesn't refill a rate)."""
        query = sa.select(sa.func.count()).select_from(tasks).where(tasks.c.owner == owner)
        if created_since is None:
            query = query.where(tasks.c.deleted_at.is_(None))
        else:
            query = query.where(tasks.c.created_at >= created_since)
        with self.db.read() as conn:
            return int(conn.execute(query).scalar_one())

    def task_ids(self) -> list[int]:
        with self.db.read() as conn:
            return list(conn.execute(sa.select(tasks.c.task_id).where(tasks.c.deleted_at.is_(None))).scalars())

    def live_task_names(self, *, owner: str | None = None, also_task_ids: Sequence[int] = ()) -> list[str]:
        """Names of live tasks: all, or ``owner``'s and those of ``also_task_ids``."""
        query = sa.select(tasks.c.name).where(tasks.c.deleted_at.is_(None))
        if owner is not None:
            query = query.where(sa.or_(tasks.c.owner == owner, tasks.c.task_id.in_(list(also_task_ids))))
        with self.db.read() as conn:
            return list(conn.execute(query).scalars())

    def task_names(self, task_ids: list[int]) -> dict[int, str]:
        if not task_ids:
            return {}
        with self.db.read() as conn:
            rows = conn.execute(
                sa.select(tasks.c.task_id, tasks.c.name).where(tasks.c.task_id.in_(set(task_ids)))
            )
            return {r.task_id: r.name for r in rows}


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
