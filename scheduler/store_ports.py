"""What the scheduler needs from a database, one protocol per consumer.

The engine is typed against ``EngineStore``, the service against ``ServiceStore`` (the union of
``TaskStore``, ``RunStore``, ``FlowStore``, ``PeopleStore``, ``SecretStore`` and
``ConversationStore``, ``TokenStore``), condition triggers against ``ConditionStore``.
``scheduler.store.Store`` (SQLite and PostgreSQL) implements all of them; the composition root
(``cronpilot/wiring.py``) hands it in. Nothing outside ``scheduler/`` imports the store:
connectors and the agent reach it through the service.

Every method is one short transaction and synchronous (the engine calls it from its store
thread). Times are aware UTC datetimes; ``now`` is the caller's clock, never the database's.
Any method raises ``StoreUnavailable`` when the database can't be reached; other errors are
named in the contract.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from .models import TaskStatus

if TYPE_CHECKING:
    from .access import AIUsage, UserRecord
    from .models import DependencyCondition, Run, RunEvent, RunReason, RunStatus, Task, TaskSpec
    from .schedule import Schedule
    from .store.records import (
        ClaimedRun,
        Edge,
        HourOfRuns,
        NewRun,
        Released,
        RunOutcome,
        RunTally,
        SpawnCheck,
    )
    from .store.secret_store import SecretRecord
    from .store.token_store import TokenRecord
    from .store.web_session_store import WebSessionRecord
    from .store.worker_store import Backlog, LiveRun, WorkerRow


class ConditionStore(Protocol):
    """The last value of each condition trigger, kept so a restart doesn't fire again."""

    def condition_value(self, task_id: int, index: int) -> bool | None:
        """The last value of trigger ``index`` of ``task_id``; None when never checked."""
        ...

    def set_condition_value(self, task_id: int, index: int, value: bool, *, now: datetime) -> None:
        """Remember ``value`` as the last value of trigger ``index`` of ``task_id``."""
        ...


