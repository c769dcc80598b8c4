"""Who is asking and what they may do: the vocabulary of access every layer shares.

A leaf module (it imports no other part of cronpilot): the service, its parts, the store, the
tools and the connectors all name an ``Actor`` or a ``UserRecord`` without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import ValidationError


class Role(StrEnum):
    """Who may do what (docs/access.md has the whole matrix). Ordered: each role may do what the
    ones below it may. ``operator`` is a member trusted to run code: their shell, writing SQL
    and internal-http tasks don't wait for an admin's approval."""

    ADMIN = "admin"
    OPERATOR = "operator"
    MEMBER = "member"
    VIEWER = "viewer"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def at_most(self, other: Role) -> Role:
        """The lesser of two roles (a session's role, capped by the person's current one)."""
        return self if self.rank <= other.rank else other


_RANK = {Role.VIEWER: 0, Role.MEMBER: 1, Role.OPERATOR: 2, Role.ADMIN: 3}
ROLES = tuple(role.value for role in Role)


class Access(StrEnum):
    """What a group gets of a task shared with it."""

    READ = "read"  # see it, its runs and logs
    MANAGE = "manage"  # and pause, resume, edit, run now, cancel its runs (not delete, not share)


@dataclass(frozen=True)
class Actor:
    """Who is asking: a person mapped from a platform identity, the local CLI user, or an AI
    run acting for its owner (``ai_run_id``; its rights are the owner's, narrowed by policy)."""

    user: str
    role: Role = Role.MEMBER
    ai_run_id: int | None = None
    spawn_depth: int = 0  # depth of the task whose AI run this is (a person's task is 0)
    origin: dict[str, Any] | None = None  # conversation address, message text, via

    @property
    def is_ai(self) -> bool:
        return self.ai_run_id is not None


@dataclass(frozen=True)
class UserRecord:
    """A cronpilot user; ``role`` is one of ``ROLES``, ``timezone`` the zone they chose (None:
    unknown)."""

    user_id: str
    role: str
    display_name: str | None = None
    timezone: str | None = None
    email: str | None = None
    removed: bool = False  # removed people keep their row (the audit names them) but act no more


@dataclass(frozen=True)
class SpawnPolicy:
    """Limits on tasks that AI runs create (all settings)."""

    per_run: int = 5
    per_owner_per_day: int = 20
    max_depth: int = 2
    min_recurring_interval: timedelta = timedelta(minutes=15)
    approval_kinds: frozenset[str] = frozenset({"shell", "http", "sql"})


@dataclass(frozen=True)
class AIUsage:
    """What an owner's AI tasks used in the budget window, as the run rows record it."""

    task_runs: int = 0  # runs of the task at hand that started in the window (this one left out)
    last_task_run_at: datetime | None = None  # when the task at hand last started a run
    model_calls: int = 0  # by every AI task of the owner, as their runs reported them
    tokens: int = 0
    noticed: bool = False  # the owner was already told of a skip in the window


BUDGET_SKIP = "skipped: AI budget"  # how the error of a run skipped for its budget begins


@dataclass(frozen=True)
class AIRunBudget:
    """Limits on AI runs however they are triggered (settings): runs per task per hour, model
    calls and tokens per owner per hour, and for a task an AI run made the same floor between
    runs as between its fires (``SpawnPolicy.min_recurring_interval``)."""

    runs_per_task_per_hour: int = 30
    model_calls_per_owner_per_hour: int = 200
    tokens_per_owner_per_hour: int = 500_000
    ai_made_min_interval: timedelta = timedelta(minutes=15)
    window: timedelta = timedelta(hours=1)


@dataclass(frozen=True)
class TaskQuota:
    """How many tasks one person (not an admin) may have, and create per hour (settings
    ``CRONPILOT_MAX_TASKS_PER_PERSON``, ``CRONPILOT_MAX_NEW_TASKS_PER_HOUR``; 0: no limit)."""

    live: int = 500
    per_hour: int = 120


def validation_message(exc: ValidationError) -> str:
    """One line from a pydantic error: where and why."""
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ()) if not isinstance(p, int))
    message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
    return f"{where}: {message}" if where else message
