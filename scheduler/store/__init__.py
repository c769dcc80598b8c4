"""The one SQLAlchemy Core store over SQLite (embedded default) and PostgreSQL.

``Store`` is composed of parts that each own some tables and share one ``Database``
(connections, transactions, migrations); the module each lives in is last:

    tasks         TaskRows         task rows, the change feed                    task_store
    audit         AuditRows        the audit trail, chained by hashes            audit_store
    runs          RunRows          fires, claims, outcomes, retries, recovery    run_store
    history       RunHistory       runs read back for people                     run_history
    activity      RunActivity      runs counted per hour (charts over time)      run_activity
    rollups       RunRollups       closed hours' figures kept (the stats screen) run_rollups
    dag           DagRows          edges (their release: dag_store.release)      dag_store
    events        EventRows        subscriptions, events, webhooks, conditions   event_store
    workers       WorkerRows       engines and their heartbeats                  worker_store
    people        PeopleRows       users, identities, groups, shares, claims,    identity_store
                                   the event ledger
    secrets       SecretRows       sealed secrets (and webhook signing secrets)  secret_store
    conversations ConversationRows a chat's turn counter and pending state       conversation_store
    tokens        TokenRows        API tokens (their hashes)                     token_store
    web_sessions  WebSessionRows   the dashboard's sign-in links and sessions    web_session_store
    guards        GuardRows        AI runs' budgets, dead engines' leases        guard_store
    outbox        OutboxRows       parts of outgoing messages delivered          guard_store
    shares        ShareRows        partitions of the schedule engines share      share_store

No part calls another part (``rollups`` is held by ``history`` and ``activity``, which both
read the stored hours it keeps); work that crosses them inside one transaction (ending a run
releases its dependents and emits its outcome events) is an explicit call from ``run_store``
down to module functions of ``dag_store`` and ``event_store``, which build rows with
``run_rows``. Records that cross the seam are in ``records.py``.

Its methods are those of its parts, under one flat surface: the protocols in
``scheduler/store_ports.py`` (what the engine, the service and people need) describe it, and
nothing outside ``scheduler/`` but the composition root and tests names this class.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from ..access import UserRecord
from ..parts import via
from .audit_store import AuditRows
from .base import Database
from .conversation_store import ConversationRows
from .dag_store import DagRows
from .event_store import EventRows
from .guard_store import GuardRows, OutboxRows
from .identity_store import PeopleRows
from .records import (
    ClaimedRun,
    Edge,
    HourOfRuns,
    NewRun,
    Released,
    RunOutcome,
    SkipChain,
    SpawnCheck,
)
from .run_activity import RunActivity
from .run_history import RunHistory
from .run_rollups import RunRollups
from .run_store import RunRows
from .secret_store import SecretRecord, SecretRows
from .share_store import ShareRows
from .task_store import TaskRows
from .token_store import TokenRecord, TokenRows
from .web_session_store import WebSessionRecord, WebSessionRows
from .worker_store import WorkerRows


class Store:
    """Tasks, runs and their history, dependencies, events, workers, people, secrets (sealed),
    conversations. Synchronous: each call is one short transaction; the engine calls it from one
    named worker thread, the CLI directly."""

    def __init__(self, url: str, *, migrate: bool = True, secret_box: Callable[[], Any] | None = None) -> None:
        # ``secret_box`` is asked for only by a migration that must seal old rows (0006).
        self.db = Database(url, migrate=migrate, secret_box=secret_box)
        self.tasks = TaskRows(self.db)
        self.audit = AuditRows(self.db)
        self.runs = RunRows(self.db)
        self.rollups = RunRollups(self.db)  # one per store: it keeps the closed hours it has read
        self.history = RunHistory(self.db, self.rollups)
        self.activity = RunActivity(self.db, self.rollups)
        self.dag = DagRows(self.db)
        self.events = EventRows(self.db)
        self.workers = WorkerRows(self.db)
        self.people = PeopleRows(self.db)
        self.secrets = SecretRows(self.db)
        self.conversations = ConversationRows(self.db)
        self.tokens = TokenRows(self.db)
        self.web_sessions = WebSessionRows(self.db)
        self.guards = GuardRows(self.db)
        self.outbox = OutboxRows(self.db)
        self.shares = ShareRows(self.db)

    @property
    def url(self) -> str:
        return self.db.url

    @property
    def engine(self) -> sa.Engine:
        """The SQLAlchemy engine (tests and benchmarks that lay rows down directly)."""
        return self.db.engine

    @property
    def is_sqlite(self) -> bool:
        return self.db.is_sqlite

    migrate = via("db", Database.migrate)
    next_counter = via("db", Database.next_counter)
    schema_revision = via("db", Database.schema_revision)
    checkpoint_in_background = via("db", Database.checkpoint_in_background)
    stop_background_checkpoints = via("db", Database.stop_background_checkpoints)
    close = via("db", Database.close)

    add_task = via("tasks", TaskRows.add_task)
    add_tasks = via("tasks", TaskRows.add_tasks)
    get_task = via("tasks", TaskRows.get_task)
    find_task = via("tasks", TaskRows.find_task)
    tasks_named = via("tasks", TaskRows.tasks_named)
    list_tasks = via("tasks", TaskRows.list_tasks)
    page_tasks = via("tasks", TaskRows.page_tasks)
    task_changes_since = via("tasks", TaskRows.task_changes_since)
    update_task = via("tasks", TaskRows.update_task)
    delete_task = via("tasks", TaskRows.delete_task)
    task_revision = via("tasks", TaskRows.task_revision)
    schedules_changed_since = via("tasks", TaskRows.schedules_changed_since)
    tasks_by_id = via("tasks", TaskRows.tasks_by_id)
    count_tasks = via("tasks", TaskRows.count_tasks)
    task_ids = via("tasks", TaskRows.task_ids)
    task_names = via("tasks", TaskRows.task_names)
    live_task_names = via("tasks", TaskRows.live_task_names)
    count_owned = via("tasks", TaskRows.count_owned)

    add_audit = via("audit", AuditRows.add_audit)
    list_audit = via("audit", AuditRows.list_audit)
    verify_audit = via("audit", AuditRows.verify_audit)

    record_fires = via("runs", RunRows.record_fires)
    commit_tick = via("runs", RunRows.commit_tick)
    add_run = via("runs", RunRows.add_run)
    claim_due_runs = via("runs", RunRows.claim_due_runs)
    claim_run = via("runs", RunRows.claim_run)
    next_pending_due = via("runs", RunRows.next_pending_due)
    finish_runs = via("runs", RunRows.finish_runs)
    extend_leases = via("runs", RunRows.extend_leases)
    cancel_requests = via("runs", RunRows.cancel_requests)
    expired_runs = via("runs", RunRows.expired_runs)
    recover_expired = via("runs", RunRows.recover_expired)
    request_cancel = via("runs", RunRows.request_cancel)

    get_run = via("history", RunHistory.get_run)
    list_runs = via("history", RunHistory.list_runs)
    run_history = via("history", RunHistory.run_history)
    move_log = via("history", RunHistory.move_log)
    run_timings = via("history", RunHistory.run_timings)
    run_stats = via("history", RunHistory.run_stats)
    run_stats_page = via("history", RunHistory.run_stats_page)
    last_run_event_id = via("history", RunHistory.last_run_event_id)
    run_changes_since = via("history", RunHistory.run_changes_since)
    latest_runs = via("history", RunHistory.latest_runs)
    hourly_activity = via("activity", RunActivity.hourly_activity)

    add_dependency = via("dag", DagRows.add_dependency)
    remove_dependency = via("dag", DagRows.remove_dependency)
    list_edges = via("dag", DagRows.list_edges)

    all_subscriptions = via("events", EventRows.all_subscriptions)
    emit_event = via("events", EventRows.emit_event)
    trigger_task = via("events", EventRows.trigger_task)
    cut_runs_since = via("events", EventRows.cut_runs_since)
    max_run_id = via("events", EventRows.max_run_id)
    forget_deliveries = via("events", EventRows.forget_deliveries)
    condition_value = via("events", EventRows.condition_value)
    set_condition_value = via("events", EventRows.set_condition_value)

    register_worker = via("workers", WorkerRows.register_worker)
    heartbeat_worker = via("workers", WorkerRows.heartbeat_worker)
    unregister_worker = via("workers", WorkerRows.unregister_worker)
    live_workers = via("workers", WorkerRows.live_workers)
    list_workers = via("workers", WorkerRows.list_workers)
    run_backlog = via("workers", WorkerRows.run_backlog)
    live_runs = via("workers", WorkerRows.live_runs)
    ping = via("workers", WorkerRows.ping)

    find_identity = via("people", PeopleRows.find_identity)
    add_identity = via("people", PeopleRows.add_identity)
    get_user = via("people", PeopleRows.get_user)
    list_users = via("people", PeopleRows.list_users)
    set_role = via("people", PeopleRows.set_role)
    set_user_timezone = via("people", PeopleRows.set_user_timezone)
    count_admins = via("people", PeopleRows.count_admins)
    find_user = via("people", PeopleRows.find_user)
    list_users = via("people", PeopleRows.list_users)
    identities_of = via("people", PeopleRows.identities_of)
    add_user = via("people", PeopleRows.add_user)
    remove_user = via("people", PeopleRows.remove_user)
    create_group = via("people", PeopleRows.create_group)
    delete_group = via("people", PeopleRows.delete_group)
    list_groups = via("people", PeopleRows.list_groups)
    set_group_member = via("people", PeopleRows.set_group_member)
    share_task = via("people", PeopleRows.share_task)
    task_shares = via("people", PeopleRows.task_shares)
    shared_with = via("people", PeopleRows.shared_with)
    issue_claim = via("people", PeopleRows.issue_claim)
    claim_admin = via("people", PeopleRows.claim_admin)
    mark_event_processed = via("people", PeopleRows.mark_event_processed)
    forget_processed_events = via("people", PeopleRows.forget_processed_events)

    put_secret = via("secrets", SecretRows.put_secret)
    get_secret = via("secrets", SecretRows.get_secret)
    find_secrets = via("secrets", SecretRows.find_secrets)
    list_secrets = via("secrets", SecretRows.list_secrets)
    delete_secret = via("secrets", SecretRows.delete_secret)
    count_secrets = via("secrets", SecretRows.count_secrets)
    set_webhook_secret = via("secrets", SecretRows.set_webhook_secret)
    webhook_secret = via("secrets", SecretRows.webhook_secret)
    delete_webhook = via("secrets", SecretRows.delete_webhook)
    list_webhooks = via("secrets", SecretRows.list_webhooks)

    begin_turn = via("conversations", ConversationRows.begin_turn)
    save_conversation = via("conversations", ConversationRows.save_conversation)
    forget_conversations = via("conversations", ConversationRows.forget_conversations)

    add_token = via("tokens", TokenRows.add_token)
    get_token = via("tokens", TokenRows.get_token)
    token_by_hash = via("tokens", TokenRows.token_by_hash)
    list_tokens = via("tokens", TokenRows.list_tokens)
    revoke_token = via("tokens", TokenRows.revoke_token)
    touch_token = via("tokens", TokenRows.touch_token)
    add_signin_link = via("web_sessions", WebSessionRows.add_signin_link)
    use_signin_link = via("web_sessions", WebSessionRows.use_signin_link)
    add_web_session = via("web_sessions", WebSessionRows.add_web_session)
    get_web_session = via("web_sessions", WebSessionRows.get_web_session)
    end_web_sessions = via("web_sessions", WebSessionRows.end_web_sessions)
    ai_usage = via("guards", GuardRows.ai_usage)
    end_leases_of = via("guards", GuardRows.end_leases_of)
    lost_streaks = via("guards", GuardRows.lost_streaks)

    delivered_parts = via("outbox", OutboxRows.delivered_parts)
    record_delivered_part = via("outbox", OutboxRows.record_delivered_part)
    forget_delivered = via("outbox", OutboxRows.forget_delivered)
    claim_message = via("outbox", OutboxRows.claim_message)

    share_partitions = via("shares", ShareRows.share_partitions)
    release_partitions = via("shares", ShareRows.release_partitions)
    share_holders = via("shares", ShareRows.share_holders)
    share_counts = via("shares", ShareRows.share_counts)
    partition_cursors = via("shares", ShareRows.partition_cursors)


__all__ = [
    "ClaimedRun",
    "Database",
    "Edge",
    "HourOfRuns",
    "NewRun",
    "Released",
    "RunOutcome",
    "SecretRecord",
    "SkipChain",
    "SpawnCheck",
    "Store",
    "TokenRecord",
    "UserRecord",
    "WebSessionRecord",
]
