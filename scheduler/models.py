"""Domain types: tasks, their actions and policies, runs and their history.

Every datetime here is aware UTC (names end in ``_at``); durations are ``timedelta``; a task's
IANA zone is stored by name and used only to evaluate calendar triggers. Rows become these
models only inside ``scheduler.store``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .triggers import Trigger

MAX_NAME_LENGTH = 120


class TaskStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    PENDING_APPROVAL = "pending_approval"


# How the error of a run whose engine died under it begins, and of one parked after killing its
# engine too often (R13: a poison run is not retried into a crash loop).
WORKER_LOST = "worker lost"
DEAD_LETTER = "dead letter"
POISON_STREAK = 3  # consecutive attempts lost with their engine before the run is parked


class RunStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    SKIPPED = "skipped"
    RETRYING = "retrying"  # this attempt failed; a retry run is scheduled
    CANCELLED = "cancelled"

    @property
    def is_terminal(self) -> bool:
        return self not in (RunStatus.PENDING, RunStatus.RUNNING)


class RunReason(StrEnum):
    SCHEDULE = "schedule"
    MANUAL = "manual"
    CATCH_UP = "catch-up"
    RETRY = "retry"
    DEPENDENCY = "dependency"
    EVENT = "event"
    CONDITION = "condition"


class DependencyCondition(StrEnum):
    SUCCESS = "success"  # the predecessor completed
    FAILURE = "failure"  # the predecessor failed (after its retries)
    DONE = "done"  # either, or it was skipped: run anyway


class MisfirePolicy(StrEnum):
    SKIP = "skip"
    RUN_ONCE = "run_once"
    RUN_ALL = "run_all"


class OverlapPolicy(StrEnum):
    SKIP = "skip"
    QUEUE = "queue"
    ALLOW = "allow"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- actions (defined in actionspec.py, re-exported here) ------------------------------------

from .actionspec import (  # noqa: E402
    Action,
    AIAction,
    EmailAction,
    HttpAction,
    NoopAction,
    ReminderAction,
    ShellAction,
    ShellLimits,
    SqlAction,
    WorkflowAction,
)

__all__ = [
    "AIAction", "Action", "DependencyCondition", "EmailAction", "HttpAction", "MisfirePolicy",
    "NoopAction", "OverlapPolicy", "ReminderAction", "RetryPolicy", "Run", "RunEvent", "RunReason",
    "RunStatus", "ShellAction", "ShellLimits", "SqlAction", "Task", "TaskSpec", "TaskStatus",
    "WorkflowAction", "check_timezone", "first_known_timezone",
]

# --- policies -----------------------------------------------------------------------------


class RetryPolicy(_Frozen):
    """``max_attempts`` counts the first try; the n-th retry waits ``delay * backoff**(n-1)``, capped."""

    max_attempts: int = Field(default=1, ge=1, le=50)
    delay: timedelta = Field(default=timedelta(seconds=30))
    backoff: float = Field(default=2.0, ge=1.0, le=10.0)
    max_delay: timedelta = Field(default=timedelta(hours=1))

    @field_validator("delay", "max_delay")
    @classmethod
    def _non_negative(cls, value: timedelta) -> timedelta:
        if value < timedelta(0):
            raise ValueError("must not be negative")
        return value

    def delay_before(self, attempt: int) -> timedelta:
        """Wait before attempt number ``attempt`` (2 = first retry)."""
        seconds = self.delay.total_seconds() * self.backoff ** max(attempt - 2, 0)
        return min(timedelta(seconds=seconds), self.max_delay)


# --- tasks --------------------------------------------------------------------------------


def check_timezone(name: str) -> str:
    """Accept only real IANA keys (no ``localtime``/``posixrules``, no paths, exact case)."""
    if name in ("UTC", "Etc/UTC"):
        return name
    if name not in _zone_keys() or name in ("localtime", "posixrules", "Factory"):
        raise ValueError(f"unknown time zone {name!r} (use an IANA name such as Europe/Berlin)")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc
    return name


def first_known_timezone(*candidates: str | None, default: str) -> str:
    """The first candidate that is a known IANA zone, else ``default``: a person's chosen zone,
    then what their platform says, then the configured default. Unknown names are skipped."""
    for candidate in candidates:
        if candidate:
            try:
                return check_timezone(candidate)
            except ValueError:
                continue
    return default


_ZONES: frozenset[str] | None = None


def _zone_keys() -> frozenset[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(available_timezones())
    return _ZONES


class TaskSpec(BaseModel):
    """What a person asks for; the service validates it and turns it into a ``Task``."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=MAX_NAME_LENGTH)
    timezone: str = "UTC"
    triggers: list[Trigger] = Field(default_factory=list, max_length=20)
    action: Action
    retry: RetryPolicy = Field(default_factory=RetryPolicy)
    timeout: timedelta = Field(default=timedelta(hours=1))
    misfire_policy: MisfirePolicy = MisfirePolicy.SKIP
    misfire_grace: timedelta = Field(default=timedelta(seconds=60))
    overlap: OverlapPolicy = OverlapPolicy.SKIP
    enabled: bool = True
    description: str | None = Field(default=None, max_length=2000)

    @field_validator("name")
    @classmethod
    def _name(cls, name: str) -> str:
        import unicodedata

        name = unicodedata.normalize("NFC", name).strip()
        if not name:
            raise ValueError("the name is empty")
        if name.isdigit():
            raise ValueError("a name can't be only digits (numbers address tasks by id)")
        if name.startswith("-"):
            raise ValueError("a name can't start with '-'")
        if any(ord(c) < 32 or c in "\x7f" for c in name):
            raise ValueError("a name can't contain control characters")
        return name

    @field_validator("timezone")
    @classmethod
    def _zone(cls, name: str) -> str:
        return check_timezone(name)

    @field_validator("timeout")
    @classmethod
    def _timeout(cls, value: timedelta) -> timedelta:
        if not timedelta(seconds=1) <= value <= timedelta(days=7):
            raise ValueError("the timeout must be between 1 second and 7 days")
        return value

    @field_validator("misfire_grace")
    @classmethod
    def _grace(cls, value: timedelta) -> timedelta:
        if value < timedelta(0):
            raise ValueError("the misfire grace time must not be negative")
        return value

    @model_validator(mode="after")
    def _late_reminders(self) -> TaskSpec:
        # People would rather get a reminder late (with a note) than never: unless the task says
        # otherwise, a reminder missed while nothing ran is caught up once. Other actions keep
        # "skip" (a late backup or report may do harm).
        if "misfire_policy" not in self.model_fields_set and self.action.kind == "reminder":
            self.misfire_policy = MisfirePolicy.RUN_ONCE
        return self


