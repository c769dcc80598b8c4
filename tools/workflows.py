"""Tools for dependencies and workflows: "run the report after the backup succeeds", and a
planned multi-step workflow (gather → summarize → email) shown as a graph for approval.

They exist only when the service offers ``add_dependency`` and ``create_workflow``; the catalog
leaves them out otherwise, so the model is never shown a tool that can't work.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from scheduler.service import Service

from .context import ToolContext
from .describe import clip
from .lookup import resolve_task
from .tasks import ActionKind, CreateTaskArgs, action_of, schedule_of, triggers_of

Condition = Literal["success", "failure", "done"]


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
    name: str = Field(description="Unique step name, e.g. 'gather'.")
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


def add_dependency(ctx: ToolContext, args: AddDependencyArgs) -> str:
    """Make one task run after another finishes (success, failure, or either)."""
    successor = resolve_task(ctx, args.task)
    predecessor = resolve_task(ctx, args.after)
    ctx.service.add_dependency(  # type: ignore[attr-defined]
        str(successor.task_id), str(predecessor.task_id), condition=args.condition, actor=ctx.actor)
    return (f"Done: '{successor.name}' now runs after '{predecessor.name}' "
            f"{'succeeds' if args.condition == 'success' else 'fails' if args.condition == 'failure' else 'finishes'}.")


def _step(step: StepArgs) -> dict[str, Any]:
    fields = step.model_dump(exclude={"name", "after", "condition"})
    action = action_of(CreateTaskArgs.model_validate(fields))
    return {"name": step.name, "action": action, "after": list(step.after), "condition": step.condition}


def graph_text(args: CreateWorkflowArgs) -> str:
    lines = []
    for step in args.steps:
        waits = f" (after {', '.join(step.after)}" + (f", on {step.condition}" if step.condition != "success" else "") + ")" \
            if step.after else " (starts the workflow)"
        lines.append(f"  {step.name}: {step.kind} {clip(step.prompt or step.message or step.url or step.command or step.subject or '', 50)}{waits}")
    return "\n".join(lines)


def create_workflow(ctx: ToolContext, args: CreateWorkflowArgs) -> str:
    """Create a multi-step workflow (e.g. gather → summarize → email) that runs on one schedule.
    Show the person the graph this returns; steps that run shell/http/sql may need approval."""
    schedule = schedule_of(ctx, args.when)
    triggers, description = triggers_of(schedule), schedule.description if schedule else ""
    steps = [_step(s) for s in args.steps]
    result: Any = ctx.service.create_workflow(  # type: ignore[attr-defined]
        args.name, steps, triggers, actor=ctx.actor)
    head = getattr(result, "task_id", None)
    status = getattr(getattr(result, "status", None), "value", None)
    if head is not None and status == "pending_approval":
        ctx.offer(f"Approve #{head}", "approve", int(head))
    when = f", {description}" if description else ""
    return f"Planned workflow '{args.name}'{when}:\n{graph_text(args)}"
