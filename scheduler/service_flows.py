"""The service's part for tasks that react: dependencies, workflows, events and webhooks.

Part of the one application service (``Service.flows``, its methods exposed on ``Service``); the
same rules apply (``service_rules.Rules``), errors with a message fit for a chat user. What it
needs of the service's task operations is the ``TaskOperations`` protocol below."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from secrets import token_urlsafe
from typing import Any, Protocol

from .access import Access, Actor
from .clock import Clock
from .dag import Graph, find_cycle, workflow_status
from .errors import Conflict, InvalidRequest, NotFound
from .hygiene import check_payload
from .models import DependencyCondition, Run, RunStatus, Task, TaskSpec, TaskStatus
from .secrets import Secrets
from .service_rules import Rules
from .store.records import Released
from .store_ports import ServiceStore
from .triggers.event import check_event_name

STEP_SEPARATOR = "/"


@dataclass
class Workflow:
    head: Task
    steps: dict[str, Task]  # short name → step task
    graph: Graph

    @property
    def name(self) -> str:
        return self.head.name


@dataclass
class WorkflowRun:
    run: Run  # the head's run
    steps: dict[str, Run]  # short name → the step's latest run in this workflow run
    status: str


class TaskOperations(Protocol):
    """The service's task operations a workflow is made and unmade with."""

    def create_task(self, spec: TaskSpec, *, actor: Actor, status: TaskStatus = TaskStatus.ACTIVE) -> Task:
        """Create a task owned by ``actor`` under every rule (spawn policy, approval, audit)."""
        ...

    def delete_task(self, ref: str, *, actor: Actor) -> Task:
        """Delete a task ``actor`` may change (audited)."""
        ...

    def list_tasks(self, *, actor: Actor | None = None) -> list[Task]:
        """The tasks ``actor`` may see."""
        ...