class Task(TaskSpec):
    task_id: int
    owner: str
    status: TaskStatus = TaskStatus.ACTIVE
    created_by: str
    modified_by: str
    created_at: datetime
    updated_at: datetime
    revision: int = 0
    last_fire_at: datetime | None = None  # the latest scheduled instant already turned into a run
    origin: dict[str, Any] | None = None  # conversation, message, via (cli, slack, ai...)
    created_by_run_id: int | None = None  # the AI run that spawned this task
    spawn_depth: int = 0
    approved_by: str | None = None
    approved_at: datetime | None = None
    workflow_id: int | None = None  # a workflow step: the workflow's head task

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_schedulable(self) -> bool:
        return self.enabled and self.status == TaskStatus.ACTIVE

    @property
    def destination(self) -> dict[str, str]:
        """Where this task's messages go (a connector's address: platform, channel, thread…):
        ``origin["deliver_to"]`` when the task names a place, else the conversation it was created
        in; empty when unknown, and delivery falls back to the default (the terminal). Values are
        stringified: origin is free-form JSON."""
        origin = self.origin or {}
        address = origin.get("deliver_to") or origin.get("conversation") or {}
        return {str(k): str(v) for k, v in address.items()} if isinstance(address, dict) else {}


# --- runs ---------------------------------------------------------------------------------


class Run(BaseModel):
    model_config = ConfigDict(extra="forbid")

    run_id: int
    task_id: int
    task_name: str | None = None
    status: RunStatus
    reason: RunReason
    attempt: int = 1
    scheduled_for: datetime | None = None  # the fire time this run stands for (None for manual)
    due_at: datetime
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    lease_owner: str | None = None
    lease_expires_at: datetime | None = None
    retry_of: int | None = None
    stdout: str | None = None
    stderr: str | None = None
    result: dict[str, Any] | None = None
    error: str | None = None
    traceback: str | None = None
    log_path: str | None = None
    workflow_run_id: int | None = None
    caused_by_run_id: int | None = None
    chain_depth: int = 0
    event: str | None = None
    context: dict[str, Any] | None = None

    @property
    def duration(self) -> timedelta | None:
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None


class RunEvent(BaseModel):
    model_config = ConfigDict(extra="forbid")

    run_id: int
    status: RunStatus
    at: datetime
    message: str | None = None
