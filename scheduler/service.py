"""The one application service every interface calls (CLI, agent tools, Slack, Telegram, web).

Validation, permissions and the rules about schedules live here once. Methods are synchronous
short transactions; async callers hop to a thread. Every method raises ``CronpilotError``
children with messages fit for a chat user.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .clock import Clock, SystemClock
from .errors import Conflict, InvalidRequest, NotFound, PermissionDenied
from .models import Run, RunEvent, RunReason, RunStatus, Task, TaskSpec, TaskStatus
from .secret_box import SecretBox
from .secrets import SecretsMixin
from .service_conversations import ConversationsMixin
from .service_flows import FlowsMixin
from .service_status import StatusMixin
from .store import NewRun, Store
from .store.task_store import SpawnCheck
from .triggers import (
    ConditionTrigger,
    EventTrigger,
    IntervalTrigger,
    OnceTrigger,
    Trigger,
    next_fires,
)
from .triggers.event import outcome_source
from .wording import repeat_text

NEW_TASK = -1  # the id a task being created stands under in loop checks


class Role(StrEnum):
    ADMIN = "admin"
    MEMBER = "member"
    VIEWER = "viewer"


@dataclass(frozen=True)
class Actor:
    """Who is asking: a person mapped from a platform identity, the local CLI user, or an AI
    run acting for its owner (``ai_run_id``; its rights are the owner's, narrowed by policy)."""

    user: str
    role: Role = Role.MEMBER
    ai_run_id: int | None = None
    spawn_depth: int = 0  # depth of the task whose AI run this is (a person's task is 0)
    origin: dict[str, Any] | None = None  # conversation address, message text, via

    @property
    def is_ai(self) -> bool:
        return self.ai_run_id is not None


@dataclass(frozen=True)
class SpawnPolicy:
    """Limits on tasks that AI runs create (all settings)."""

    per_run: int = 5
    per_owner_per_day: int = 20
    max_depth: int = 2
    min_recurring_interval: timedelta = timedelta(minutes=15)
    approval_kinds: frozenset[str] = frozenset({"shell", "http", "sql"})


@dataclass
class TaskStats:
    task_id: int | None
    name: str
    runs: int = 0
    completed: int = 0
    failed: int = 0
    skipped: int = 0
    durations: list[float] = field(default_factory=list, repr=False)

    @property
    def success_rate(self) -> float | None:
        finished = self.completed + self.failed
        return self.completed / finished if finished else None

    @property
    def avg_duration_s(self) -> float | None:
        return statistics.fmean(self.durations) if self.durations else None

    @property
    def p95_duration_s(self) -> float | None:
        if not self.durations:
            return None
        ordered = sorted(self.durations)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    def as_dict(self) -> dict[str, Any]:
        return {
            "task_id": self.task_id, "name": self.name, "runs": self.runs,
            "completed": self.completed, "failed": self.failed, "skipped": self.skipped,
            "success_rate": self.success_rate, "avg_duration_s": self.avg_duration_s,
            "p95_duration_s": self.p95_duration_s,
        }


def validation_message(exc: ValidationError) -> str:
    """One line from a pydantic error: where and why."""
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ()) if not isinstance(p, int))
    message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


