"""The rules every service operation applies, in one place: who may change what (and the audit
entry either way), what a valid task is (and where it may deliver), the limits on what AI runs
create, and loops through outcome events.

``Rules`` is a part of the service (``Service.rules``) that its other parts (``Flows``) share;
it reads the store but changes nothing except the audit log.
"""

from __future__ import annotations

import ipaddress
import itertools
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from . import hygiene
from .access import Access, Actor, Role, SpawnPolicy, validation_message
from .clock import Clock
from .dag import find_cycle
from .errors import AmbiguousName, Conflict, InvalidRequest, NotFound, PermissionDenied
from .hygiene import DEFAULT_MIN_INTERVAL
from .models import Task, TaskSpec
from .store.records import SpawnCheck
from .store_ports import ServiceStore
from .trigger_text import email_destination
from .triggers import (
    ConditionTrigger,
    EventTrigger,
    FileTrigger,
    IntervalTrigger,
    OnceTrigger,
    PgNotifyTrigger,
    Trigger,
    next_fires,
)
from .triggers.event import outcome_source
from .wording import repeat_text

NEW_TASK = -1  # the id a task being created stands under in loop checks
# What only a task's owner or an admin may do, whatever is shared (manage is operating it).
OWNER_ONLY = frozenset({"delete_task", "share_task", "set_delivery"})


def via_of(actor: Actor) -> str:
    """Through what ``actor`` acts, for the audit: ai, cli, api, button, webhook, chat:slack…"""
    origin = actor.origin or {}
    if actor.is_ai:
        return "ai"
    via = str(origin.get("via") or "service")
    if via == "cli-command":
        return "cli"
    return f"chat:{via}" if origin.get("conversation_id") and via not in ("button", "ai") else via


