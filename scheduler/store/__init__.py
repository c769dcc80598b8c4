"""The one SQLAlchemy Core store over SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

from .records import ClaimedRun, NewRun, RunOutcome
from .run_store import RunStoreMixin
from .task_store import TaskStoreMixin
from .worker_store import WorkerStoreMixin


class Store(TaskStoreMixin, RunStoreMixin, WorkerStoreMixin):
    """Tasks, runs and their history, workers. Synchronous: each call is one short transaction;
    the engine calls it from one named worker thread, the CLI directly."""


__all__ = ["Store", "NewRun", "ClaimedRun", "RunOutcome"]