class Flows:
    def __init__(
        self, store: ServiceStore, *, rules: Rules, secrets: Secrets, tasks: TaskOperations,
        clock: Clock, changed: Callable[[], None],
    ) -> None:
        self.store = store
        self.rules = rules
        self.secrets = secrets
        self.tasks = tasks
        self.clock = clock
        self.changed = changed  # something the engine should look at again

    # --- dependencies -----------------------------------------------------------------------

    def add_dependency(
        self, successor: str, predecessor: str, *, actor: Actor,
        condition: DependencyCondition | str = DependencyCondition.SUCCESS,
    ) -> Task:
        """``successor`` runs after ``predecessor`` finishes with ``condition``."""
        succ = self.rules.owned(successor, actor, action="add_dependency")
        pred = self.rules.get_task(predecessor, actor=actor)
        try:
            condition = DependencyCondition(condition)
        except ValueError:
            raise InvalidRequest("the condition is success, failure or done") from None
        self.store.add_dependency(
            pred.task_id, succ.task_id, condition=condition, now=self.clock.now(),
            extra_edges=self.rules.event_arrows(),
        )
        self.rules.audit(actor, "add_dependency", f"{pred.name} -> {succ.name}")
        self.changed()
        return succ

    def set_dependencies(
        self, successor: str, predecessors: list[str], *, actor: Actor,
        condition: DependencyCondition | str = DependencyCondition.SUCCESS,
    ) -> Task:
        """Make ``predecessors`` exactly the tasks ``successor`` waits for."""
        succ = self.rules.owned(successor, actor, action="set_dependencies")
        wanted = {self.rules.get_task(p, actor=actor).task_id for p in predecessors}
        for edge in self.store.list_edges(task_ids=[succ.task_id]):
            if edge.successor_id == succ.task_id and edge.predecessor_id not in wanted:
                self.store.remove_dependency(edge.predecessor_id, succ.task_id)
        for pred_id in sorted(wanted):
            self.add_dependency(str(succ.task_id), str(pred_id), actor=actor, condition=condition)
        return succ

    def dependencies_of(self, ref: str, *, actor: Actor | None = None) -> dict[str, list[tuple[Task, str]]]:
        """{"after": [(task, condition)], "before": [(task, condition)]} of a task."""
        task = self.rules.get_task(ref, actor=actor)
        after, before = [], []
        for edge in self.store.list_edges(task_ids=[task.task_id]):
            if edge.successor_id == task.task_id:
                after.append((self.store.get_task(edge.predecessor_id), edge.condition.value))
            elif edge.predecessor_id == task.task_id:
                before.append((self.store.get_task(edge.successor_id), edge.condition.value))
        return {"after": after, "before": before}

    def downstream_of(self, task_id: int) -> set[int]:
        """Every task reachable from ``task_id`` through dependencies."""
        edges = self.store.list_edges()
        found, stack = set(), [task_id]
        while stack:
            node = stack.pop()
            for e in edges:
                if e.predecessor_id == node and e.successor_id not in found:
                    found.add(e.successor_id)
                    stack.append(e.successor_id)
        return found

    # --- workflows --------------------------------------------------------------------------

    def create_workflow(
        self, name: str, steps: list[dict[str, Any]], *, actor: Actor,
        triggers: list[dict[str, Any]] | None = None, timezone: str | None = None, max_parallel: int = 4,
    ) -> Workflow:
        """A named DAG of steps with one set of triggers. Each step: {"name", "action", "after":
        [names], "condition", and optional "timeout", "retry"}."""
        if not steps:
            raise InvalidRequest("a workflow needs at least one step")
        short_names = [str(s.get("name", "")).strip() for s in steps]
        for short in short_names:
            if not short or STEP_SEPARATOR in short:
                raise InvalidRequest(f"step name {short!r}: give each step a name without '/'")
        if len(set(short_names)) != len(short_names):
            raise InvalidRequest("step names must be different")
        edges = []
        for step in steps:
            for before in step.get("after") or []:
                if before not in short_names:
                    raise InvalidRequest(f"step '{step['name']}' comes after '{before}', which is not a step")
                edges.append((before, step["name"]))
        index = {n: i for i, n in enumerate(short_names)}
        for short in short_names:
            cycle = find_cycle([(index[a], index[b]) for a, b in edges], index[short])
            if cycle:
                raise Conflict("the steps form a cycle: " + " → ".join(short_names[i] for i in cycle))
        zone = {"timezone": timezone} if timezone else {}
        head_spec = self.rules.build_spec({"name": name, "action": {"kind": "workflow", "max_parallel": max_parallel},
                                           "triggers": triggers or [], **zone})
        step_specs = []
        for step in steps:
            fields = {k: v for k, v in step.items() if k not in ("name", "after", "condition")}
            step_specs.append(self.rules.build_spec({"name": f"{name}{STEP_SEPARATOR}{step['name']}",
                                                     "triggers": [], **zone, **fields}))
        # An AI-made workflow waits for a person when any step runs shell, http or sql, or uses
        # a secret (checked here too, so an unknown one is refused before anything is made).
        uses_secrets = [bool(self.secrets.check_secret_references(s, owner=actor.user)) for s in step_specs]
        risky = actor.is_ai and (any(uses_secrets) or any(self.rules.needs_approval(s) for s in [head_spec, *step_specs]))
        # A step that runs code here waits for an admin unless an admin or operator makes it.
        risky = risky or (any(self.rules.risky_reason(s) for s in step_specs) and not self.rules.may_run_code(actor))
        head = self.tasks.create_task(
            head_spec, actor=actor, status=TaskStatus.PENDING_APPROVAL if risky else TaskStatus.ACTIVE
        )
        created: dict[str, Task] = {}
        try:
            for short, spec in zip(short_names, step_specs, strict=False):
                created[short] = self._create_step(spec, head, actor)
            for step in steps:
                condition = step.get("condition") or DependencyCondition.SUCCESS
                befores = step.get("after") or []
                for before in befores or [None]:
                    pred = head if before is None else created[before]
                    self.store.add_dependency(pred.task_id, created[step["name"]].task_id,
                                              condition=DependencyCondition(condition), now=self.clock.now())
        except Exception:
            for task in [*created.values(), head]:  # leave nothing half-made behind
                self.store.delete_task(task.task_id, actor=actor.user, now=self.clock.now())
            raise
        self.changed()
        return self.get_workflow(str(head.task_id), actor=actor)

    def _create_step(self, spec: TaskSpec, head: Task, actor: Actor) -> Task:
        """A step counts against an AI run's spawn budget like any task it creates."""
        now = self.clock.now()
        spec = self.rules.checked(spec, now=now, actor=actor)
        spawn = self.rules.spawn_check(spec, actor, now=now) if actor.is_ai else None
        return self.store.add_task(
            spec, owner=actor.user, actor=self.rules.actor_name(actor), now=now, origin=actor.origin,
            workflow_id=head.task_id, spawn=spawn, status=head.status,
        )

    def get_workflow(self, ref: str, *, actor: Actor | None = None) -> Workflow:
        try:
            head = self.rules.get_task(ref, actor=actor)
        except NotFound:
            which = f"with id {ref.strip()}" if ref.strip().isdigit() else f"named {ref!r}"
            raise NotFound(f"no workflow {which}") from None
        if head.action.kind != "workflow":
            raise NotFound(f"'{head.name}' is a task, not a workflow")
        steps = {t.name.rsplit(STEP_SEPARATOR, 1)[-1]: t
                 for t in self.store.list_tasks(workflow_id=head.task_id)}
        by_id = {t.task_id: short for short, t in steps.items()}
        edges = [(by_id[e.predecessor_id], by_id[e.successor_id])
                 for e in self.store.list_edges(task_ids=list(by_id))
                 if e.predecessor_id in by_id and e.successor_id in by_id]
        return Workflow(head=head, steps=steps, graph=Graph(steps=list(steps), edges=edges))

    def list_workflows(self, *, actor: Actor | None = None) -> list[Task]:
        return [t for t in self.tasks.list_tasks(actor=actor) if t.action.kind == "workflow"]

    def workflow_runs(self, ref: str, *, actor: Actor | None = None, limit: int = 10) -> list[WorkflowRun]:
        workflow = self.get_workflow(ref, actor=actor)
        heads = self.store.list_runs(task_id=workflow.head.task_id, limit=limit)
        step_ids = {t.task_id: short for short, t in workflow.steps.items()}
        result = []
        for head_run in heads:
            steps: dict[str, Run] = {}
            for run in sorted(self.store.list_runs(workflow_run_id=head_run.run_id, limit=10_000), key=lambda r: r.run_id):
                if run.task_id in step_ids:
                    steps[step_ids[run.task_id]] = run
            statuses = [steps[s].status if s in steps else RunStatus.PENDING for s in workflow.steps]
            if head_run.status in (RunStatus.SKIPPED, RunStatus.CANCELLED, RunStatus.FAILED):
                status = head_run.status.value
            else:
                status = workflow_status(statuses)
            result.append(WorkflowRun(run=head_run, steps=steps, status=status))
        return result

    def delete_workflow(self, ref: str, *, actor: Actor) -> Workflow:
        workflow = self.get_workflow(ref, actor=actor)
        for step in workflow.steps.values():
            self.tasks.delete_task(str(step.task_id), actor=actor)
        self.tasks.delete_task(str(workflow.head.task_id), actor=actor)
        return workflow

    # --- events -----------------------------------------------------------------------------

    def emit(
        self, event: str, payload: dict[str, Any] | None = None, *, actor: Actor,
        caused_by_run_id: int | None = None, delivery: tuple[str, str] | None = None,
    ) -> Released:
        """Fire every task listening to ``event``; returns the runs created (pending).
        ``caused_by_run_id`` links them to the run that emitted it (a task calling a webhook
        sends its run id), so loops through events are cut by the causal-chain limit.
        ``delivery`` is a signed webhook's (delivery id, signature): both are remembered in the
        transaction that creates the runs, so a failed emit leaves the sender free to retry, and
        either seen before is a replay (``Conflict``, nothing created). The signature is kept
        too because the delivery id is not signed: the same request under a new id is refused."""
        self.rules.require_writer(actor, action="emit", target=event)
        try:
            name = check_event_name(event)
        except ValueError as exc:
            raise InvalidRequest(str(exc)) from None
        if payload is not None and not isinstance(payload, dict):
            payload = {"value": payload}
        check_payload(payload)  # NaN, lone surrogates, NUL: neither database could keep them
        cause = caused_by_run_id if caused_by_run_id is not None else actor.ai_run_id
        if cause is not None:
            try:
                self.store.get_run(cause)
            except NotFound:
                cause = None  # a claimed cause that doesn't exist: start a new chain
        deliveries = (f"sig:{delivery[1][-64:]}", delivery[0]) if delivery is not None else ()
        # Someone who isn't an admin fires only the tasks they may run: their own and those
        # shared with them to manage (not an admin's, not another member's).
        listeners = None
        if not self.rules.sees_everything(actor):
            shared = self.store.shared_with(actor.user)
            listeners = (actor.user, sorted(t for t, a in shared.items() if a == Access.MANAGE.value))
        released = self.store.emit_event(name, payload, now=self.clock.now(), caused_by_run_id=cause,
                                         deliveries=deliveries, listeners=listeners)
        self.rules.audit(actor, "emit", name, after={"runs": len(released.runs)})
        self.changed()
        return released

    def create_webhook(self, event: str, *, actor: Actor) -> str:
        """A new secret for ``POST /hooks/{event}`` (replacing any old one); shown once."""
        self.rules.require_admin(actor, action="create_webhook", target=event, what="create webhook secrets")
        try:
            name = check_event_name(event)
        except ValueError as exc:
            raise InvalidRequest(str(exc)) from None
        secret = token_urlsafe(32)
        token, key_id = self.secrets.seal_secret(secret)
        self.store.set_webhook_secret(name, ciphertext=token, key_id=key_id, actor=actor.user,
                                      now=self.clock.now())
        self.rules.audit(actor, "create_webhook", name)
        return secret

    def list_webhooks(self, *, actor: Actor) -> list[str]:
        """Events that accept signed webhooks (names only; secrets are shown once, at creation):
        admins, who make and delete them (which events outsiders can fire is theirs to know)."""
        self.rules.require_admin(actor, action="list_webhooks", target=None, what="list webhooks")
        return self.store.list_webhooks()

    def delete_webhook(self, event: str, *, actor: Actor) -> None:
        self.rules.require_admin(actor, action="delete_webhook", target=event, what="delete webhook secrets")
        if not self.store.delete_webhook(event.strip().lower()):
            raise NotFound(f"no webhook for event {event!r}")
        self.rules.audit(actor, "delete_webhook", event)

    # --- inbound webhooks (the HTTP edge checks signatures; these are its questions) ----------

    def forget_deliveries(self, *, before: datetime) -> int:
        """Forget delivery ids seen before ``before`` (replays that old fail the time window)."""
        return self.store.forget_deliveries(before=before)
