"""Plain records for the engine's hot path (thousands a second): no validation on the way in,
models only when something is read back for a person."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..models import RunReason, RunStatus


@dataclass(slots=True)
class NewRun:
    task_id: int
    status: RunStatus
    reason: RunReason
    due_at: datetime
    scheduled_for: datetime | None = None
    attempt: int = 1
    message: str | None = None  # the reason of a skip, kept as the run's error
    lease_owner: str | None = None
    lease_expires_at: datetime | None = None
    started_at: datetime | None = None
    retry_of: int | None = None
    workflow_run_id: int | None = None
    caused_by_run_id: int | None = None
    chain_depth: int = 0
    event: str | None = None
    context: dict[str, Any] | None = None
    run_id: int | None = None  # filled in once inserted


@dataclass(slots=True)
class ClaimedRun:
    run_id: int
    task_id: int
    reason: RunReason
    attempt: int
    scheduled_for: datetime | None
    due_at: datetime
    workflow_run_id: int | None = None
    context: dict[str, Any] | None = None


@dataclass(slots=True)
class RunOutcome:
    run_id: int
    task_id: int
    status: RunStatus  # completed | failed | cancelled
    finished_at: datetime
    stdout: str | None = None
    stderr: str | None = None
    result: dict[str, Any] | None = None
    error: str | None = None
    traceback: str | None = None
    log_path: str | None = None
    retry_due_at: datetime | None = None  # set when another attempt should follow
    attempt: int = 1
    scheduled_for: datetime | None = None
    reason: RunReason = RunReason.SCHEDULE
    retry_run_id: int | None = field(default=None)  # filled in by the store
    started_at: datetime | None = None  # when the action began (None: keep the row's)