class EngineStore(ConditionStore, Protocol):
    """What the engine needs: the change feed of tasks, fires and outcomes in group commits,
    claims under leases, recovery of lost workers' runs, and its own heartbeat."""

    @property
    def url(self) -> str:
        """The database URL (reactive sources listen on it when it is PostgreSQL)."""
        ...

    def checkpoint_in_background(self, *, every: float = 1.0) -> bool:
        """SQLite: checkpoint the WAL from a thread, not in commits; False when nothing to do."""
        ...

    def forget_delivered(self, *, before: datetime) -> int:
        """Drop outbox rows delivered before ``before``; how many (the engine prunes)."""
        ...

    def stop_background_checkpoints(self) -> None:
        """Back to checkpoints at commit (after a last one from the thread)."""
        ...

    def register_worker(
        self, worker_id: str, *, now: datetime, version: str | None = None, schedules: bool = True
    ) -> None:
        """Announce engine ``worker_id`` (running ``version``; firing schedules or only runs it
        was asked for) as alive since ``now``."""
        ...

    def heartbeat_worker(self, worker_id: str, *, now: datetime) -> None:
        """Engine ``worker_id`` is still alive at ``now``."""
        ...

    def unregister_worker(self, worker_id: str) -> None:
        """Engine ``worker_id`` has stopped."""
        ...

    def count_tasks(self) -> int:
        """How many live (not deleted) tasks there are."""
        ...

    def schedules_changed_since(
        self, revision: int, *, full: bool = True
    ) -> tuple[list[tuple[Schedule, Task | None]], list[int], int]:
        """Tasks changed after ``revision`` (with the whole task when ``full`` or reactive), the
        ids deleted after it, and the newest revision."""
        ...

    def tasks_by_id(self, task_ids: Sequence[int]) -> dict[int, Task]:
        """The live tasks among ``task_ids``, by id (missing ids are left out)."""
        ...

    def get_task(self, task_id: int) -> Task:
        """One live task; raises ``NotFound``."""
        ...

    def max_run_id(self) -> int:
        """The highest run id so far (0 without runs)."""
        ...

    def share_partitions(self, worker_id: str, *, now: datetime, lease: timedelta) -> list[int] | None:
        """PostgreSQL: mark ``worker_id`` alive, hold its fair share of the task space's
        partitions under leases ending ``now + lease`` (``scheduler/sharing.py``); the
        partitions it now holds, or None when another engine's look held the rows too long
        (nothing changed: look again soon)."""
        ...

    def release_partitions(self, worker_id: str, *, now: datetime) -> None:
        """``worker_id`` stops: the partitions it holds are free now."""
        ...

    def partition_cursors(self, partitions: Iterable[int]) -> dict[int, datetime]:
        """The stored cursor of every live task in ``partitions`` (a taken-over share starts there)."""
        ...

    def cut_runs_since(self, run_id: int) -> list[NewRun]:
        """Event runs refused by the causal-chain limit with an id above ``run_id``, oldest first."""
        ...

    def next_pending_due(self) -> datetime | None:
        """When the earliest pending run is due; None without pending runs."""
        ...

    def commit_tick(
        self, outcomes: Sequence[RunOutcome], fires: Sequence[NewRun], *, owner: str, now: datetime,
        lease_until: datetime | None = None, load: Sequence[int] = (), allow_cap: int = 16,
    ) -> tuple[list[RunOutcome], Released, list[NewRun], dict[int, Task]]:
        """In one transaction: record the outcomes ``owner`` still holds (and what they release,
        claimed until ``lease_until`` when given), record ``fires`` (a fire already recorded is
        dropped; one with an ``overlap`` policy is decided against every engine's live runs of
        its task, ``allow_cap`` at once for ``allow``: it may come back skipped, pending, or
        ``held`` and not recorded), read the tasks ``load`` names. Returns (outcomes kept,
        released, fires inserted with their ids, tasks loaded)."""
        ...

    def claim_due_runs(
        self, *, owner: str, now: datetime, lease_until: datetime, limit: int = 500
    ) -> list[ClaimedRun]:
        """Claim pending runs due by ``now`` for ``owner`` until ``lease_until``: at most one per
        task and none of a task that is running; never one another worker holds."""
        ...

    def extend_leases(self, *, owner: str, until: datetime, renew_before: datetime | None = None) -> int:
        """Move the leases of ``owner``'s running runs to ``until`` (with ``renew_before``, only
        those that end before it); how many."""
        ...

    def cancel_requests(self, *, owner: str) -> list[int]:
        """Ids of ``owner``'s running runs someone asked to cancel."""
        ...

    def expired_runs(self, *, now: datetime, limit: int = 500) -> list[ClaimedRun]:
        """Running runs whose lease ended before ``now`` (their worker stopped heartbeating)."""
        ...

    def recover_expired(self, outcomes: Sequence[RunOutcome], *, now: datetime) -> list[RunOutcome]:
        """Record outcomes of lost runs still expired at ``now`` (with their releases); those kept."""
        ...

    def trigger_task(
        self, task_id: int, *, reason: RunReason, event: str, payload: dict[str, Any] | None,
        now: datetime, debounce: timedelta | None = None,
    ) -> NewRun | None:
        """A pending run of ``task_id`` fired by its own source; None inside the debounce window."""
        ...

    def ai_usage(self, task_id: int, owner: str, *, since: datetime, run_id: int) -> AIUsage:
        """Runs of ``task_id`` (not ``run_id``) and model calls and tokens of ``owner``'s AI tasks
        since ``since``, and whether a budget skip was already recorded for them."""
        ...

    def lost_streaks(self, run_ids: list[int]) -> dict[int, int]:
        """Per run, how many attempts right before it ended with their engine lost."""
        ...

    def end_leases_of(self, worker_id: str, *, now: datetime) -> list[int]:
        """End the leases of a dead worker's running runs at ``now`` and drop its row; their ids."""
        ...

    def list_workers(self) -> list[WorkerRow]:
        """Every registered engine, newest heartbeat first (stale ones included)."""
        ...


