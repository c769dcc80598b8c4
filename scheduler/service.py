"""The one application service every interface calls (CLI, agent tools, Slack, Telegram, web).

Validation, permissions and the rules about schedules live here once. Methods are synchronous
short transactions; async callers hop to a thread. Every method raises ``CronpilotError``
children with messages fit for a chat user.

The service is composed of parts over one store (typed ``ServiceStore``, ``store_ports.py``);
the module each lives in is last:

    rules         Rules         who may, audit, valid tasks, spawn limits     service_rules
    flows         Flows         dependencies, workflows, events, webhooks     service_flows
    people        People        identities, roles, signup, admin claims       people
    secrets       Secrets       set, list, delete; check, resolve references  secrets
    status        Status        is an engine firing tasks (heartbeats)        service_status
    conversations Conversations a chat's turn counter and pending state       service_conversations
    tokens        Tokens        API tokens: create, list, revoke, authenticate tokens
    views         Views         pages of tasks, the change feed (dashboard)   service_views
    web           WebAccess     dashboard sign-in links and sessions          web_access
    approval_notes Approvals    which admins to tell a task waits for them    approvals

Tasks and runs are this module's own; the flows' operations are exposed here too, so every
interface still calls one ``Service``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from .access import Access, Actor, Role, SpawnPolicy, TaskQuota, validation_message
from .approvals import Approvals
from .clock import Clock, SystemClock
from .errors import Conflict, InvalidRequest, NotFound, PermissionDenied
from .hygiene import DEFAULT_MIN_INTERVAL
from .models import Run, RunEvent, RunReason, RunStatus, Task, TaskSpec, TaskStatus
from .parts import via
from .people import AccessPolicy, People
from .ports import LogArchive
from .secret_box import SecretBox
from .secrets import Secrets
from .service_conversations import Conversations
from .service_flows import Flows
from .service_pages import Pages
from .service_rules import NEW_TASK, Rules, check_destination, spec_zone, via_of
from .service_status import Status
from .service_team import Team
from .service_views import Period, Views
from .store.records import NewRun, RunTally
from .store_ports import ServiceStore
from .tokens import TokenInfo, Tokens
from .triggers import next_fires
from .web_access import WebAccess


@dataclass(frozen=True)
class TaskStats:
    """A task's (``task_id`` None: every task's) ended runs over a period, as counted by the store."""

    task_id: int | None
    name: str
    runs: int = 0
    completed: int = 0
    failed: int = 0
    skipped: int = 0
    avg_duration_s: float | None = None  # completed and failed runs with a start and an end
    p95_duration_s: float | None = None  # nearest rank: sorted, index round(0.95 * (n - 1))
    p95_approx: bool = False  # read from a histogram: within 2.2 % of that pick

    @classmethod
    def of(cls, tally: RunTally) -> TaskStats:
        return cls(task_id=tally.task_id, name=tally.name, runs=tally.runs, completed=tally.completed,
                   failed=tally.failed, skipped=tally.skipped,
                   # int / int is rounded once, exactly: the mean of the exact durations
                   avg_duration_s=tally.duration_us / (tally.timed * 1_000_000) if tally.timed else None,
                   p95_duration_s=None if tally.p95_us is None else tally.p95_us / 1_000_000,
                   p95_approx=tally.p95_approx)

    @property
    def success_rate(self) -> float | None:
        finished = self.completed + self.failed
        return self.completed / finished if finished else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "task_id": self.task_id, "name": self.name, "runs": self.runs,
            "completed": self.completed, "failed": self.failed, "skipped": self.skipped,
            "success_rate": self.success_rate, "avg_duration_s": self.avg_duration_s,
            "p95_duration_s": self.p95_duration_s,
        }


class Service:
    def __init__(
        self,
        store: ServiceStore,
        *,
        clock: Clock | None = None,
        default_timezone: str = "UTC",
        sql_databases: Sequence[str] = (),
        on_change: Callable[[], None] | None = None,
        spawn_policy: SpawnPolicy | None = None,
        access_policy: AccessPolicy | None = None,
        secret_box: SecretBox | None = None,
        engine_heartbeat: timedelta = timedelta(seconds=10),
        shell_workdir: Path | None = None,
        ai_templates: Sequence[str] = (),
        local_user: str | None = None,
        min_interval: timedelta = DEFAULT_MIN_INTERVAL,
        internal_hosts: Sequence[str] = (),
        task_quota: TaskQuota | None = None,
    ) -> None:
        self.store = store
        self.task_quota = task_quota or TaskQuota()
        # A shell task created without a working folder gets this one (a chat's configured
        # folder); None: each run gets a fresh temporary folder.
        self.shell_workdir = shell_workdir
        self.clock = clock or SystemClock()
        self.on_change = on_change or (lambda: None)
        self.rules = Rules(store, clock=self.clock, default_timezone=default_timezone,
                           sql_databases=tuple(sql_databases), spawn_policy=spawn_policy or SpawnPolicy(),
                           ai_templates=ai_templates, internal_hosts=tuple(internal_hosts),
                           min_interval=min_interval)
        # Without a key secrets can't be set.
        self.secrets = Secrets(store, rules=self.rules, clock=self.clock, box=secret_box or SecretBox())
        self.flows = Flows(store, rules=self.rules, secrets=self.secrets, tasks=self, clock=self.clock,
                           changed=lambda: self.on_change())
        self.people = People(store, access_policy, clock=self.clock)
        self.status = Status(store, clock=self.clock, heartbeat=engine_heartbeat, next_fires=self.next_fires)
        self.conversations = Conversations(store, clock=self.clock)
        self.log_archive: LogArchive | None = None  # big logs elsewhere (Supabase Storage)
        self.team = Team(store, rules=self.rules, clock=self.clock, policy=self.people.policy)
        self.tokens = Tokens(store, rules=self.rules, clock=self.clock, team=self.team)
        self.views = Views(store)
        self.pages = Pages(self)  # the dashboard's detail screens (asks the methods below)
        # ``local_user``: the install's owner (the CLI user), who may sign in to the dashboard.
        self.web = WebAccess(store, clock=self.clock, local_user=local_user)
        self.approval_notes = Approvals(store, rules=self.rules, clock=self.clock)

    @property
    def engine_heartbeat(self) -> timedelta:
        """How often engines beat (an engine is stale after three missed beats)."""
        return self.status.heartbeat

    # The settings the rules apply live in the rules; these read and replace them there.
    @property
    def spawn_policy(self) -> SpawnPolicy:
        return self.rules.spawn_policy

    @spawn_policy.setter
    def spawn_policy(self, policy: SpawnPolicy) -> None:
        self.rules.spawn_policy = policy

    @property
    def default_timezone(self) -> str:
        return self.rules.default_timezone

    @property
    def sql_databases(self) -> tuple[str, ...]:
        return self.rules.sql_databases

    @property
    def ai_templates(self) -> tuple[str, ...]:
        """The AI-task templates a task may name (empty: not checked)."""
        return self.rules.ai_templates

    @property
    def secret_box(self) -> SecretBox:
        """What seals and opens stored secrets (the secrets part's; replacing it replaces theirs)."""
        return self.secrets.secret_box

    @secret_box.setter
    def secret_box(self, box: SecretBox) -> None:
        self.secrets.secret_box = box

    build_spec = via("rules", Rules.build_spec)
    check_event_loops = via("rules", Rules.check_event_loops)

    add_dependency = via("flows", Flows.add_dependency)
    set_dependencies = via("flows", Flows.set_dependencies)
    dependencies_of = via("flows", Flows.dependencies_of)
    downstream_of = via("flows", Flows.downstream_of)
    create_workflow = via("flows", Flows.create_workflow)
    get_workflow = via("flows", Flows.get_workflow)
    list_workflows = via("flows", Flows.list_workflows)
    workflow_runs = via("flows", Flows.workflow_runs)
    delete_workflow = via("flows", Flows.delete_workflow)
    emit = via("flows", Flows.emit)
    create_webhook = via("flows", Flows.create_webhook)
    list_webhooks = via("flows", Flows.list_webhooks)
    delete_webhook = via("flows", Flows.delete_webhook)
    forget_deliveries = via("flows", Flows.forget_deliveries)

    engine_running = via("status", Status.engine_running)
    engine_status = via("status", Status.engine_status)
    not_running_notice = via("status", Status.not_running_notice)

    set_secret = via("secrets", Secrets.set_secret)
    seal_secret = via("secrets", Secrets.seal_secret)
    list_secrets = via("secrets", Secrets.list_secrets)
    delete_secret = via("secrets", Secrets.delete_secret)
    check_secret_references = via("secrets", Secrets.check_secret_references)
    resolve_secrets = via("secrets", Secrets.resolve_secrets)  # the engine's ``SecretSource``
    webhook_secret = via("secrets", Secrets.webhook_secret)

    approval_notices = via("approval_notes", Approvals.approval_notices)

    task_page = via("views", Views.task_page)
    approvals = via("pages", Pages.approvals)
    audit_page = via("pages", Pages.audit_page)
    fires_with_notes = via("pages", Pages.fires_with_notes)
    log_since = via("pages", Pages.log_since)
    change_cursor = via("views", Views.change_cursor)
    changes_since = via("views", Views.changes_since)
    list_people = via("team", Team.list_people)
    add_person = via("team", Team.add_person)
    set_role = via("team", Team.set_role)
    remove_person = via("team", Team.remove_person)
    find_person = via("team", Team.find_person)
    create_group = via("team", Team.create_group)
    delete_group = via("team", Team.delete_group)
    set_group_member = via("team", Team.set_group_member)
    list_groups = via("team", Team.list_groups)
    share_task = via("team", Team.share_task)
    who_can_see = via("team", Team.who_can_see)
    access_version = via("team", Team.access_version)
    check_actor = via("team", Team.check_actor)
    record_sign_in = via("team", Team.record_sign_in)
    record_token = via("team", Team.record_token)
    audit = via("team", Team.audit)
    verify_audit = via("team", Team.verify_audit)

    begin_conversation_turn = via("conversations", Conversations.begin_conversation_turn)
    save_conversation = via("conversations", Conversations.save_conversation)
    forget_stale_conversations = via("conversations", Conversations.forget_stale_conversations)

    create_token = via("tokens", Tokens.create_token)
    list_tokens = via("tokens", Tokens.list_tokens)
    revoke_token = via("tokens", Tokens.revoke_token)
    authenticate = via("tokens", Tokens.authenticate)

    # --- tasks ------------------------------------------------------------------------------

    def create_task(
        self, spec: TaskSpec, *, actor: Actor, status: TaskStatus = TaskStatus.ACTIVE,
        deliver_to: dict[str, str] | None = None,
    ) -> Task:
        """Create a task owned by ``actor``. A task that runs code here (shell, writing SQL,
        internal http) waits in ``pending_approval`` for an admin unless an admin or operator
        makes it. Tasks an AI run creates are held to the spawn policy and wait for a person
        when they run shell, http or sql, use a secret, or would message people with content
        that came from fetched data; their reactive triggers are held to the same floor as time
        triggers (``Rules.held_to_floor``). ``deliver_to`` sends its reminders and results somewhere
        else than where it was asked (``check_destination``)."""
        self.rules.require_writer(actor, action="create_task", target=spec.name)
        destination = check_destination(deliver_to) if deliver_to else None
        now = self.clock.now()
        self._check_quota(actor, spec.name, now=now)
        spec = self.rules.checked(self._with_workdir(spec), now=now, actor=actor)
        if actor.is_ai:
            spec = self.rules.held_to_floor(spec)
        uses_secrets = bool(self.secrets.check_secret_references(spec, owner=actor.user))
        self.rules.check_event_loops(NEW_TASK, spec, owner=actor.user)
        origin = dict(actor.origin or {})
        origin.pop("fetched", None)
        risky = self.rules.risky_reason(spec)
        if risky and not self.rules.may_run_code(actor):
            status = TaskStatus.PENDING_APPROVAL
            origin["waits_for"] = f"an admin's approval: {risky}"
        spawn = None
        if actor.is_ai:
            spawn = self.rules.spawn_check(spec, actor, now=now)
            if self.rules.needs_approval(spec) or uses_secrets:
                status = TaskStatus.PENDING_APPROVAL
            if (actor.origin or {}).get("fetched"):
                # Text from a fetched page may be an attacker's: marked, and held before it
                # reaches anyone (a "verify your account at …" reminder is phishing).
                origin["from_fetched_data"] = str((actor.origin or {}).get("fetched"))[:300]
                if spec.action.kind in ("reminder", "email", "ai") or destination:
                    status = TaskStatus.PENDING_APPROVAL
                    origin.setdefault("waits_for", "its owner's confirmation: its content came from fetched data")
            origin.setdefault("via", "ai")
            origin["ai_run_id"] = actor.ai_run_id
        if destination:
            origin["deliver_to"] = destination
        try:
            task = self.store.add_task(
                spec, owner=actor.user, actor=self.rules.actor_name(actor), now=now, status=status,
                origin=origin or None, spawn=spawn,
            )
        except PermissionDenied as exc:
            self.rules.audit(actor, "create_task", spec.name, refused=str(exc))
            raise
        self.rules.audit(actor, "create_task", f"{task.task_id}:{task.name}", task_id=task.task_id,
                         after={"status": task.status.value, **_summary(task)})
        self.on_change()
        return task

    def _check_quota(self, actor: Actor, name: str, *, now: datetime) -> None:
        """A person (not an admin) has at most ``task_quota.live`` tasks and creates at most
        ``task_quota.per_hour`` an hour; refused with a sentence saying so (audited)."""
        quota = self.task_quota
        if self.rules.role_of(actor) == Role.ADMIN and not actor.is_ai:
            return
        refusal = None
        if quota.live and self.store.count_owned(actor.user) >= quota.live:
            refusal = (f"you already have {quota.live} tasks, the most one person may have; "
                       "delete some you no longer need first")
        elif quota.per_hour and self.store.count_owned(actor.user, created_since=now - timedelta(hours=1)) >= quota.per_hour:
            refusal = (f"you've created {quota.per_hour} tasks in the last hour, the most allowed; "
                       "try again a little later")
        if refusal:
            self.rules.audit(actor, "create_task", name, refused="quota")
            raise PermissionDenied(refusal)

    def _with_workdir(self, spec: TaskSpec) -> TaskSpec:
        """A shell task made without a working folder runs in the service's (a chat's
        configured folder), so "run ./backup.sh" finds backup.sh there."""
        action = spec.action
        if action.kind != "shell" or action.cwd is not None or self.shell_workdir is None:
            return spec
        return spec.model_copy(update={"action": action.model_copy(update={"cwd": str(self.shell_workdir)})})

    def approve_task(self, ref: str, *, actor: Actor) -> Task:
        """A person approves a task waiting in ``pending_approval``; AI runs never can. A task
        that runs code here (shell, writing SQL, internal http) needs an admin; any other (an
        AI-made http check, a reminder from fetched data) its owner, or an admin."""
        task = self.get_task(ref, actor=actor)
        if actor.is_ai:
            self.rules.audit(actor, "approve_task", task.name, refused="AI runs can't approve tasks",
                             task_id=task.task_id)
            raise PermissionDenied("only a person can approve a task, not an AI run")
        self.rules.require_writer(actor, action="approve_task", target=task.name)
        if task.status != TaskStatus.PENDING_APPROVAL:
            raise Conflict(f"task '{task.name}' is not waiting for approval")
        steps = self.store.list_tasks(workflow_id=task.task_id)
        refusal = self._approval_refusal(task, steps, actor)
        if refusal is not None:
            message, short = refusal
            self.rules.audit(actor, "approve_task", task.name, refused=short, task_id=task.task_id)
            raise PermissionDenied(message)
        approved = self.store.update_task(
            task.task_id, status=TaskStatus.ACTIVE, actor=actor.user, now=self.clock.now(),
            reset_schedule=True, approved_by=actor.user,
        )
        for step in steps:  # approving a workflow approves the steps it was shown with
            if step.status == TaskStatus.PENDING_APPROVAL:
                self.store.update_task(step.task_id, status=TaskStatus.ACTIVE, actor=actor.user,
                                       now=self.clock.now(), approved_by=actor.user)
        self.rules.audit(actor, "approve_task", f"{task.task_id}:{task.name}", task_id=task.task_id,
                         before={"status": task.status.value}, after={"status": approved.status.value})
        self.on_change()
        return approved

    def _approval_refusal(self, task: Task, steps: list[Task], actor: Actor,
                          role: Role | None = None) -> tuple[str, str] | None:
        """Why a person who may change things can't approve ``task`` (with its workflow's
        ``steps``): (the message, the audit's short reason), or None when they can. ``role``:
        ``actor``'s, when the caller has just read it."""
        admin = (role if role is not None else self.rules.role_of(actor)) == Role.ADMIN
        risky = next(filter(None, (self.rules.risky_reason(t) for t in [task, *steps])), None)
        if risky and not admin:
            return f"'{task.name}' needs an admin's approval ({risky})", "needs an admin"
        if not admin and task.owner != actor.user:
            return f"only the owner of '{task.name}' or an admin can approve it", "owner or admin only"
        return None

    def approval_outlook(self, task: Task, *, actor: Actor, role: Role | None = None,
                         steps: list[Task] | None = None) -> tuple[list[Task], str | None, bool]:
        """For a screen listing a task waiting for approval: (its workflow's steps, why ``actor``
        can't approve it or None when they can, whether they may turn it down). The same rules
        as ``approve_task`` and ``reject_task``, asked without acting or auditing. A screen of
        many passes ``actor``'s ``role`` and each task's ``steps``, read once for all."""
        steps = self.store.list_tasks(workflow_id=task.task_id) if steps is None else steps
        role = self.rules.role_of(actor) if role is None else role
        if actor.is_ai:
            return steps, "only a person can approve a task, not an AI run", False
        if role == Role.VIEWER:
            return steps, "viewers can look at tasks and runs but not change them", False
        refusal = self._approval_refusal(task, steps, actor, role)
        may_reject = role == Role.ADMIN or task.owner == actor.user
        return steps, refusal[0] if refusal else None, may_reject

    def reject_task(self, ref: str, *, actor: Actor) -> Task:
        """An admin (or the owner) turns down a task waiting for approval: it is deleted."""
        task = self.get_task(ref, actor=actor)
        if task.status != TaskStatus.PENDING_APPROVAL:
            raise Conflict(f"task '{task.name}' is not waiting for approval")
        if actor.is_ai or (self.rules.role_of(actor) != Role.ADMIN and task.owner != actor.user):
            self.rules.audit(actor, "reject_task", task.name, refused="owner or admin only", task_id=task.task_id)
            raise PermissionDenied(f"only the owner of '{task.name}' or an admin can turn it down")
        self.rules.require_writer(actor, action="reject_task", target=task.name)
        for step in [t for t in self.store.list_tasks() if t.workflow_id == task.task_id]:
            self.store.delete_task(step.task_id, actor=actor.user, now=self.clock.now())
        self.store.delete_task(task.task_id, actor=actor.user, now=self.clock.now())
        self.rules.audit(actor, "reject_task", f"{task.task_id}:{task.name}", task_id=task.task_id,
                         before={"status": task.status.value}, after={"status": "deleted"})
        self.on_change()
        return task

    def pending_approvals(self, *, actor: Actor) -> list[Task]:
        """Tasks waiting for approval that ``actor`` can see (an admin: all of them)."""
        return self.list_tasks(actor=actor, status=TaskStatus.PENDING_APPROVAL)

    def update_task(self, ref: str, changes: dict[str, Any], *, actor: Actor) -> Task:
        """Apply ``changes`` (TaskSpec fields) to a task; new triggers restart its schedule from now."""
        task = self.rules.owned(ref, actor)
        current = task.model_dump(include=set(TaskSpec.model_fields))
        merged = {**current, **changes}
        spec = self.build_spec(merged)
        now = self.clock.now()
        spec = self.rules.checked(spec, now=now, previous=task, actor=actor)
        if actor.is_ai:
            spec = self.rules.held_to_floor(spec)
        uses_secrets = bool(self.secrets.check_secret_references(spec, owner=task.owner))
        self.rules.check_event_loops(task.task_id, spec, owner=task.owner)
        reset = "triggers" in changes or "timezone" in changes
        status = None
        swapped = spec.action != task.action or spec.triggers != task.triggers
        risky = self.rules.needs_approval(spec) or uses_secrets
        if actor.is_ai and swapped and risky:
            status = TaskStatus.PENDING_APPROVAL  # an AI can't swap in an unapproved action or check
        if swapped and self.rules.risky_reason(spec) and not self.rules.may_run_code(actor):
            status = TaskStatus.PENDING_APPROVAL  # nor can anyone without the right to run code
        # The task keeps delivering where it was created; the change is noted beside it.
        origin = {**(task.origin or {}), "last_change": actor.origin} if actor.origin else None
        updated = self.store.update_task(
            task.task_id, spec=spec, actor=self.rules.actor_name(actor), now=now, reset_schedule=reset,
            origin=origin, status=status,
        )
        before, after = _changed(task, updated)
        self.rules.audit(actor, "update_task", f"{task.task_id}:{task.name}", task_id=task.task_id,
                         before=before, after=after)
        self.on_change()
        return updated

    def set_delivery(self, ref: str, deliver_to: dict[str, str] | None, *, actor: Actor) -> Task:
        """Send a task's reminders and results to ``deliver_to`` from now on (None: back to the
        conversation it was asked in)."""
        task = self.rules.owned(ref, actor, action="set_delivery")
        if actor.is_ai:
            self.rules.audit(actor, "set_delivery", task.name, refused="AI runs can't redirect delivery",
                             task_id=task.task_id)
            raise PermissionDenied("an AI run can't change where a task delivers")
        origin = {k: v for k, v in (task.origin or {}).items() if k != "deliver_to"}
        if deliver_to:
            origin["deliver_to"] = check_destination(deliver_to)
        updated = self.store.update_task(task.task_id, actor=self.rules.actor_name(actor), now=self.clock.now(),
                                         origin=origin)
        self.rules.audit(actor, "set_delivery", f"{task.task_id}:{task.name}", task_id=task.task_id,
                         before={"deliver_to": (task.origin or {}).get("deliver_to")},
                         after={"deliver_to": origin.get("deliver_to")})
        return updated

    def pause_task(self, ref: str, *, actor: Actor) -> Task:
        task = self.rules.owned(ref, actor, action="pause_task")
        if task.status == TaskStatus.PAUSED:
            raise Conflict(f"task '{task.name}' is already paused")
        updated = self.store.update_task(
            task.task_id, status=TaskStatus.PAUSED, actor=self.rules.actor_name(actor), now=self.clock.now()
        )
        self.rules.audit(actor, "pause_task", f"{task.task_id}:{task.name}", task_id=task.task_id,
                         before={"status": task.status.value}, after={"status": updated.status.value})
        self.on_change()
        return updated

    def resume_task(self, ref: str, *, actor: Actor) -> Task:
        """Resume from now: fires that fell in the pause are not replayed (it was paused on purpose)."""
        self._no_ai(actor, "resume_task", ref, "AI runs can't resume tasks; the owner can")
        task = self.rules.owned(ref, actor, action="resume_task")
        if task.status == TaskStatus.ACTIVE:
            raise Conflict(f"task '{task.name}' is not paused")
        if task.status == TaskStatus.PENDING_APPROVAL:
            raise Conflict(f"task '{task.name}' is waiting for approval, not paused")
        updated = self.store.update_task(
            task.task_id, status=TaskStatus.ACTIVE, actor=self.rules.actor_name(actor), now=self.clock.now(),
            reset_schedule=True,
        )
        self.rules.audit(actor, "resume_task", f"{task.task_id}:{task.name}", task_id=task.task_id,
                         before={"status": task.status.value}, after={"status": updated.status.value})
        self.on_change()
        return updated

    def delete_task(self, ref: str, *, actor: Actor) -> Task:
        self._no_ai(actor, "delete_task", ref, "AI runs can't delete tasks; ask the owner to do it")
        task = self.rules.owned(ref, actor, action="delete_task")
        self.rules.audit(actor, "delete_task", f"{task.task_id}:{task.name}", task_id=task.task_id,
                         before={"status": task.status.value, **_summary(task)}, after={"status": "deleted"})
        self.store.delete_task(task.task_id, actor=actor.user, now=self.clock.now())
        self.on_change()
        return task

    def _no_ai(self, actor: Actor, action: str, target: str, reason: str) -> None:
        if actor.is_ai:
            self.rules.audit(actor, action, target, refused=reason)
            raise PermissionDenied(reason)

    def get_task(self, ref: str | int, *, actor: Actor | None = None) -> Task:
        """A task by id or name; others' tasks are invisible to non-admins (``NotFound``) unless
        shared with them."""
        return self.rules.get_task(ref, actor=actor)

    def list_tasks(
        self, *, actor: Actor | None = None, status: TaskStatus | None = None, search: str | None = None
    ) -> list[Task]:
        """The tasks ``actor`` may see: an admin all, anyone else theirs and those shared with them."""
        owner, shared = self._scope(actor)
        return self.store.list_tasks(owner=owner, status=status, name_contains=search, also_task_ids=shared)

    def _scope(self, actor: Actor | None) -> tuple[str | None, list[int]]:
        """(owner filter, shared task ids) of what ``actor`` sees; (None, []) for everything."""
        if actor is None or self.rules.sees_everything(actor):
            return None, []
        return actor.user, self.rules.visible_task_ids(actor)

    def page_tasks(
        self, *, actor: Actor, status: TaskStatus | None = None, owner: str | None = None,
        kind: str | None = None, search: str | None = None, limit: int = 100, offset: int = 0,
    ) -> tuple[int, list[Task]]:
        """One page of the tasks ``actor`` may see (admins: all; others: their own and those
        shared with them), by id: (how many match, the page). ``owner`` narrows to one person's."""
        mine, shared = self._scope(actor)
        limit, offset = max(1, min(limit, 1000)), max(0, offset)
        if mine is not None and owner is not None and owner != mine:
            # Another person's tasks: only those of theirs shared with ``actor`` (few; read whole).
            ids = set(shared)
            found = [t for t in self.store.list_tasks(owner=owner, status=status, action_kind=kind,
                                                       name_contains=search) if t.task_id in ids]
            return len(found), found[offset:offset + limit]
        return self.store.page_tasks(owner=owner if mine is None else mine, status=status, action_kind=kind,
                                     name_contains=search, limit=limit, offset=offset, also_task_ids=shared)

    def activity(self, *, actor: Actor, since: datetime, zone: str, by: str = "day") -> list[Period]:
        """Ended runs of what ``actor`` sees per hour or day of ``zone`` since ``since``."""
        mine, shared = self._scope(actor)
        return self.views.activity(since=since, now=self.clock.now(), zone=zone, by=by, owner=mine,
                                   also_task_ids=shared)

    def next_fires(self, task: Task, *, count: int = 5, after: datetime | None = None) -> list[datetime]:
        """The next ``count`` fires of ``task`` (UTC), exactly as the engine will compute them."""
        if not task.is_schedulable:
            return []
        now = self.clock.now()
        start = max(after or now, task.last_fire_at or task.created_at)
        return next_fires(task.triggers, start, task.zone, count)

    # --- runs -------------------------------------------------------------------------------

    def run_now(self, ref: str, *, actor: Actor) -> Run:
        # An AI run can't start a task now, not even one it just made: creation's approval
        # rules (and a person's eyes) come before anything it made runs.
        self._no_ai(actor, "run_now", ref, "AI runs can't start tasks; they run on their schedule once approved")
        task = self.rules.owned(ref, actor, action="run_now")
        if task.status == TaskStatus.PENDING_APPROVAL:
            raise Conflict(f"task '{task.name}' is waiting for approval and can't run yet")
        now = self.clock.now()
        run = self.store.add_run(
            NewRun(task_id=task.task_id, status=RunStatus.PENDING, reason=RunReason.MANUAL, due_at=now),
            now=now,
        )
        self.rules.audit(actor, "run_now", f"{task.task_id}:{task.name}", task_id=task.task_id,
                         after={"run_id": run.run_id})
        self.on_change()
        return run.model_copy(update={"task_name": task.name})

    def cancel_run(self, run_id: int, *, actor: Actor) -> Run:
        run = self.get_run(run_id, actor=actor)  # visibility first; owned() refuses viewers after
        task = self.rules.owned(str(run.task_id), actor, action="cancel_run")
        cancelled = self.store.request_cancel(run_id, now=self.clock.now())
        self.rules.audit(actor, "cancel_run", f"{task.task_id}:{task.name} run {run_id}", task_id=task.task_id,
                         before={"status": run.status.value}, after={"status": cancelled.status.value})
        self.on_change()
        return cancelled

    def get_run(self, run_id: int, *, actor: Actor | None = None) -> Run:
        run = self.store.get_run(run_id)
        if actor is not None and not self.rules.sees_everything(actor):
            try:
                self.rules.get_task(run.task_id, actor=actor)
            except NotFound:
                raise NotFound(f"no run with id {run_id}") from None
        return run

    def list_runs(
        self,
        *,
        actor: Actor | None = None,
        task: str | None = None,
        statuses: Sequence[RunStatus] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        search: str | None = None,
        limit: int = 50,
        before_run_id: int | None = None,
        dead: bool = False,
    ) -> list[Run]:
        """Runs ``actor`` may see, newest first; ``dead``: only those parked as dead letters
        (they took their engine down ``POISON_STREAK`` times in a row)."""
        task_id = self.get_task(task, actor=actor).task_id if task else None
        owner, shared = self._scope(actor)
        if since and until and since >= until:
            raise InvalidRequest("the start of the time range must be before its end")
        return self.store.list_runs(
            task_id=task_id, statuses=statuses, since=since, until=until, search=search,
            owner=owner, limit=max(1, min(limit, 10_000)), before_run_id=before_run_id, dead=dead,
            also_task_ids=shared,
        )

    def run_history(self, run_id: int, *, actor: Actor | None = None) -> list[RunEvent]:
        self.get_run(run_id, actor=actor)
        return self.store.run_history(run_id)

    def read_log(self, run_id: int, *, actor: Actor | None = None, tail_bytes: int | None = None) -> str:
        """The whole log of a run (or its last ``tail_bytes``), from its file or the log archive,
        falling back to the output kept in the database (its head and tail)."""
        run = self.get_run(run_id, actor=actor)
        data: bytes | None = None
        note = ""
        if run.log_path and self.log_archive is not None and self.log_archive.owns(run.log_path):
            try:
                data = self.log_archive.get(run.log_path)
            except Exception as exc:  # the archive is another service: say so, show what we have
                note = f"(the whole log is in {run.log_path} and could not be fetched: {exc})\n"
        elif run.log_path and Path(run.log_path).is_file():
            data = Path(run.log_path).read_bytes()
        if data is not None:
            if tail_bytes is not None:
                data = data[-tail_bytes:]
            return data.decode("utf-8", errors="replace")
        parts = [p for p in (run.stdout, run.stderr) if p]
        return note + "\n".join(parts)

    def archive_log(self, run_id: int, *, min_bytes: int) -> str | None:
        """Move an ended run's log file of ``min_bytes`` or more to the log archive; the new
        reference, or None when there is nothing to move (no archive, no file, small, running).
        The local file goes only once the run row points at the archived copy."""
        run = self.store.get_run(run_id)
        if self.log_archive is None or not run.log_path or run.status in (RunStatus.PENDING, RunStatus.RUNNING):
            return None
        path = Path(run.log_path)
        if not path.is_file() or path.stat().st_size < min_bytes:
            return None
        ref = self.log_archive.put(run_id, path)
        if self.store.move_log(run_id, old=run.log_path, new=ref):
            path.unlink(missing_ok=True)
        return ref

    def stats(
        self, *, actor: Actor | None = None, since: datetime | None = None, task: str | None = None
    ) -> tuple[TaskStats, list[TaskStats]]:
        """(overall, per task) over ended runs created since ``since``, counted by the database
        (one row per task comes back, not every run)."""
        task_id = self.get_task(task, actor=actor).task_id if task else None
        owner, shared = self._scope(actor)
        overall, per_task = self.store.run_stats(since=since, task_id=task_id, owner=owner, also_task_ids=shared)
        return TaskStats.of(overall), [TaskStats.of(t) for t in per_task]

    def stats_page(
        self, *, actor: Actor | None = None, since: datetime | None = None, offset: int = 0, limit: int = 50,
    ) -> tuple[TaskStats, list[TaskStats], int, list[TaskStats]]:
        """The stats screen: (overall, one page of the tasks ``actor`` sees in task id order with
        their numbers, how many such tasks, the 10 tasks with the most failures). The same
        numbers as ``stats``, except the overall p95, which may be read from histograms of
        closed hours (``p95_approx``, within 2.2 %); only the page's tasks get their p95."""
        owner, shared = self._scope(actor)
        overall, page, total, failing = self.store.run_stats_page(
            since=since, now=self.clock.now(), owner=owner, also_task_ids=shared, offset=max(0, offset), limit=max(1, min(limit, 500)))
        return TaskStats.of(overall), [TaskStats.of(t) for t in page], total, [TaskStats.of(t) for t in failing]

    # --- engines ---------------------------------------------------------------------------

    def next_pending_due(self) -> datetime | None:
        """When the earliest pending run is due; None when nothing waits."""
        return self.store.next_pending_due()

    # --- audit and budgets -------------------------------------------------------------------

    def audit_log(self, *, actor: Actor, limit: int = 100) -> list[dict[str, Any]]:
        """Admins read everything; others their own entries and those about tasks they see."""
        return self.audit(actor=actor, limit=limit)

    # --- the outbox (connectors/delivery.py asks before and after each part it sends) --------

    def delivered_parts(self, key: str, destination: str) -> set[int]:
        """Parts of message ``key`` already delivered to ``destination`` (R16)."""
        return self.store.delivered_parts(key, destination)

    def record_delivered_part(self, key: str, destination: str, part: int) -> None:
        """Part ``part`` of message ``key`` reached ``destination``: never send it again."""
        self.store.record_delivered_part(key, destination, part, now=self.clock.now())

    def tokens_used(self, task_id: int, *, since: datetime) -> int:
        """Model tokens an AI task's runs reported since ``since`` (for its daily budget)."""
        runs = self.store.list_runs(task_id=task_id, since=since, limit=10_000)
        return sum(int((r.result or {}).get("tokens_used") or 0) for r in runs)


def _summary(task: Task) -> dict[str, Any]:
    """What a task is, for the audit: its name, kind and triggers."""
    return {"name": task.name, "action": task.action.kind,
            "triggers": [t.model_dump(mode="json") for t in task.triggers]}


def _changed(before: Task, after: Task) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fields an edit changed, as they were and as they are (the audit's before → after)."""
    fields = set(TaskSpec.model_fields) | {"status"}
    old = before.model_dump(mode="json", include=fields)
    new = after.model_dump(mode="json", include=fields)
    keys = sorted(k for k in fields if old.get(k) != new.get(k))
    return {k: old.get(k) for k in keys}, {k: new.get(k) for k in keys}


def parse_since(text: str, *, now: datetime) -> datetime:
    """'24h', '7d', '30m', '2w' before ``now``, or an ISO time."""
    from .durations import parse_duration

    try:
        return now - parse_duration(text)
    except InvalidRequest:
        pass
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidRequest(f"can't read {text!r} as a time; use 24h, 7d or 2026-11-01T00:00") from None
    if value.tzinfo is None:
        raise InvalidRequest(f"{text!r} needs a UTC offset, e.g. {text}+00:00, or use 24h / 7d")
    return value


__all__ = [
    "NEW_TASK",
    "Access",
    "AccessPolicy",
    "Actor",
    "Role",
    "Service",
    "SpawnPolicy",
    "TaskQuota",
    "TaskStats",
    "TokenInfo",
    "check_destination",
    "parse_since",
    "spec_zone",
    "validation_message",
    "via_of",
]
