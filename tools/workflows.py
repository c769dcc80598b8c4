"""Tools for dependencies and workflows: "run the report after the backup succeeds", and a
planned multi-step workflow (gather → summarize → email) shown as a graph for approval.

A workflow is proposed before it is made: the first ``create_workflow`` call checks the plan and
returns its graph; only a call with ``confirmed=true`` in a *later* message of the same
conversation creates it, so the person approves the plan they saw. AI runs don't get these
tools (their steps would skip the per-task approval an AI-created shell step needs).
"""

from __future__ import annotations

import hashlib
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from scheduler.dag import Graph, render_text
from scheduler.errors import InvalidRequest
from scheduler.service import Service
from scheduler.wording import clip, count_text

from .context import ToolContext
from .describe import next_text
from .lookup import resolve_task
from .tasks import (
    CONFIRM_WITHIN_TURNS,
    ActionKind,
    CreateTaskArgs,
    action_of,
    schedule_of,
    triggers_of,
)

Condition = Literal["success", "failure", "done"]
_VERB = {"success": "succeeds", "failure": "fails", "done": "finishes"}


def available() -> bool:
    return all(hasattr(Service, name) for name in ("add_dependency", "create_workflow"))


class AddDependencyArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    task: str = Field(description="The task that should wait (id or name).")
    after: str = Field(description="The task it waits for (id or name).")
    condition: Condition = Field(default="success", description="Run after the other one "
                                 "succeeded, failed, or either (done).")


class StepArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(description="Short unique step name, e.g. 'gather'.")
    kind: ActionKind
    after: list[str] = Field(default_factory=list, description="Names of steps this one waits for.")
    condition: Condition = "success"
    message: str | None = None
    command: str | None = None
    url: str | None = None
    method: Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"] = "GET"
    body: str | None = None
    database: str | None = None
    statement: str | None = None
    to: list[str] | None = None
    subject: str | None = None
    prompt: str | None = None
    template: str | None = None
    inputs: dict[str, str] | None = None


class CreateWorkflowArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(description="Workflow name, e.g. 'weekly report'.")
    when: str | None = Field(default=None, description="Time phrase for the whole workflow.")
    steps: list[StepArgs] = Field(min_length=1, max_length=20)
    confirmed: bool = Field(default=False, description="True only after the person approved this "
                                                       "exact plan in a later message.")


def add_dependency(ctx: ToolContext, args: AddDependencyArgs) -> str:
    """Make one task run after another finishes (success, failure, or either)."""
    successor = resolve_task(ctx, args.task)
    predecessor = resolve_task(ctx, args.after)
    ctx.service.add_dependency(str(successor.task_id), str(predecessor.task_id), actor=ctx.actor,
                               condition=args.condition)
    return f"Done: '{successor.name}' now runs after '{predecessor.name}' {_VERB[args.condition]}."


def _step(step: StepArgs) -> dict[str, Any]:
    fields = step.model_dump(exclude={"name", "after", "condition"})
    action = action_of(CreateTaskArgs.model_validate(fields))
    return {"name": step.name, "action": action, "after": list(step.after), "condition": step.condition}


def plan_text(args: CreateWorkflowArgs) -> str:
    graph = Graph(steps=[s.name for s in args.steps],
                  edges=[(before, s.name) for s in args.steps for before in s.after])
    names = {s.name for s in args.steps}
    unknown = sorted({b for s in args.steps for b in s.after} - names)
    if unknown:
        raise InvalidRequest(f"these steps are waited for but not in the plan: {', '.join(unknown)}")
    details = [f"  {s.name}: {s.kind} "
               f"{clip(s.prompt or s.message or s.url or s.command or s.statement or s.subject or s.template or '', 60)}"
               for s in args.steps]
    return render_text(graph) + "\nSteps:\n" + "\n".join(details)


def _fingerprint(args: CreateWorkflowArgs) -> str:
    return hashlib.sha256(args.model_dump_json(exclude={"confirmed"}).encode()).hexdigest()[:16]


def create_workflow(ctx: ToolContext, args: CreateWorkflowArgs) -> str:
    """Plan a multi-step workflow (e.g. gather → summarize → email) that runs on one schedule.
    The first call returns the plan as a graph: show it to the person. Call again with
    confirmed=true, unchanged, only after they approved it in their next message."""
    schedule = schedule_of(ctx, args.when)
    steps = [_step(s) for s in args.steps]  # check every step's action before anything is made
    plan = plan_text(args)
    when = schedule.description if schedule else "run on demand"
    key = _fingerprint(args)
    asked = ctx.confirmations.plans.get(key)
    if not args.confirmed or asked is None or asked >= ctx.turn or ctx.turn - asked > CONFIRM_WITHIN_TURNS:
        ctx.confirmations.plans.setdefault(key, ctx.turn)
        return (f"Plan for workflow '{args.name}', {when}:\n{plan}\nShow this plan to the person and "
                "create it (same plan, confirmed=true) only after they approve.")
    workflow: Any = ctx.service.create_workflow(args.name, steps, actor=ctx.actor,
                                                triggers=triggers_of(schedule), timezone=ctx.timezone)
    ctx.confirmations.plans.pop(key, None)
    head = workflow.head
    fires = ctx.service.next_fires(head, count=1)
    upcoming = f"; {next_text(fires[0], head, viewer_zone=ctx.timezone, now=ctx.now)}" if fires else ""
    return (f"Done: workflow '{head.name}' (task #{head.task_id}) with {count_text(len(steps), 'step')}, "
            f"{when}{upcoming}.\n{render_text(workflow.graph)}")