class TaskStore(Protocol):
    """Task rows and the audit log, as the service reads and changes them."""

    def add_task(
        self, spec: TaskSpec, *, owner: str, actor: str, now: datetime, status: TaskStatus = TaskStatus.ACTIVE,
        origin: dict[str, Any] | None = None, spawn: SpawnCheck | None = None, workflow_id: int | None = None,
    ) -> Task:
        """Insert a task; raises ``Conflict`` (name taken) or ``PermissionDenied`` (``spawn``
        budget used up, checked in the same transaction)."""
        ...

    def get_task(self, task_id: int) -> Task:
        """One live task; raises ``NotFound``."""
        ...

    def find_task(self, ref: str) -> Task:
        """A live task by id ("12") or by a name only one live task has; raises ``NotFound``,
        or ``InvalidRequest`` when several owners use the name."""
        ...

    def tasks_named(self, name: str) -> list[Task]:
        """The live tasks called ``name`` (unique per owner, so one per owner at most), by id."""
        ...

    def list_tasks(
        self, *, owner: str | None = None, status: TaskStatus | None = None,
        action_kind: str | None = None, name_contains: str | None = None, workflow_id: int | None = None,
        also_task_ids: Sequence[int] = (), workflow_ids: Sequence[int] | None = None,
    ) -> list[Task]:
        """Live tasks matching every filter given, by id (``workflow_id``: that workflow's steps,
        ``workflow_ids``: those of several; ``owner``: theirs and ``also_task_ids``)."""
        ...

    def task_changes_since(self, revision: int, *, limit: int = 500) -> list[tuple[int, int, str, bool]]:
        """(revision, task id, status, deleted) of tasks changed after ``revision``, oldest first."""
        ...

    def task_revision(self) -> int:
        """The newest task revision (0: none): where a task change cursor starts."""
        ...

    def page_tasks(
        self, *, owner: str | None = None, status: TaskStatus | None = None,
        action_kind: str | None = None, name_contains: str | None = None, limit: int = 100,
        offset: int = 0, also_task_ids: Sequence[int] = (),
    ) -> tuple[int, list[Task]]:
        """(how many live tasks match every filter, ``limit`` of them from ``offset`` by id;
        ``owner``: theirs and ``also_task_ids``)."""
        ...

    def update_task(
        self, task_id: int, *, actor: str, now: datetime, spec: TaskSpec | None = None,
        status: TaskStatus | None = None, reset_schedule: bool = False, approved_by: str | None = None,
        origin: dict[str, Any] | None = None,
    ) -> Task:
        """Change a task (``reset_schedule``: fires restart from ``now``); raises ``NotFound``, ``Conflict``."""
        ...

    def delete_task(self, task_id: int, *, actor: str, now: datetime) -> None:
        """Soft delete (runs stay), dropping its edges and subscriptions; raises ``NotFound``."""
        ...

    def task_ids(self) -> list[int]:
        """Ids of every live task."""
        ...

    def task_names(self, task_ids: list[int]) -> dict[int, str]:
        """Names of these tasks, deleted ones included."""
        ...

    def live_task_names(self, *, owner: str | None = None, also_task_ids: Sequence[int] = ()) -> list[str]:
        """Names of live tasks: all, or ``owner``'s and those of ``also_task_ids``."""
        ...

    def count_owned(self, owner: str, *, created_since: datetime | None = None) -> int:
        """``owner``'s live tasks, or (``created_since``) the tasks they created since then."""
        ...

    def add_audit(
        self, *, at: datetime, actor: str, action: str, decision: str,
        target: str | None = None, reason: str | None = None, ai_run_id: int | None = None,
        via: str | None = None, task_id: int | None = None,
        before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
    ) -> None:
        """Append an audit entry (``decision``: allowed or refused), chained to the previous one."""
        ...

    def list_audit(
        self, *, actor: str | None = None, limit: int = 100, task_id: int | None = None,
        since: datetime | None = None, actions: Sequence[str] | None = None,
        visible_to: str | None = None, visible_tasks: Sequence[int] | None = None,
        before_id: int | None = None,
    ) -> list[dict[str, Any]]:
        """Audit entries, newest first, filtered; ``visible_to``: theirs or about ``visible_tasks``;
        ``before_id``: only entries older than that one (the next page)."""
        ...

    def verify_audit(self) -> tuple[int, int | None]:
        """(entries checked, id of the first entry whose hash link is broken or None)."""
        ...


