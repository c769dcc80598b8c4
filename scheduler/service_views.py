"""The service's part for screens that show many things at once (the web dashboard): a page of
tasks with each one's last run, and the change feed that keeps an open page current.

Same visibility rules as the rest of the service: non-admins see their own tasks only. Every read
is bounded (a page, a cursor step), so a screen costs the same with ten tasks or ten thousand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from .access import Actor, Role
from .models import Run, Task, TaskStatus
from .store_ports import RunStore, TaskStore


class ViewStore(TaskStore, RunStore, Protocol):
    """Tasks and runs, read in pages and as a change feed."""


@dataclass(frozen=True)
class TaskPage:
    tasks: list[Task]
    total: int  # how many match in all
    latest: dict[int, Run]  # each shown task's newest run


@dataclass(frozen=True)
class Cursor:
    """Where a reader of the change feed stands: the last run status change and task revision
    it has seen."""

    run_event: int = 0
    task_revision: int = 0


@dataclass(frozen=True)
class Change:
    """One thing that changed: a run's status (``run_id`` set) or a task (``run_id`` None;
    ``status`` "deleted" when it went)."""

    task_id: int
    status: str
    run_id: int | None = None


@dataclass(frozen=True)
class Changes:
    cursor: Cursor
    items: list[Change] = field(default_factory=list)


class Views:
    def __init__(self, store: ViewStore) -> None:
        self.store = store

    def task_page(
        self, *, actor: Actor, status: TaskStatus | None = None, kind: str | None = None,
        owner: str | None = None, search: str | None = None, offset: int = 0, limit: int = 50,
    ) -> TaskPage:
        """One page of the tasks ``actor`` may see (admins: filter by ``owner``), with their last runs."""
        if actor.role != Role.ADMIN:
            owner = actor.user
        total, tasks = self.store.page_tasks(owner=owner or None, status=status, action_kind=kind or None,
                                             name_contains=search or None, offset=offset,
                                             limit=max(1, min(limit, 200)))
        return TaskPage(tasks=tasks, total=total, latest=self.store.latest_runs([t.task_id for t in tasks]))

    def change_cursor(self) -> Cursor:
        """The feed's present position: a reader starting here sees only what changes next."""
        return Cursor(run_event=self.store.last_run_event_id(), task_revision=self.store.task_revision())

    def changes_since(self, cursor: Cursor, *, limit: int = 500) -> Changes:
        """What changed after ``cursor`` (two indexed range reads, whichever process made the
        changes), and the cursor to ask from next. Not filtered by person: callers show each
        reader only what they may see."""
        items: list[Change] = []
        run_event, revision = cursor.run_event, cursor.task_revision
        for event_id, run_id, task_id, status in self.store.run_changes_since(run_event, limit=limit):
            items.append(Change(task_id=task_id, status=status, run_id=run_id))
            run_event = event_id
        for rev, task_id, status, deleted in self.store.task_changes_since(revision, limit=limit):
            items.append(Change(task_id=task_id, status="deleted" if deleted else status))
            revision = rev
        return Changes(cursor=Cursor(run_event=run_event, task_revision=revision), items=items)
