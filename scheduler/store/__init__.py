"""The one SQLAlchemy Core store over SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

from .conversation_store import ConversationStoreMixin
from .dag_store import DagStoreMixin, Edge, Released, SkipChain
from .event_store import EventStoreMixin
from .identity_store import IdentityStoreMixin, UserRecord
from .records import ClaimedRun, NewRun, RunOutcome
from .run_store import RunStoreMixin
from .secret_store import SecretRecord, SecretStoreMixin
from .task_store import TaskStoreMixin
from .worker_store import WorkerStoreMixin


class Store(
    TaskStoreMixin, RunStoreMixin, DagStoreMixin, EventStoreMixin, WorkerStoreMixin, IdentityStoreMixin,
    SecretStoreMixin, ConversationStoreMixin,
):
    """Tasks, runs and their history, dependencies, events, workers, people, secrets (sealed),
    conversations. Synchronous: each
    call is one short transaction; the engine calls it from one named worker thread, the CLI
    directly."""


__all__ = [
    "ClaimedRun",
    "Edge",
    "NewRun",
    "Released",
    "RunOutcome",
    "SecretRecord",
    "SkipChain",
    "Store",
    "UserRecord",
]