class RunStore(Protocol):
    """Runs as people ask for them, and whether an engine is there to run them."""

    def add_run(self, run: NewRun, *, now: datetime) -> Run:
        """Insert a run (a manual one) with its first history row."""
        ...

    def get_run(self, run_id: int) -> Run:
        """One run with its task's name; raises ``NotFound``."""
        ...

    def list_runs(
        self, *, task_id: int | None = None, statuses: Sequence[RunStatus] | None = None,
        since: datetime | None = None, until: datetime | None = None, search: str | None = None,
        owner: str | None = None, workflow_run_id: int | None = None, limit: int = 50,
        before_run_id: int | None = None, dead: bool = False,
        also_task_ids: Sequence[int] = (),
    ) -> list[Run]:
        """Runs matching every filter, newest first (``search``: in output and errors;
        ``before_run_id``: only older runs, to page back; ``dead``: only dead letters;
        ``owner``: of their tasks and of ``also_task_ids``)."""
        ...

    def latest_runs(self, task_ids: Sequence[int]) -> dict[int, Run]:
        """Each given task's newest run (tasks that never ran are absent)."""
        ...

    def last_run_event_id(self) -> int:
        """The newest run status change's id (0: none): where a run change cursor starts."""
        ...

    def run_changes_since(self, event_id: int, *, limit: int = 500) -> list[tuple[int, int, int, str]]:
        """(event id, run id, task id, status) of run status changes after ``event_id``, oldest first."""
        ...

    def request_cancel(self, run_id: int, *, now: datetime) -> Run:
        """Cancel a pending run, flag a running one; raises ``NotFound``, ``Conflict`` (ended)."""
        ...

    def run_history(self, run_id: int) -> list[RunEvent]:
        """Every status a run went through, oldest first."""
        ...

    def move_log(self, run_id: int, *, old: str, new: str) -> bool:
        """Point a run's log at ``new`` (an archived copy) if it still points at ``old``."""
        ...

    def run_timings(
        self, *, since: datetime | None = None, task_id: int | None = None, owner: str | None = None,
        also_task_ids: Sequence[int] = (),
    ) -> list[tuple[int, str, str, datetime | None, datetime | None, datetime]]:
        """(task id, task name, status, started, finished, created) of ended runs."""
        ...

    def hourly_activity(
        self, *, since: datetime, now: datetime | None = None, owner: str | None = None,
        also_task_ids: Sequence[int] = (),
    ) -> list[HourOfRuns]:
        """Ended runs per UTC hour since ``since``, counted by the database, oldest first
        (``now``: hours closed by then may come from stored figures)."""
        ...

    def run_stats(
        self, *, since: datetime | None = None, task_id: int | None = None, owner: str | None = None,
        also_task_ids: Sequence[int] = (),
    ) -> tuple[RunTally, list[RunTally]]:
        """(all, per task by id) tallies of ended runs created since ``since``, counted in the database."""
        ...

    def run_stats_page(
        self, *, since: datetime | None = None, now: datetime | None = None, owner: str | None = None,
        also_task_ids: Sequence[int] = (), offset: int = 0, limit: int = 50, failing: int = 10,
    ) -> tuple[RunTally, list[RunTally], int, list[RunTally]]:
        """(all, a page of the live tasks in scope with their tallies and p95, how many such
        tasks, the ``failing`` tasks with most failures): ``run_stats``'s numbers, only what a
        screen shows (``now``: totals from stored hours, the overall p95 approximate)."""
        ...

    def next_pending_due(self) -> datetime | None:
        """When the earliest pending run is due; None without pending runs."""
        ...

    def live_workers(self, *, since: datetime) -> list[str]:
        """Engines that heartbeated at or after ``since``."""
        ...

    def list_workers(self) -> list[WorkerRow]:
        """Every registered engine, newest heartbeat first (stale ones included)."""
        ...

    def run_backlog(self, *, now: datetime) -> Backlog:
        """Pending runs due by ``now`` (and the oldest's due time), and running runs."""
        ...

    def share_counts(self, *, now: datetime) -> dict[str | None, int]:
        """How many of the task space's partitions each engine holds under a live lease (None:
        free); empty when nothing is shared (SQLite)."""
        ...

    def live_runs(self, *, due_by: datetime, limit: int = 200) -> list[LiveRun]:
        """Every running run, and the pending runs due by ``due_by`` (earliest due first, at
        most ``limit`` of each), with their task's name."""
        ...