class Rules:
    def __init__(
        self, store: ServiceStore, *, clock: Clock, default_timezone: str, sql_databases: Sequence[str],
        spawn_policy: SpawnPolicy, ai_templates: Sequence[str] = (), internal_hosts: Sequence[str] = (),
        min_interval: timedelta = DEFAULT_MIN_INTERVAL,
    ) -> None:
        self.store = store
        self.clock = clock
        self.default_timezone = default_timezone
        self.sql_databases = tuple(sql_databases)
        self.spawn_policy = spawn_policy
        self.ai_templates = tuple(ai_templates)  # names an AI task may use (empty: not checked)
        self.min_interval = min_interval  # no recurring task fires more often (CRONPILOT_MIN_INTERVAL)
        self.internal_hosts = tuple(internal_hosts)  # the http allowlist (CRONPILOT_HTTP_ALLOWED_HOSTS)

    # --- who may ----------------------------------------------------------------------------

    def role_of(self, actor: Actor) -> Role:
        """``actor``'s role now: what the session claims, capped by the person's current role
        (re-read on every call, so a demotion or removal takes effect at once everywhere, open
        sessions and tokens included). Someone cronpilot doesn't know as a person (the CLI's
        local user, a webhook) keeps the role the interface gave. A removed person is refused
        (``PermissionDenied``, audited)."""
        person = self.store.find_user(actor.user)
        if person is None:
            return actor.role
        if person.removed:
            self.store.add_audit(at=self.clock.now(), actor=actor.user, ai_run_id=actor.ai_run_id,
                                 action="access", decision="refused", reason="removed", via=via_of(actor))
            raise PermissionDenied(f"{actor.user} no longer has access to this cronpilot")
        try:
            stored = Role(person.role)
        except ValueError:
            stored = Role.VIEWER  # an unknown role in the database: least privilege
        return actor.role.at_most(stored)

    def access_version(self, user: str) -> str:
        """A fingerprint of what ``user`` may do (role, removed); sessions and tokens remember it
        and end when it changes (the API and dashboard call this; the service re-checks anyway)."""
        person = self.store.find_user(user)
        return "unknown" if person is None else ("removed" if person.removed else person.role)

    def sees_everything(self, actor: Actor) -> bool:
        return self.role_of(actor) == Role.ADMIN

    def access_to(self, task: Task, actor: Actor) -> Access | None:
        """What ``actor`` gets of ``task``: MANAGE (their own, or an admin), what a group it is
        shared with gives them, or None (invisible)."""
        if self.role_of(actor) == Role.ADMIN or task.owner == actor.user:
            return Access.MANAGE
        shared = self.store.shared_with(actor.user).get(task.task_id)
        return Access(shared) if shared else None

    def visible_task_ids(self, actor: Actor) -> list[int]:
        """Ids of the tasks shared with ``actor`` (their own are found by owner)."""
        return sorted(self.store.shared_with(actor.user))

    def get_task(self, ref: str | int, *, actor: Actor | None = None) -> Task:
        """A task by id or name, as ``actor`` may see it: others' tasks are invisible (``NotFound``),
        not forbidden, unless ``actor`` is an admin or the task is shared with them.

        Names are unique per owner, so a name is resolved among the tasks ``actor`` can see:
        their own first; else the one visible task of that name; several (an admin, or tasks
        shared by two people) raise ``AmbiguousName`` (an ``InvalidRequest``) naming each by id
        and owner. Tasks they can't see never count, so the answer tells nothing about them."""
        text = str(ref).strip()
        if text.isdigit() or actor is None:
            task = self.store.find_task(text)
            if actor is not None and self.access_to(task, actor) is None:
                # Word for word what the store says of a task that doesn't exist: the refusal
                # must not tell a stranger that it does.
                raise NotFound(f"no task with id {int(text)}")
            return task
        self.role_of(actor)  # a removed person is refused here too, even for their own task
        named = self.store.tasks_named(text)
        own = [t for t in named if t.owner == actor.user]
        if own:
            return own[0]
        seen = [t for t in named if self.access_to(t, actor) is not None]
        if not seen:
            raise NotFound(f"no task named {text!r}")
        if len(seen) > 1:
            which = ", ".join(f"#{t.task_id} ({t.owner}'s)" for t in seen)
            raise AmbiguousName(f"{len(seen)} tasks you can see are named {text!r}: {which}; say which by its id",
                                tuple(t.task_id for t in seen))
        return seen[0]

    def owned(self, ref: str, actor: Actor, *, action: str = "change_task") -> Task:
        """The task ``actor`` wants to change, if they may: a writer who owns it, an admin, or
        someone it is shared with to manage (``owner_only``-actions aside); an AI run only a task
        it created itself. Refusals are audited and raise ``PermissionDenied``. Visibility
        comes first: a task ``actor`` can't see is ``NotFound`` (HTTP 404) for a viewer too, so a
        refusal never tells them it exists."""
        task = self.get_task(ref, actor=actor)
        self.require_writer(actor, action=action, target=task.name)
        if actor.is_ai and task.created_by_run_id != actor.ai_run_id:
            reason = "an AI run may only change tasks it created itself"
            self.audit(actor, action, task.name, refused=reason, task_id=task.task_id)
            raise PermissionDenied(reason)
        access = self.access_to(task, actor)
        if access != Access.MANAGE:
            self.audit(actor, action, task.name, refused="shared to read only", task_id=task.task_id)
            raise PermissionDenied(f"'{task.name}' is shared with you to read, not to change")
        if action in OWNER_ONLY and task.owner != actor.user and self.role_of(actor) != Role.ADMIN:
            self.audit(actor, action, task.name, refused="owner or admin only", task_id=task.task_id)
            raise PermissionDenied(f"only the owner of '{task.name}' or an admin can do that")
        return task

    def require_writer(self, actor: Actor, *, action: str = "change", target: str | None = None) -> None:
        """Viewers look but don't change: raises ``PermissionDenied`` (audited) for them."""
        if self.role_of(actor) == Role.VIEWER:
            self.audit(actor, action, target, refused="viewer")
            raise PermissionDenied("viewers can look at tasks and runs but not change them")

    def require_admin(self, actor: Actor, *, action: str, target: str | None, what: str) -> None:
        """Only a person who is an admin: raises ``PermissionDenied`` (audited) for anyone else."""
        if actor.is_ai or self.role_of(actor) != Role.ADMIN:
            self.audit(actor, action, target, refused="admins only")
            raise PermissionDenied(f"only an admin can {what}")

    def may_run_code(self, actor: Actor) -> bool:
        """True for people trusted with shell, writing SQL and internal http (admins,
        operators); never for an AI run."""
        return not actor.is_ai and self.role_of(actor).rank >= Role.OPERATOR.rank

    def actor_name(self, actor: Actor) -> str:
        """How ``actor`` is named on the rows it changes."""
        return f"ai-run {actor.ai_run_id} for {actor.user}" if actor.is_ai else actor.user

    def audit(
        self, actor: Actor, action: str, target: str | None, *, refused: str | None = None,
        task_id: int | None = None, before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
    ) -> None:
        """One audit entry: ``action`` on ``target`` by ``actor``, allowed or ``refused`` (why),
        through what (``via_of``), and for edits the changed fields before → after."""
        self.store.add_audit(
            at=self.clock.now(), actor=actor.user, ai_run_id=actor.ai_run_id, action=action,
            target=target, decision="refused" if refused else "allowed", reason=refused,
            via=via_of(actor), task_id=task_id, before=before, after=after,
        )

    # --- risky tasks ------------------------------------------------------------------------

    def risky_reason(self, spec: TaskSpec) -> str | None:
        """Why a task runs code on this side (shell, writing SQL, http to an allow-listed
        internal host), also in a condition's check; None when it doesn't. Such tasks wait for
        an admin's approval unless an admin or operator makes them."""
        actions = [spec.action] + [t.check for t in spec.triggers if isinstance(t, ConditionTrigger)]
        for action in actions:
            if action.kind == "shell":
                return "it runs a shell command"
            if action.kind == "sql" and action.allow_writes and action is spec.action:
                return "its SQL may write"  # a check's SQL is always read-only
            if action.kind == "http" and self.internal_host(action.url):
                return "it calls an internal host"
        return None

    def internal_host(self, url: str) -> bool:
        """An internal address, or a host named exactly in the http allowlist (only such an
        entry unlocks an internal address: scheduler/actions/netguard.py)."""
        host = (urlsplit(url).hostname or "").lower().rstrip(".")
        if not host:
            return False
        if host == "localhost" or host.endswith((".localhost", ".internal", ".local")):
            return True
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            ip = None
        if ip is not None and not ip.is_global:
            return True
        return any(entry.strip().lower().rsplit(":", 1)[0].strip("[]") == host
                   for entry in self.internal_hosts if not entry.strip().startswith("*."))

    # --- what a task may be -----------------------------------------------------------------

    def build_spec(self, data: dict[str, Any]) -> TaskSpec:
        """Validate raw task fields (from a tool, a form, the CLI) into a ``TaskSpec``."""
        data = {"timezone": self.default_timezone, **data}
        try:
            return TaskSpec.model_validate(data)
        except ValidationError as exc:
            raise InvalidRequest(validation_message(exc)) from None

    def checked(
        self, spec: TaskSpec, *, now: datetime, previous: TaskSpec | None = None, actor: Actor | None = None,
    ) -> TaskSpec:
        """``spec`` as it will be stored: one-offs in the future, intervals anchored at ``now``,
        outcome events naming tasks by id, known databases, http URLs, known AI templates, and
        the hygiene rules (``scheduler/hygiene.py``) on what is new or changed since ``previous``;
        ``InvalidRequest`` else."""
        owner = getattr(previous, "owner", None) or (actor.user if actor is not None else None)
        self._hygiene(spec, now=now, previous=previous, owner=owner)
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
                trigger = self._resolve_outcome_event(trigger, actor)
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

    def _hygiene(self, spec: TaskSpec, *, now: datetime, previous: TaskSpec | None, owner: str | None) -> None:
        """Only what changed is held to the rules, so a task stored before a rule existed can
        still be paused, renamed or given a new action. A look-alike name is refused among the
        names ``owner`` can see (their own and those shared with them; an admin's: all), never
        by naming a task they can't see."""
        if previous is None or spec.name != previous.name:
            hygiene.check_name(spec.name)
            if owner is None or self._is_admin(owner):
                names = self.store.live_task_names()
            else:
                names = self.store.live_task_names(owner=owner, also_task_ids=sorted(self.store.shared_with(owner)))
            similar = hygiene.confusable_with(
                spec.name, (n for n in names if previous is None or n != previous.name))
            if similar is not None:
                raise InvalidRequest(f"the name {spec.name!r} looks like the existing task {similar!r}; "
                                     "pick a name that can't be mistaken for it")
        if previous is None or spec.triggers != previous.triggers or spec.timezone != previous.timezone:
            zone = spec_zone(spec)
            for trigger in spec.triggers:
                if isinstance(trigger, IntervalTrigger):
                    hygiene.check_interval(trigger.every, self.min_interval, what="running")
                elif isinstance(trigger, ConditionTrigger):
                    hygiene.check_interval(trigger.every, self.min_interval, what="checking")
                elif trigger.kind in ("cron", "rrule"):
                    hygiene.check_fire_gap(next_fires([trigger], now, zone, 12), self.min_interval)
        if previous is None or spec.action != previous.action:
            action = spec.action
            if action.kind == "shell":
                hygiene.check_env(action.env)
            elif action.kind == "http":
                hygiene.check_headers(action.headers)

    def _is_admin(self, user: str) -> bool:
        """Whether ``user`` sees every task: an admin, or no person row at all (the CLI's local
        user, whom the interface makes an admin)."""
        person = self.store.find_user(user)
        return person is None or person.role == Role.ADMIN

    def _resolve_outcome_event(self, trigger: EventTrigger, actor: Actor | None) -> EventTrigger:
        """'task.completed:backup' → 'task.completed:12': outcome events name tasks by id, so a
        rename doesn't break them. Only a task ``actor`` may see can be listened to (its outcome
        carries its error text); the bare 'task.failed' reaches only the listener's own tasks'
        outcomes (an admin's: everyone's), which the store sees to."""
        source = outcome_source(trigger.event)
        if source is None or source[1] is None:
            return trigger
        task = self.get_task(source[1], actor=actor)
        return trigger.model_copy(update={"event": f"{source[0]}:{task.task_id}"})

    # --- what AI runs may create --------------------------------------------------------------

    def needs_approval(self, spec: TaskSpec) -> bool:
        """A risky action, or a condition whose check is one (a check runs code too)."""
        kinds = {spec.action.kind} | {t.check.kind for t in spec.triggers if isinstance(t, ConditionTrigger)}
        return bool(kinds & self.spawn_policy.approval_kinds)

    def held_to_floor(self, spec: TaskSpec) -> TaskSpec:
        """``spec`` as an AI run may make it: reactive triggers fire no more often than time
        triggers may (``min_recurring_interval``): an event, file or NOTIFY trigger gets at least
        that debounce, a condition is checked at most that often. Without this an AI task
        listening to every task's completion ran 211 times in 15 s."""
        floor = self.spawn_policy.min_recurring_interval
        triggers: list[Trigger] = []
        for trigger in spec.triggers:
            if isinstance(trigger, EventTrigger | FileTrigger | PgNotifyTrigger):
                if trigger.debounce is None or trigger.debounce < floor:
                    trigger = trigger.model_copy(update={"debounce": floor})
            elif isinstance(trigger, ConditionTrigger) and trigger.every < floor:
                trigger = trigger.model_copy(update={"every": floor})
            triggers.append(trigger)
        return spec.model_copy(update={"triggers": triggers})

    def spawn_check(self, spec: TaskSpec, actor: Actor, *, now: datetime) -> SpawnCheck:
        """The budgets an AI run creating ``spec`` is held to in the store's transaction; depth
        and recurrence limits refused here (audited, ``PermissionDenied``)."""
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
            self.audit(actor, "create_task", spec.name, refused=refusal)
            raise PermissionDenied(refusal)
        assert actor.ai_run_id is not None
        return SpawnCheck(run_id=actor.ai_run_id, depth=depth, per_run_limit=policy.per_run,
                          per_day_limit=policy.per_owner_per_day)

    # --- loops through events -------------------------------------------------------------------

    def event_arrows(self, extra: dict[int, set[str]] | None = None,
                     owners: dict[int, str] | None = None) -> list[tuple[int, int]]:
        """X → L for every task L that fires on X's outcome (named, or any task's: then only X
        of L's owner, or any X when L's owner is an admin); ``extra`` are the events of tasks
        being created or changed, in place of their stored ones, ``owners`` their owners."""
        listening: dict[int, set[str]] = {}
        for task_id, event in self.store.all_subscriptions():
            if outcome_source(event) is not None:
                listening.setdefault(task_id, set()).add(event)
        for task_id, events in (extra or {}).items():
            listening[task_id] = {e for e in events if outcome_source(e) is not None}
        arrows: list[tuple[int, int]] = []
        owner_of: dict[int, str] | None = None
        admins: set[str] = set()
        for listener, events in listening.items():
            for event in events:
                source = outcome_source(event)
                target = source[1] if source is not None else None
                if target is None:
                    if owner_of is None:  # only when someone listens to every task's outcome
                        owner_of = {t.task_id: t.owner for t in self.store.list_tasks()}
                        owner_of.update(owners or {})
                        admins = {p.user_id for p in self.store.list_users() if p.role == Role.ADMIN.value}
                    mine = owner_of.get(listener)
                    arrows.extend((other, listener) for other, owner in owner_of.items()
                                  if other != listener and (mine is None or mine in admins or owner == mine))
                elif target.isdigit():
                    arrows.append((int(target), listener))
        return arrows

    def check_event_loops(self, task_id: int, spec: TaskSpec, *, owner: str | None = None) -> None:
        """Refuse (``Conflict``, naming it) a task whose outcome events would feed back into itself."""
        events = {t.event for t in spec.triggers if isinstance(t, EventTrigger)}
        if not any(outcome_source(e) is not None for e in events):
            return  # nothing feeds into this task: it can't close a loop
        for event in events:
            source = outcome_source(event)
            if source is not None and source[1] == str(task_id):
                raise Conflict(f"task '{spec.name}' can't fire on its own outcome")
        arrows = self.event_arrows({task_id: events}, {task_id: owner} if owner else None)
        arrows += [(e.predecessor_id, e.successor_id) for e in self.store.list_edges()]
        cycle = find_cycle(arrows, task_id)
        if cycle:
            names = self.store.task_names(list(set(cycle)))
            names[task_id] = spec.name
            raise Conflict("that would make a loop of events: " + " → ".join(names.get(t, str(t)) for t in cycle))


DESTINATION_PLATFORMS = ("email", "slack", "telegram", "terminal")


def check_destination(destination: dict[str, Any]) -> dict[str, str]:
    """A delivery address: ``{"platform": "email", "address": "ana@example.com"}``, or a Slack
    or Telegram conversation address. Raises ``InvalidRequest``."""
    data = {str(k): str(v).strip() for k, v in destination.items()}
    platform = data.get("platform", "")
    if platform not in DESTINATION_PLATFORMS:
        raise InvalidRequest(f"can't deliver to {platform or 'nowhere'!r}; use one of {', '.join(DESTINATION_PLATFORMS)}")
    if platform == "email":
        return email_destination(data.get("address", ""))
    if platform == "slack" and not data.get("channel"):
        raise InvalidRequest("a Slack destination needs a channel")
    if platform == "telegram" and not data.get("chat"):
        raise InvalidRequest("a Telegram destination needs a chat")
    return data


def spec_zone(spec: TaskSpec) -> ZoneInfo:
    return ZoneInfo(spec.timezone)
