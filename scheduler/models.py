"""Domain types: tasks, their actions and policies, runs and their history.

Every datetime here is aware UTC (names end in ``_at``); durations are ``timedelta``; a task's
IANA zone is stored by name and used only to evaluate calendar triggers. Rows become these
models only inside ``scheduler.store``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .triggers import Trigger

MAX_NAME_LENGTH = 120


class TaskStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    PENDING_APPROVAL = "pending_approval"


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


# --- actions ------------------------------------------------------------------------------


class NoopAction(_Frozen):
    """Does nothing and succeeds: for benchmarks and dry runs."""

    kind: Literal["noop"] = "noop"


class ReminderAction(_Frozen):
    kind: Literal["reminder"] = "reminder"
    message: str = Field(min_length=1, max_length=4000)


class ShellLimits(_Frozen):
    cpu_seconds: int | None = Field(default=None, ge=1, le=86_400)
    memory_mb: int | None = Field(default=None, ge=16, le=1_048_576)
    max_processes: int | None = Field(default=None, ge=1, le=100_000)
    max_file_mb: int | None = Field(default=None, ge=1, le=1_048_576)
    max_open_files: int | None = Field(default=None, ge=8, le=1_048_576)


class ShellAction(_Frozen):
    """A program run without a shell (``argv``), or through ``sh -c`` only when ``use_shell``."""

    kind: Literal["shell"] = "shell"
    argv: list[str] = Field(min_length=1, max_length=4096)
    use_shell: bool = False
    env: dict[str, str] = Field(default_factory=dict)
    cwd: str | None = None
    limits: ShellLimits = Field(default_factory=ShellLimits)

    @field_validator("argv")
    @classmethod
    def _no_nul(cls, argv: list[str]) -> list[str]:
        if any("\x00" in a for a in argv):
            raise ValueError("arguments may not contain NUL bytes")
        if sum(len(a) for a in argv) > 128 * 1024:
            raise ValueError("the command line is longer than 128 KiB")
        return argv

    @model_validator(mode="after")
    def _shell_form(self) -> ShellAction:
        if self.use_shell and len(self.argv) != 1:
            raise ValueError("with use_shell the command is one string")
        return self


class HttpAction(_Frozen):
    kind: Literal["http"] = "http"
    method: Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"] = "GET"
    url: str = Field(min_length=1, max_length=8192)
    headers: dict[str, str] = Field(default_factory=dict)
    body: str | None = None


class SqlAction(_Frozen):
    kind: Literal["sql"] = "sql"
    database: str = Field(min_length=1, max_length=100, description="a name from settings")
    statement: str = Field(min_length=1, max_length=100_000)
    allow_writes: bool = False


class EmailAction(_Frozen):
    """Send an email over the configured SMTP server."""

    kind: Literal["email"] = "email"
    to: list[str] = Field(min_length=1, max_length=50)
    subject: str = Field(min_length=1, max_length=300)
    body: str = Field(default="", max_length=200_000)

    @field_validator("to")
    @classmethod
    def _addresses(cls, to: list[str]) -> list[str]:
        for address in to:
            if "@" not in address or any(c in address for c in "\r\n,;<> "):
                raise ValueError(f"not an email address: {address!r}")
        return to


class AIAction(_Frozen):
    kind: Literal["ai"] = "ai"
    prompt: str = Field(min_length=1, max_length=20_000)
    template: str | None = None
    inputs: dict[str, str] = Field(default_factory=dict)


Action = Annotated[
    NoopAction | ReminderAction | ShellAction | HttpAction | SqlAction | EmailAction | AIAction,
    Field(discriminator="kind"),
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

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_schedulable(self) -> bool:
        return self.enabled and self.status == TaskStatus.ACTIVE


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