class FlowStore(Protocol):
    """Dependencies, events and webhook deliveries."""

    def add_dependency(
        self, predecessor_id: int, successor_id: int, *, condition: DependencyCondition, now: datetime,
        extra_edges: Sequence[tuple[int, int]] = (),
    ) -> None:
        """Add or change an edge; raises ``Conflict`` (a cycle, with ``extra_edges``), ``NotFound``."""
        ...

    def remove_dependency(self, predecessor_id: int, successor_id: int) -> bool:
        """Remove an edge; False when there was none."""
        ...

    def list_edges(self, *, task_ids: Iterable[int] | None = None) -> list[Edge]:
        """Every edge, or those touching ``task_ids``."""
        ...

    def all_subscriptions(self) -> list[tuple[int, str]]:
        """(task id, event) for every event trigger of a live task."""
        ...

    def emit_event(
        self, event: str, payload: dict[str, Any] | None, *, now: datetime,
        caused_by_run_id: int | None = None, chain_depth: int = 0, exclude_task_id: int | None = None,
        deliveries: Sequence[str] = (),
        listeners: tuple[str, Sequence[int]] | None = None,
    ) -> Released:
        """A pending run for every active listener of ``event`` (cut past the chain limit);
        ``deliveries`` recorded in the same transaction, ``Conflict`` (nothing stored) on a replay;
        ``listeners``: only tasks of that owner and those ids."""
        ...

    def forget_deliveries(self, *, before: datetime) -> int:
        """Drop delivery ids seen before ``before``; how many."""
        ...


