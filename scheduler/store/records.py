"""The plain records that cross the store's seam (``scheduler/store_ports.py``).

The engine's hot path moves thousands a second: no validation on the way in, models only when
something is read back for a person. Every part of the store, the engine and the service share
these, so they sit below all of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..models import DependencyCondition, OverlapPolicy, RunReason, RunStatus

# The reason of a fire an overloaded engine shed at the head (dropped because it was already
# late, so the fires after it start on time); the fire still gets its row.
OVERLOADED = "missed: engine overloaded"


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
    # An on-time fire the database decides against the task's live runs (store/overlap.py):
    # its task's overlap policy. None: decided already (misfires, sheds, the engine's own skips).
    overlap: OverlapPolicy | None = None
    held: bool = False  # set by the store: due later and its task busy, so not recorded yet


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


@dataclass
class SkipChain:
    """A failure and everything downstream it skipped: one notice to the owner."""

    root_run_id: int
    root_task_id: int
    reason: str
    skipped_task_ids: list[int] = field(default_factory=list)


@dataclass
class Released:
    """What the end of runs (or an emitted event) set going in the same transaction."""

    runs: list[NewRun] = field(default_factory=list)  # pending runs created by releases and events
    chains: list[SkipChain] = field(default_factory=list)
    cut: list[NewRun] = field(default_factory=list)  # event runs refused for a too-long causal chain

    def add(self, other: Released) -> None:
        """Take ``other``'s runs, chains and cut runs into this one."""
        self.runs.extend(other.runs)
        self.chains.extend(other.chains)
        self.cut.extend(other.cut)


@dataclass(frozen=True)
class Edge:
    """A dependency: ``successor_id`` runs after ``predecessor_id`` ends with ``condition``."""

    predecessor_id: int
    successor_id: int
    condition: DependencyCondition


@dataclass(frozen=True)
class SpawnCheck:
    """A task being created by AI run ``run_id`` at ``depth``, within these budgets."""

    run_id: int
    depth: int
    per_run_limit: int
    per_day_limit: int


@dataclass(frozen=True)
class HourOfRuns:
    """Ended runs created in one UTC hour: outcomes, and the lateness of those that started
    (started minus due, summed with the count so hours fold into days exactly)."""

    hour: datetime  # aware, UTC, on the hour
    completed: int
    failed: int
    skipped: int
    late_seconds: float
    started: int


@dataclass(frozen=True, slots=True)
class RunTally:
    """Ended runs of one task (``task_id`` None: of every task counted) over a period, counted in
    the database. Durations (completed and failed runs with a start and an end) in microseconds;
    ``p95_us`` is the nearest-rank pick: sorted ascending, index ``round(0.95 * (timed - 1))``
    (Python's rounding: half to even); ``p95_approx``: read from a histogram of the durations,
    within 2.2 % of that pick (store/run_rollups.py)."""

    task_id: int | None
    name: str
    runs: int
    completed: int
    failed: int
    skipped: int
    timed: int
    duration_us: int
    p95_us: int | None
    p95_approx: bool = False