class Service(FlowsMixin, SecretsMixin, StatusMixin, ConversationsMixin):
    def __init__(
        self,
        store: Store,
        *,
        clock: Clock | None = None,
        default_timezone: str = "UTC",
        sql_databases: Sequence[str] = (),
        on_change: Callable[[], None] | None = None,
        spawn_policy: SpawnPolicy | None = None,
        secret_box: SecretBox | None = None,
        engine_heartbeat: timedelta = timedelta(seconds=10),
        shell_workdir: Path | None = None,
        ai_templates: Sequence[str] = (),
    ) -> None:
        self.store = store
        self.secret_box = secret_box or SecretBox()  # without a key: secrets can't be set
        self.engine_heartbeat = engine_heartbeat  # how often engines beat (service_status)
        # A shell task created without a working folder gets this one (a chat's configured
        # folder); None: each run gets a fresh temporary folder.
        self.shell_workdir = shell_workdir
        self.ai_templates = tuple(ai_templates)  # names an AI task may use (empty: not checked)
        self.spawn_policy = spawn_policy or SpawnPolicy()
        self.clock = clock or SystemClock()
        self.default_timezone = default_timezone
        self.sql_databases = tuple(sql_databases)
        self.on_change = on_change or (lambda: None)

    # --- tasks ------------------------------------------------------------------------------

    def build_spec(self, data: dict[str, Any]) -> TaskSpec:
        """Validate raw task fields (from a tool, a form, the CLI) into a ``TaskSpec``."""
        data = {"timezone": self.default_timezone, **data}
        try:
            return TaskSpec.model_validate(data)
        except ValidationError as exc:
            raise InvalidRequest(validation_message(exc)) from None

    def create_task(
        self, spec: TaskSpec, *, actor: Actor, status: TaskStatus = TaskStatus.ACTIVE,
        deliver_to: dict[str, str] | None = None,
    ) -> Task:
        """Create a task owned by ``actor``. Tasks an AI run creates are held to the spawn policy
        and wait in ``pending_approval`` when they run shell, http or sql, or use a secret.
        ``deliver_to`` sends its reminders and results somewhere else than where it was asked
        (``check_destination``)."""
        self._require_writer(actor, action="create_task", target=spec.name)
        destination = check_destination(deliver_to) if deliver_to else None
        now = self.clock.now()
        spec = self._checked(self._with_workdir(spec), now=now)
        uses_secrets = bool(self.check_secret_references(spec, owner=actor.user))
        self.check_event_loops(NEW_TASK, spec)
        spawn = None
        if actor.is_ai:
            spawn = self._spawn_check(spec, actor, now=now)
            if self._needs_approval(spec) or uses_secrets:
                status = TaskStatus.PENDING_APPROVAL
        origin = dict(actor.origin or {})
        if actor.is_ai:
            origin.setdefault("via", "ai")
            origin["ai_run_id"] = actor.ai_run_id
        if destination:
            origin["deliver_to"] = destination
        try:
            task = self.store.add_task(
                spec, owner=actor.user, actor=self._actor_name(actor), now=now, status=status,
                origin=origin or None, spawn=spawn,
            )
        except PermissionDenied as exc:
            self._audit(actor, "create_task", spec.name, refused=str(exc))
            raise
        self._audit(actor, "create_task", f"{task.task_id}:{task.name}")
        self.on_change()
        return task

    def approve_task(self, ref: str, *, actor: Actor) -> Task:
        """A person approves a task waiting in ``pending_approval``; AI runs never can."""
        task = self.get_task(ref, actor=actor)
        if actor.is_ai:
            self._audit(actor, "approve_task", task.name, refused="AI runs can't approve tasks")
            raise PermissionDenied("only a person can approve a task, not an AI run")
        if task.status != TaskStatus.PENDING_APPROVAL:
            raise Conflict(f"task '{task.name}' is not waiting for approval")
        if task.action.kind == "shell" and actor.role != Role.ADMIN:
            self._audit(actor, "approve_task", task.name, refused="shell tasks need an admin")
            raise PermissionDenied("a shell task created by AI needs an admin's approval")
        self._require_writer(actor, action="approve_task", target=task.name)
        steps = [t for t in self.store.list_tasks() if t.workflow_id == task.task_id]
        if actor.role != Role.ADMIN and any(t.action.kind == "shell" for t in steps):
            self._audit(actor, "approve_task", task.name, refused="shell steps need an admin")
            raise PermissionDenied("a workflow with shell steps created by AI needs an admin's approval")
        approved = self.store.update_task(
            task.task_id, status=TaskStatus.ACTIVE, actor=actor.user, now=self.clock.now(),
            reset_schedule=True, approved_by=actor.user,
        )
        for step in steps:  # approving a workflow approves the steps it was shown with
            if step.status == TaskStatus.PENDING_APPROVAL:
                self.store.update_task(step.task_id, status=TaskStatus.ACTIVE, actor=actor.user,
                                       now=self.clock.now(), approved_by=actor.user)
        self._audit(actor, "approve_task", f"{task.task_id}:{task.name}")
        self.on_change()
        return approved

    def _needs_approval(self, spec: TaskSpec) -> bool:
        """A risky action, or a condition whose check is one (a check runs code too)."""
        kinds = {spec.action.kind} | {t.check.kind for t in spec.triggers if isinstance(t, ConditionTrigger)}
        return bool(kinds & self.spawn_policy.approval_kinds)

    def _spawn_check(self, spec: TaskSpec, actor: Actor, *, now: datetime) -> SpawnCheck:
        policy = self.spawn_policy
        depth = actor.spawn_depth + 1
        refusal = None
        if depth > policy.max_depth:
            refusal = f"spawn depth {depth} is over the limit of {policy.max_depth}"
        else:
            fires = next_fires(spec.triggers, now, spec_zone(spec), 4)
            gaps = [b - a for a, b in itertools.pairwise(fires)]
            if gaps and min(gaps) < policy.min_recurring_interval:
                refusal = f"AI-created tasks may recur at most {repeat_text(policy.min_recurring_interval)}"
        if refusal:
            self._audit(actor, "create_task", spec.name, refused=refusal)
            raise PermissionDenied(refusal)
        assert actor.ai_run_id is not None
        return SpawnCheck(run_id=actor.ai_run_id, depth=depth, per_run_limit=policy.per_run,
                          per_day_limit=policy.per_owner_per_day)

    def update_task(self, ref: str, changes: dict[str, Any], *, actor: Actor) -> Task:
        """Apply ``changes`` (TaskSpec fields) to a task; new triggers restart its schedule from now."""
        task = self._owned(ref, actor)
        current = task.model_dump(include=set(TaskSpec.model_fields))
        merged = {**current, **changes}
        spec = self.build_spec(merged)
        now = self.clock.now()
        spec = self._checked(spec, now=now)
        uses_secrets = bool(self.check_secret_references(spec, owner=task.owner))
        self.check_event_loops(task.task_id, spec)
        reset = "triggers" in changes or "timezone" in changes
        status = None
        risky = self._needs_approval(spec) or uses_secrets
        if actor.is_ai and (spec.action != task.action or spec.triggers != task.triggers) and risky:
            status = TaskStatus.PENDING_APPROVAL  # an AI can't swap in an unapproved action or check
        # The task keeps delivering where it was created; the change is noted beside it.
        origin = {**(task.origin or {}), "last_change": actor.origin} if actor.origin else None
        updated = self.store.update_task(
            task.task_id, spec=spec, actor=self._actor_name(actor), now=now, reset_schedule=reset,
            origin=origin, status=status,
        )
        self._audit(actor, "update_task", f"{task.task_id}:{task.name}")
        self.on_change()
        return updated

    def set_delivery(self, ref: str, deliver_to: dict[str, str] | None, *, actor: Actor) -> Task:
        """Send a task's reminders and results to ``deliver_to`` from now on (None: back to the
        conversation it was asked in)."""
        task = self._owned(ref, actor)
        if actor.is_ai:
            self._audit(actor, "set_delivery", task.name, refused="AI runs can't redirect delivery")
            raise PermissionDenied("an AI run can't change where a task delivers")
        origin = {k: v for k, v in (task.origin or {}).items() if k != "deliver_to"}
        if deliver_to:
            origin["deliver_to"] = check_destination(deliver_to)
        updated = self.store.update_task(task.task_id, actor=self._actor_name(actor), now=self.clock.now(),
                                         origin=origin)
        self._audit(actor, "set_delivery", f"{task.task_id}:{task.name}")
        return updated

    def pause_task(self, ref: str, *, actor: Actor) -> Task:
        task = self._owned(ref, actor)
        if task.status == TaskStatus.PAUSED:
            raise Conflict(f"task '{task.name}' is already paused")
        updated = self.store.update_task(
            task.task_id, status=TaskStatus.PAUSED, actor=self._actor_name(actor), now=self.clock.now()
        )
        self._audit(actor, "pause_task", f"{task.task_id}:{task.name}")
        self.on_change()
        return updated

    def resume_task(self, ref: str, *, actor: Actor) -> Task:
        """Resume from now: fires that fell in the pause are not replayed (it was paused on purpose)."""
        task = self._owned(ref, actor)
        if task.status == TaskStatus.ACTIVE:
            raise Conflict(f"task '{task.name}' is not paused")
        if task.status == TaskStatus.PENDING_APPROVAL:
            raise Conflict(f"task '{task.name}' is waiting for approval, not paused")
        updated = self.store.update_task(
            task.task_id, status=TaskStatus.ACTIVE, actor=self._actor_name(actor), now=self.clock.now(),
            reset_schedule=True,
        )
        self._audit(actor, "resume_task", f"{task.task_id}:{task.name}")
        self.on_change()
        return updated

    def delete_task(self, ref: str, *, actor: Actor) -> Task:
        if actor.is_ai:
            self._audit(actor, "delete_task", ref, refused="AI runs can't delete tasks")
            raise PermissionDenied("AI runs can't delete tasks; ask the owner to do it")
        task = self._owned(ref, actor, action="delete_task")
        self._audit(actor, "delete_task", f"{task.task_id}:{task.name}")
        self.store.delete_task(task.task_id, actor=actor.user, now=self.clock.now())
        self.on_change()
        return task

    def get_task(self, ref: str | int, *, actor: Actor | None = None) -> Task:
        task = self.store.find_task(str(ref))
        if actor is not None and actor.role != Role.ADMIN and task.owner != actor.user:
            raise NotFound(f"no task {ref!r}")  # others' tasks are invisible, not forbidden
        return task

    def list_tasks(
        self, *, actor: Actor | None = None, status: TaskStatus | None = None, search: str | None = None
    ) -> list[Task]:
        owner = actor.user if actor is not None and actor.role != Role.ADMIN else None
        return self.store.list_tasks(owner=owner, status=status, name_contains=search)

    def next_fires(self, task: Task, *, count: int = 5, after: datetime | None = None) -> list[datetime]:
        """The next ``count`` fires of ``task`` (UTC), exactly as the engine will compute them."""
        if not task.is_schedulable:
            return []
        now = self.clock.now()
        start = max(after or now, task.last_fire_at or task.created_at)
        return next_fires(task.triggers, start, task.zone, count)

    # --- runs -------------------------------------------------------------------------------

    def run_now(self, ref: str, *, actor: Actor) -> Run:
        task = self._owned(ref, actor, action="run_now")
        if task.status == TaskStatus.PENDING_APPROVAL:
            raise Conflict(f"task '{task.name}' is waiting for approval and can't run yet")
        now = self.clock.now()
        run = self.store.add_run(
            NewRun(task_id=task.task_id, status=RunStatus.PENDING, reason=RunReason.MANUAL, due_at=now),
            now=now,
        )
        self.on_change()
        return run.model_copy(update={"task_name": task.name})

    def cancel_run(self, run_id: int, *, actor: Actor) -> Run:
        run = self.get_run(run_id, actor=actor)
        self._owned(str(run.task_id), actor)
        cancelled = self.store.request_cancel(run_id, now=self.clock.now())
        self.on_change()
        return cancelled

    def get_run(self, run_id: int, *, actor: Actor | None = None) -> Run:
        run = self.store.get_run(run_id)
        if actor is not None and actor.role != Role.ADMIN:
            task = self.store.get_task(run.task_id) if run.task_name else None
            if task is None or task.owner != actor.user:
                raise NotFound(f"no run with id {run_id}")
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
    ) -> list[Run]:
        task_id = self.get_task(task, actor=actor).task_id if task else None
        owner = actor.user if actor is not None and actor.role != Role.ADMIN else None
        if since and until and since >= until:
            raise InvalidRequest("the start of the time range must be before its end")
        return self.store.list_runs(
            task_id=task_id, statuses=statuses, since=since, until=until, search=search,
            owner=owner, limit=max(1, min(limit, 10_000)),
        )

    def run_history(self, run_id: int, *, actor: Actor | None = None) -> list[RunEvent]:
        self.get_run(run_id, actor=actor)
        return self.store.run_history(run_id)

    def read_log(self, run_id: int, *, actor: Actor | None = None, tail_bytes: int | None = None) -> str:
        """The whole log of a run (or its last ``tail_bytes``), falling back to the kept output."""
        run = self.get_run(run_id, actor=actor)
        if run.log_path and Path(run.log_path).is_file():
            data = Path(run.log_path).read_bytes()
            if tail_bytes is not None:
                data = data[-tail_bytes:]
            return data.decode("utf-8", errors="replace")
        parts = [p for p in (run.stdout, run.stderr) if p]
        return "\n".join(parts)

    def stats(
        self, *, actor: Actor | None = None, since: datetime | None = None, task: str | None = None
    ) -> tuple[TaskStats, list[TaskStats]]:
        """(overall, per task) over ended runs created since ``since``."""
        task_id = self.get_task(task, actor=actor).task_id if task else None
        owner = actor.user if actor is not None and actor.role != Role.ADMIN else None
        overall = TaskStats(task_id=None, name="all tasks")
        per_task: dict[int, TaskStats] = {}
        for tid, name, status, started, finished, _created in self.store.run_timings(
            since=since, task_id=task_id, owner=owner
        ):
            entry = per_task.setdefault(tid, TaskStats(task_id=tid, name=name))
            for bucket in (entry, overall):
                bucket.runs += 1
                if status == RunStatus.COMPLETED:
                    bucket.completed += 1
                elif status == RunStatus.FAILED:
                    bucket.failed += 1
                elif status == RunStatus.SKIPPED:
                    bucket.skipped += 1
                if started and finished and status in (RunStatus.COMPLETED, RunStatus.FAILED):
                    bucket.durations.append((finished - started).total_seconds())
        return overall, sorted(per_task.values(), key=lambda s: s.task_id or 0)

    # --- rules ------------------------------------------------------------------------------

    def _checked(self, spec: TaskSpec, *, now: datetime) -> TaskSpec:
        triggers: list[Trigger] = []
        for trigger in spec.triggers:
            if isinstance(trigger, OnceTrigger) and trigger.at <= now:
                raise InvalidRequest(
                    f"the time {trigger.at.astimezone(spec_zone(spec)).strftime('%Y-%m-%d %H:%M %Z')} "
                    "is in the past; pick a time ahead"
                )
            if isinstance(trigger, IntervalTrigger) and trigger.anchor_at is None:
                trigger = trigger.model_copy(update={"anchor_at": now})
            if isinstance(trigger, EventTrigger):
                trigger = self._resolve_outcome_event(trigger)
            triggers.append(trigger)
        action = spec.action
        checks = [t.check for t in triggers if isinstance(t, ConditionTrigger)]
        for check in checks:
            if check.kind == "sql" and check.database not in self.sql_databases:
                known = ", ".join(self.sql_databases) or "none configured (CRONPILOT_SQL_DATABASES)"
                raise InvalidRequest(f"unknown database {check.database!r} in the condition; known: {known}")
        if action.kind == "sql" and action.database not in self.sql_databases:
            known = ", ".join(self.sql_databases) or "none configured (CRONPILOT_SQL_DATABASES)"
            raise InvalidRequest(f"unknown database {action.database!r}; known: {known}")
        if action.kind == "shell" and action.cwd is not None and not Path(action.cwd).is_absolute():
            raise InvalidRequest(f"the working folder must be an absolute path, not {action.cwd!r}")
        if action.kind == "http" and not action.url.lower().startswith(("http://", "https://")):
            raise InvalidRequest("an http task needs an http:// or https:// URL")
        if action.kind == "ai" and action.template and self.ai_templates and action.template not in self.ai_templates:
            raise InvalidRequest(f"unknown AI template {action.template!r}; known: {', '.join(self.ai_templates)}")
        return spec.model_copy(update={"triggers": triggers})

    def _with_workdir(self, spec: TaskSpec) -> TaskSpec:
        """A shell task made without a working folder runs in the service's (a chat's
        configured folder), so "run ./backup.sh" finds backup.sh there."""
        action = spec.action
        if action.kind != "shell" or action.cwd is not None or self.shell_workdir is None:
            return spec
        return spec.model_copy(update={"action": action.model_copy(update={"cwd": str(self.shell_workdir)})})

    def _resolve_outcome_event(self, trigger: EventTrigger) -> EventTrigger:
        """'task.completed:backup' → 'task.completed:12': outcome events name tasks by id, so a
        rename doesn't break them."""
        source = outcome_source(trigger.event)
        if source is None or source[1] is None or source[1].isdigit():
            return trigger
        task = self.get_task(source[1])
        return trigger.model_copy(update={"event": f"{source[0]}:{task.task_id}"})

    def _owned(self, ref: str, actor: Actor, *, action: str = "change_task") -> Task:
        self._require_writer(actor, action=action, target=ref)
        task = self.get_task(ref, actor=actor)
        if actor.is_ai and task.created_by_run_id != actor.ai_run_id:
            reason = "an AI run may only change tasks it created itself"
            self._audit(actor, action, task.name, refused=reason)
            raise PermissionDenied(reason)
        return task

    def _require_writer(self, actor: Actor, *, action: str = "change", target: str | None = None) -> None:
        if actor.role == Role.VIEWER:
            self._audit(actor, action, target, refused="viewer")
            raise PermissionDenied("viewers can look at tasks and runs but not change them")

    def _actor_name(self, actor: Actor) -> str:
        return f"ai-run {actor.ai_run_id} for {actor.user}" if actor.is_ai else actor.user

    def _audit(self, actor: Actor, action: str, target: str | None, *, refused: str | None = None) -> None:
        self.store.add_audit(
            at=self.clock.now(), actor=actor.user, ai_run_id=actor.ai_run_id, action=action,
            target=target, decision="refused" if refused else "allowed", reason=refused,
        )

    def audit_log(self, *, actor: Actor, limit: int = 100) -> list[dict[str, Any]]:
        """Admins read everything; others their own entries."""
        return self.store.list_audit(actor=None if actor.role == Role.ADMIN else actor.user, limit=limit)

    def tokens_used(self, task_id: int, *, since: datetime) -> int:
        """Model tokens an AI task's runs reported since ``since`` (for its daily budget)."""
        runs = self.store.list_runs(task_id=task_id, since=since, limit=10_000)
        return sum(int((r.result or {}).get("tokens_used") or 0) for r in runs)


DESTINATION_PLATFORMS = ("email", "slack", "telegram", "terminal")


def check_destination(destination: dict[str, Any]) -> dict[str, str]:
    """A delivery address: ``{"platform": "email", "address": "ana@example.com"}``, or a Slack
    or Telegram conversation address. Raises ``InvalidRequest``."""
    data = {str(k): str(v).strip() for k, v in destination.items()}
    platform = data.get("platform", "")
    if platform not in DESTINATION_PLATFORMS:
        raise InvalidRequest(f"can't deliver to {platform or 'nowhere'!r}; use one of {', '.join(DESTINATION_PLATFORMS)}")
    if platform == "email":
        from .trigger_text import email_destination

        return email_destination(data.get("address", ""))
    if platform == "slack" and not data.get("channel"):
        raise InvalidRequest("a Slack destination needs a channel")
    if platform == "telegram" and not data.get("chat"):
        raise InvalidRequest("a Telegram destination needs a chat")
    return data


def spec_zone(spec: TaskSpec) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(spec.timezone)


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


__all__ = ["Actor", "Role", "Service", "SpawnPolicy", "TaskStats", "check_destination", "parse_since",
           "validation_message"]