class PeopleStore(Protocol):
    """Users, their platform identities, admin claim codes and the inbound event ledger."""

    def add_audit(
        self, *, at: datetime, actor: str, action: str, decision: str,
        target: str | None = None, reason: str | None = None, ai_run_id: int | None = None,
        via: str | None = None, task_id: int | None = None,
        before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
    ) -> None:
        """Append an audit entry (sign-ups and admin claims are people's changes too)."""
        ...

    def find_identity(self, platform: str, platform_user_id: str) -> UserRecord | None:
        """The user an identity maps to; None when unknown."""
        ...

    def add_identity(
        self, platform: str, platform_user_id: str, *, role: str, now: datetime,
        display_name: str | None = None, user_id: str | None = None,
    ) -> UserRecord:
        """Map an identity to a new user, or return the one it already maps to (races: one user)."""
        ...

    def get_user(self, user_id: str) -> UserRecord:
        """One user; raises ``NotFound``."""
        ...

    def set_role(self, user_id: str, role: str) -> UserRecord:
        """Give a user ``role``; raises ``InvalidRequest`` (unknown role), ``NotFound``."""
        ...

    def set_user_timezone(self, user_id: str, timezone: str | None) -> UserRecord:
        """Remember a user's zone (None: forget it); raises ``NotFound``."""
        ...

    def count_admins(self) -> int:
        """How many users are admins (removed ones not counted)."""
        ...

    def find_user(self, user_id: str) -> UserRecord | None:
        """A user by id (removed ones too); None when there is none."""
        ...

    def list_users(self, *, removed: bool = False) -> list[UserRecord]:
        """People by id; ``removed``: the removed ones too."""
        ...

    def identities_of(self, user_ids: Sequence[str]) -> dict[str, list[str]]:
        """Each user's platform identities as ``platform:id``."""
        ...

    def add_user(
        self, user_id: str, *, role: str, now: datetime, display_name: str | None = None,
        email: str | None = None, links: Sequence[tuple[str, str]] = (),
    ) -> UserRecord:
        """A new (or returning removed) person with identities; ``Conflict`` if taken."""
        ...

    def remove_user(self, user_id: str, *, now: datetime) -> UserRecord:
        """Mark a person removed and out of every group; ``NotFound``."""
        ...

    def create_group(self, name: str, *, by: str, now: datetime) -> None:
        """A new group; ``Conflict`` when the name is taken."""
        ...

    def delete_group(self, name: str) -> None:
        """Delete a group, its members and shares; ``NotFound``."""
        ...

    def list_groups(self) -> dict[str, list[str]]:
        """Members of every group, by group name."""
        ...

    def set_group_member(self, name: str, user_id: str, *, member: bool) -> bool:
        """Add or take out a person; False when nothing changed; ``NotFound`` (group)."""
        ...

    def share_task(self, task_id: int, group: str, access: str | None, *, now: datetime) -> None:
        """Share a task with a group (read or manage) or stop (None); ``NotFound`` (group)."""
        ...

    def task_shares(self, task_id: int) -> dict[str, str]:
        """Groups a task is shared with, and the access each has."""
        ...

    def shared_with(self, user_id: str) -> dict[int, str]:
        """Task ids shared with the groups of ``user_id``, with the most access given."""
        ...

    def issue_claim(self, code_hash: str, *, now: datetime) -> None:
        """Keep a new claim code's hash; unused older codes stop working."""
        ...

    def claim_admin(
        self, code_hash: str, platform: str, platform_user_id: str, *, now: datetime,
        max_age: timedelta, display_name: str | None = None,
    ) -> UserRecord | None:
        """Use a claim code (one winner among concurrent claims); None when unknown, used or old."""
        ...

    def mark_event_processed(self, key: str, *, now: datetime) -> bool:
        """True the first time inbound event ``key`` is seen; raises ``InvalidRequest`` (bad key)."""
        ...

    def forget_processed_events(self, *, before: datetime) -> int:
        """Drop ledger entries older than ``before``; how many."""
        ...


class SecretStore(Protocol):
    """Sealed secrets by (scope, owner, name): ``user`` (a person's own), ``shared`` (an admin's,
    for every task) and ``webhook`` (the signing secret of ``POST /hooks/<event>``). The store
    never sees a plain value."""

    def put_secret(
        self, scope: str, owner: str, name: str, *, ciphertext: str, key_id: str, actor: str,
        now: datetime,
    ) -> bool:
        """Insert or replace the sealed value of (scope, owner, name); True when it is new."""
        ...

    def get_secret(self, scope: str, owner: str, name: str) -> SecretRecord | None:
        """One secret with its ciphertext; None when there is none."""
        ...

    def find_secrets(
        self, owner: str, names: Collection[str], *, shared_only: bool = False
    ) -> dict[str, SecretRecord]:
        """The secrets a task of ``owner`` sees under ``names`` (own before shared); missing left out."""
        ...

    def list_secrets(
        self, *, owner: str | None = None, scopes: Collection[str] = ("user", "shared")
    ) -> list[SecretRecord]:
        """Secrets without values: all in ``scopes``, or those ``owner`` sees."""
        ...

    def delete_secret(self, scope: str, owner: str, name: str) -> bool:
        """Forget a secret; False when there was none."""
        ...

    def count_secrets(self) -> int:
        """How many secrets of any scope are stored."""
        ...

    def set_webhook_secret(self, event: str, *, ciphertext: str, key_id: str, actor: str,
                           now: datetime) -> None:
        """The sealed secret ``POST /hooks/{event}`` is signed with (replacing any)."""
        ...

    def webhook_secret(self, event: str) -> SecretRecord | None:
        """The sealed secret of ``event``'s webhook; None when it has none."""
        ...

    def delete_webhook(self, event: str) -> bool:
        """Forget ``event``'s webhook secret; False when it had none."""
        ...

    def list_webhooks(self) -> list[str]:
        """Events that have a webhook secret, by name."""
        ...


