"""The schema, as SQLAlchemy Core tables. Changes go through an Alembic migration too."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC: timestamps compare the same on both dialects."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime reached the store")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = sa.MetaData()

tasks = sa.Table(
    "tasks",
    metadata,
    sa.Column("task_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("owner", sa.String(200), nullable=False, index=True),  # a person's tasks, a page at a time
    sa.Column("timezone", sa.String(64), nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("action_kind", sa.String(32), nullable=False),
    sa.Column("definition", sa.JSON, nullable=False),  # triggers, action, policies
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("modified_by", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("revision", sa.BigInteger, nullable=False, index=True),
    sa.Column("last_fire_at", UTCDateTime),
    sa.Column("deleted_at", UTCDateTime),
    # provenance: where the task came from (conversation, message), or the AI run that spawned it
    sa.Column("origin", sa.JSON),
    sa.Column("created_by_run_id", sa.Integer, index=True),
    sa.Column("spawn_depth", sa.Integer, nullable=False, default=0, server_default="0"),
    sa.Column("approved_by", sa.String(200)),
    sa.Column("approved_at", UTCDateTime),
    sa.Column("workflow_id", sa.Integer, index=True),  # a workflow step: the head task's id
    # PostgreSQL: room on each page for the next version of a row, so the engine's per-fire
    # cursor update (``last_fire_at``, not indexed) is a HOT update that touches no index
    # (measured: 68 -> 15 ms per 1,000 fires). Migration 0012.
    postgresql_with={"fillfactor": 70},
)
# A name is unique among one owner's live tasks (migration 0016): two people may both have a
# "backup", and making one never tells anyone the other exists. Name first, so a lookup by name
# alone (resolving "backup" for an admin) uses it too.
sa.Index(
    "uq_tasks_live_name_owner",
    tasks.c.name,
    tasks.c.owner,
    unique=True,
    sqlite_where=tasks.c.deleted_at.is_(None),
    postgresql_where=tasks.c.deleted_at.is_(None),
)

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("run_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("task_id", sa.Integer, sa.ForeignKey("tasks.task_id"), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("reason", sa.String(16), nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False, default=1),
    sa.Column("scheduled_for", UTCDateTime),
    sa.Column("due_at", UTCDateTime, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("started_at", UTCDateTime),
    sa.Column("finished_at", UTCDateTime),
    sa.Column("lease_owner", sa.String(64)),
    sa.Column("lease_expires_at", UTCDateTime),
    sa.Column("cancel_requested", sa.Boolean, nullable=False, default=False),
    sa.Column("retry_of", sa.Integer),
    sa.Column("stdout", sa.Text),
    sa.Column("stderr", sa.Text),
    sa.Column("result", sa.JSON),
    sa.Column("error", sa.Text),
    sa.Column("traceback", sa.Text),
    sa.Column("log_path", sa.Text),
    sa.Column("workflow_run_id", sa.Integer),  # the head run of the workflow run (indexed below)
    sa.Column("caused_by_run_id", sa.Integer),  # the run whose outcome or event caused this one
    # event hops from a root; the server default filled the rows that predate it (0003)
    sa.Column("chain_depth", sa.Integer, nullable=False, default=0, server_default="0"),
    sa.Column("event", sa.String(100)),
    sa.Column("context", sa.JSON),  # template inputs: the event payload, earlier steps' outputs
    # One durable row per (task, fire time, attempt): several engines racing on the same fire
    # insert once. Manual runs have no fire time, and NULLs never collide.
    sa.UniqueConstraint("task_id", "scheduled_for", "attempt", name="uq_runs_fire"),
)
# Pending runs by when they are due (the queue: claims, the backlog), pending rows only, so a run
# that starts or ends adds no entry here (migration 0019). A partial index serves a query whose
# WHERE implies its predicate, which the planners prove surely only from the same words (not from a
# bound parameter): query with PENDING_RUNS. Status leads so that SQLite, without statistics,
# prefers this index to ix_runs_status_run. Running runs whose lease ran out are found through
# ix_runs_status_run (few rows: the runs in flight), so no index of leases is kept.
PENDING_RUNS = runs.c.status == sa.literal_column("'pending'")  # "runs.status = 'pending'", no parameter
_PENDING = sa.text("status = 'pending'")
sa.Index("ix_runs_pending_due", runs.c.status, runs.c.due_at, runs.c.run_id, sqlite_where=_PENDING,
         postgresql_where=_PENDING)
sa.Index("ix_runs_task", runs.c.task_id, runs.c.run_id)
# A workflow run's steps; most runs belong to none and take no entry (migration 0019). A lookup by
# value (``workflow_run_id = X``) implies the predicate on both databases.
_IN_WORKFLOW = sa.text("workflow_run_id IS NOT NULL")
sa.Index("ix_runs_workflow_run_id", runs.c.workflow_run_id, sqlite_where=_IN_WORKFLOW, postgresql_where=_IN_WORKFLOW)
# The runs list by status, newest first: the end of one status's range (migration 0014).
sa.Index("ix_runs_status_run", runs.c.status, runs.c.run_id)
# Stats over a period ("the last 24 hours") read a range of creation times, not every run
# (migration 0010; with a million runs the scan took seconds).
sa.Index("ix_runs_created_at", runs.c.created_at)
# Event runs refused by the causal-chain limit, looked for every second (migration 0005).
CUT_RUNS = sa.text("status = 'skipped' AND reason = 'event'")
sa.Index("ix_runs_cut", runs.c.run_id, sqlite_where=CUT_RUNS, postgresql_where=CUT_RUNS)
# Each task's live runs (running or pending), read by every transaction that starts a run to
# hold the overlap policy across engines (store/overlap.py; migration 0017). Small: live rows only.
LIVE_RUNS = sa.text("(status = 'running' OR status = 'pending')")
sa.Index("ix_runs_live", runs.c.task_id, runs.c.status, sqlite_where=LIVE_RUNS, postgresql_where=LIVE_RUNS)

run_events = sa.Table(
    "run_events",
    metadata,
    sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.Integer, nullable=False, index=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("message", sa.Text),
)

counters = sa.Table(
    "counters",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)

dependencies = sa.Table(
    "dependencies",
    metadata,
    sa.Column("predecessor_id", sa.Integer, sa.ForeignKey("tasks.task_id"), primary_key=True),
    sa.Column("successor_id", sa.Integer, sa.ForeignKey("tasks.task_id"), primary_key=True, index=True),
    sa.Column("condition", sa.String(16), nullable=False),  # success | failure | done
    # The predecessor run the successor's last release (or skip) took into account.
    sa.Column("consumed_run_id", sa.Integer, nullable=False, default=0),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

task_events = sa.Table(  # which live tasks listen to which event names (from their triggers)
    "task_events",
    metadata,
    sa.Column("task_id", sa.Integer, sa.ForeignKey("tasks.task_id"), primary_key=True),
    sa.Column("event", sa.String(100), primary_key=True, index=True),
)

webhook_deliveries = sa.Table(  # seen delivery ids: a replayed webhook is refused
    "webhook_deliveries",
    metadata,
    sa.Column("delivery_id", sa.String(200), primary_key=True),
    sa.Column("event", sa.String(100), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
)

condition_state = sa.Table(
    "condition_state",
    metadata,
    sa.Column("task_id", sa.Integer, primary_key=True),
    sa.Column("trigger_index", sa.Integer, primary_key=True),
    sa.Column("value", sa.Boolean, nullable=False),
    sa.Column("checked_at", UTCDateTime, nullable=False),
)

workers = sa.Table(
    "workers",
    metadata,
    sa.Column("worker_id", sa.String(64), primary_key=True),
    sa.Column("hostname", sa.String(200), nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("heartbeat_at", UTCDateTime, nullable=False),
    sa.Column("version", sa.String(40), nullable=True),  # cronpilot's, as installed
    sa.Column("schedules", sa.Boolean, nullable=False, server_default=sa.true()),  # fires schedules
    # Which process it is (migration 0013): a later engine on the same host proves it gone.
    sa.Column("boot_id", sa.String(64), nullable=True),
    sa.Column("proc_start", sa.BigInteger, nullable=True),  # clock ticks after boot
)

# The outbox (R16): the parts of an outgoing message already delivered, by the message's key
# (``Notification.key``) and where it went, so a retry or a restart never sends one twice
# (migration 0013).
outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("message_key", sa.String(200), primary_key=True),
    sa.Column("destination", sa.String(300), primary_key=True),
    sa.Column("part", sa.Integer, primary_key=True),
    sa.Column("delivered_at", UTCDateTime, nullable=False, index=True),
)

# Engines share the scheduling work (PostgreSQL, migration 0015): the task space is cut into
# fixed partitions (task_id % SHARE_PARTITIONS, scheduler/sharing.py) and each is computed by the
# engine that holds it under a lease, renewed every second or so; a dead engine's partitions are
# taken over once their leases end. ``owner`` NULL: free (released, or never held).
engine_shares = sa.Table(
    "engine_shares",
    metadata,
    sa.Column("partition", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("owner", sa.String(64), nullable=True),
    sa.Column("lease_expires_at", UTCDateTime, nullable=True),
)

# Append-only record of changes and refusals. Each entry's ``hash`` covers its content and the
# previous entry's hash (``prev_hash``): a changed or deleted entry breaks the chain from there
# (scheduler/store/audit_store.py; migration 0011 chained the entries written before).
audit = sa.Table(
    "audit",
    metadata,
    sa.Column("audit_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("ai_run_id", sa.Integer),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("target", sa.String(200)),
    sa.Column("decision", sa.String(16), nullable=False),
    sa.Column("reason", sa.Text),
    sa.Column("via", sa.String(64)),  # cli, chat:slack, api, ai, button, webhook…
    sa.Column("task_id", sa.Integer, index=True),
    sa.Column("before", sa.JSON),  # edits: the changed fields as they were…
    sa.Column("after", sa.JSON),  # …and as they are now
    sa.Column("prev_hash", sa.String(64)),
    sa.Column("hash", sa.String(64)),
)

# --- people (connectors map platform identities to cronpilot users) ---------------------------

users = sa.Table(
    "users",
    metadata,
    sa.Column("user_id", sa.String(200), primary_key=True),  # "slack:U123", "telegram:42"
    sa.Column("display_name", sa.String(200)),
    sa.Column("role", sa.String(16), nullable=False),  # admin | member | viewer
    sa.Column("timezone", sa.String(64)),  # chosen with /tz; None: the platform's or the default
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("email", sa.String(200)),
    sa.Column("removed_at", UTCDateTime),  # removed: kept for the audit, refused everywhere
)

# Groups of people (a team) that tasks are shared with.
groups = sa.Table(
    "groups",
    metadata,
    sa.Column("group_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(100), nullable=False, unique=True),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

group_members = sa.Table(
    "group_members",
    metadata,
    sa.Column("group_id", sa.Integer, sa.ForeignKey("groups.group_id"), primary_key=True),
    sa.Column("user_id", sa.String(200), sa.ForeignKey("users.user_id"), primary_key=True, index=True),
)

# A task shared with a group: ``access`` is read or manage (scheduler/access.py:Access).
task_shares = sa.Table(
    "task_shares",
    metadata,
    sa.Column("task_id", sa.Integer, sa.ForeignKey("tasks.task_id"), primary_key=True),
    sa.Column("group_id", sa.Integer, sa.ForeignKey("groups.group_id"), primary_key=True, index=True),
    sa.Column("access", sa.String(16), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

identities = sa.Table(
    "identities",
    metadata,
    sa.Column("platform", sa.String(32), primary_key=True),
    sa.Column("platform_user_id", sa.String(200), primary_key=True),
    sa.Column("user_id", sa.String(200), sa.ForeignKey("users.user_id"), nullable=False, index=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

# Inbound events already handled (Slack event_id, Telegram update_id): retries are dropped.
processed_events = sa.Table(
    "processed_events",
    metadata,
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("at", UTCDateTime, nullable=False, index=True),
)

# One-time codes that make whoever sends "claim <code>" an admin; only a hash is kept.
admin_claims = sa.Table(
    "admin_claims",
    metadata,
    sa.Column("code_hash", sa.String(64), primary_key=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("claimed_by", sa.String(200)),
    sa.Column("claimed_at", UTCDateTime),
)

# Secrets, encrypted (Fernet tokens; scheduler/secret_box.py). ``scope`` says whose: "user" (the
# person ``owner``), "shared" (every task may use it; owner ""), "webhook" (the signing secret of
# POST /hooks/<name>; owner ""). Values are never stored in clear (migration 0006 moved the
# webhook secrets here, encrypted).
secrets = sa.Table(
    "secrets",
    metadata,
    sa.Column("secret_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("scope", sa.String(16), nullable=False),
    sa.Column("owner", sa.String(200), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("ciphertext", sa.Text, nullable=False),
    sa.Column("key_id", sa.String(16), nullable=False),  # fingerprint of the key that sealed it
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_by", sa.String(200), nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("scope", "owner", "name", name="uq_secrets_scope_owner_name"),
)

# What a chat conversation is in the middle of (a question waiting for its answer, the task last
# talked about), shared by every process that answers in it; stale rows expire.
conversations = sa.Table(
    "conversations",
    metadata,
    sa.Column("conversation_id", sa.String(300), primary_key=True),
    sa.Column("turn", sa.Integer, nullable=False),
    sa.Column("state", sa.JSON, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False, index=True),
)

# API tokens (``Authorization: Bearer cp_…``). Only the SHA-256 of a token is kept: the token
# itself is shown once when made. ``user_id`` names a row of ``users`` but carries no foreign key,
# so a person's removal leaves their tokens behind as refused rather than blocking the removal;
# each request re-reads the person (their current role, or a refusal when they are gone).
api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("token_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("user_id", sa.String(200), nullable=False, index=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("prefix", sa.String(16), nullable=False),  # "cp_AbCd": enough to recognise, not to use
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime),
    sa.Column("last_used_at", UTCDateTime),
    sa.Column("revoked_at", UTCDateTime),
)

# --- the web dashboard (connectors/dashboard): one-time sign-in links and signed-in sessions ---
# Only a SHA-256 of each token is kept: a copy of the database signs no one in. ``local`` marks
# the install's own admin (the CLI user, who may have no row in ``users``).
signin_links = sa.Table(
    "signin_links",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.String(200), nullable=False),
    sa.Column("local", sa.Boolean, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False, index=True),
    sa.Column("used_at", UTCDateTime),
)

web_sessions = sa.Table(
    "web_sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.String(200), nullable=False, index=True),
    sa.Column("role", sa.String(16), nullable=False),  # the role signed in with: a demotion ends it
    sa.Column("local", sa.Boolean, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False, index=True),
)

# --- the stats page's figures of closed hours (store/run_rollups.py, migration 0018) -----------
# Ended runs per UTC hour of creation, written once by the first reader that needs an hour after
# it closed (over, and no run created in it still live): a month is ~720 rows, not every run.
run_hours = sa.Table(
    "run_hours",
    metadata,
    sa.Column("hour_at", UTCDateTime, primary_key=True),
    sa.Column("runs", sa.Integer, nullable=False),  # every ended status
    sa.Column("completed", sa.Integer, nullable=False),
    sa.Column("failed", sa.Integer, nullable=False),
    sa.Column("skipped", sa.Integer, nullable=False),
    sa.Column("timed", sa.Integer, nullable=False),  # completed or failed, with a start and an end
    sa.Column("duration_us", sa.BigInteger, nullable=False),  # their durations summed, exactly
    sa.Column("started", sa.Integer, nullable=False),  # completed/failed/skipped runs that started
    sa.Column("late_seconds", sa.Float, nullable=False),  # their lateness (started - due, > 0) summed
    sa.Column("durations", sa.Text, nullable=False),  # histogram of the timed: JSON [first bucket, counts...]
)

# Failed runs per task in each rolled-up hour (only tasks that failed): the "most failing" list.
run_hour_failures = sa.Table(
    "run_hour_failures",
    metadata,
    sa.Column("hour_at", UTCDateTime, primary_key=True),
    sa.Column("task_id", sa.Integer, primary_key=True),
    sa.Column("failed", sa.Integer, nullable=False),
)