class ConversationStore(Protocol):
    """What a chat conversation is in the middle of: one row per conversation id (1 to 300
    characters, else ``InvalidRequest``) with a turn counter and a small JSON state, shared by
    every process that answers in it."""

    def begin_turn(
        self, conversation_id: str, *, now: datetime, expires_at: datetime
    ) -> tuple[int, dict[str, Any]]:
        """Count one more turn and return (turn, state), the row now kept until ``expires_at``;
        an unknown or expired conversation starts over at (1, {})."""
        ...

    def save_conversation(
        self, conversation_id: str, state: dict[str, Any], *, now: datetime, expires_at: datetime
    ) -> None:
        """Replace the state (created when missing); ``InvalidRequest`` past 64 KiB of JSON."""
        ...

    def forget_conversations(self, *, before: datetime) -> int:
        """Drop conversations that expired before ``before``; how many."""
        ...


class TokenStore(Protocol):
    """API tokens by id and by the SHA-256 of the token (the token itself is never stored)."""

    def add_token(
        self, user_id: str, *, name: str, token_hash: str, prefix: str, created_by: str,
        now: datetime, expires_at: datetime | None = None,
    ) -> TokenRecord:
        """Keep a new token's hash for ``user_id``; the new record."""
        ...

    def get_token(self, token_id: int) -> TokenRecord:
        """One token's record; raises ``NotFound``."""
        ...

    def token_by_hash(self, token_hash: str) -> TokenRecord | None:
        """The token whose SHA-256 is ``token_hash`` (revoked and expired ones too); None if unknown."""
        ...

    def list_tokens(self, *, user_id: str | None = None) -> list[TokenRecord]:
        """Every token (or ``user_id``'s), oldest first."""
        ...

    def revoke_token(self, token_id: int, *, now: datetime) -> TokenRecord:
        """Mark it revoked (idempotent, the first time stays); raises ``NotFound``."""
        ...

    def touch_token(self, token_id: int, *, now: datetime) -> None:
        """Record ``now`` as the token's last use."""
        ...


class WebSessionStore(Protocol):
    """The web dashboard's one-time sign-in links and sessions, keyed by a token's SHA-256."""

    def add_signin_link(
        self, token_hash: str, *, user_id: str, local: bool, now: datetime, expires_at: datetime
    ) -> None:
        """Keep a new link (expired ones are swept)."""
        ...

    def use_signin_link(self, token_hash: str, *, now: datetime) -> tuple[str, bool] | None:
        """(user id, local) of an unused unexpired link, marking it used; None otherwise (once only)."""
        ...

    def add_web_session(
        self, token_hash: str, *, user_id: str, role: str, local: bool, now: datetime, expires_at: datetime
    ) -> None:
        """Keep a new session (expired ones are swept)."""
        ...

    def get_web_session(self, token_hash: str, *, now: datetime) -> WebSessionRecord | None:
        """The unexpired session with this token hash, or None."""
        ...

    def end_web_sessions(self, *, token_hash: str | None = None, user_id: str | None = None) -> int:
        """End one session or all of a person's; how many ended."""
        ...


class OutboxStore(Protocol):
    """The outbox: the parts of outgoing messages already delivered, by message key."""

    def delivered_parts(self, key: str, destination: str) -> set[int]:
        """Parts of message ``key`` already delivered to ``destination``."""
        ...

    def record_delivered_part(self, key: str, destination: str, part: int, *, now: datetime) -> None:
        """Remember part ``part`` of ``key`` as delivered to ``destination`` (twice is once)."""
        ...

    def claim_message(self, key: str, destination: str, *, now: datetime) -> bool:
        """Take message ``key`` for ``destination`` (part 0) before sending it: True for the
        one caller that takes it, False when it was taken already (at most once)."""
        ...

    def forget_delivered(self, *, before: datetime) -> int:
        """Drop outbox rows delivered before ``before``; how many."""
        ...


class ServiceStore(
    TaskStore, RunStore, FlowStore, PeopleStore, SecretStore, ConversationStore, TokenStore, WebSessionStore,
    OutboxStore, Protocol,
):
    """Everything the service and its parts need from the database."""
