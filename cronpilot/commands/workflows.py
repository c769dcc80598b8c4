"""``cronpilot workflow ...``: create (from a YAML file or flags), list, show, run, delete."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from scheduler.dag import render_mermaid, render_text
from scheduler.durations import parse_duration
from scheduler.errors import InvalidRequest
from scheduler.service_flows import Workflow

from .. import render
from . import waiting
from .confirm import confirm_or_refuse
from .context import current_app

workflow_app = typer.Typer(help="Workflows: named graphs of steps with one set of triggers.", no_args_is_help=True)

EXAMPLE = """name: weekly report
when: every Monday at 8am        # or cron: "0 8 * * 1", every: 1d, on: [deploy.done]
timezone: Europe/Berlin
max_parallel: 2
steps:
  - name: gather
    http: https://example.com/data.json
  - name: summarize
    after: [gather]
    shell: ["python3", "summarize.py", "{{ steps.gather.output }}"]
  - name: email
    after: [summarize]
    email: {to: [me@example.com], subject: Weekly report, body: "{{ steps.summarize.output }}"}
"""

_SHORTHANDS = ("remind", "shell", "sh", "http", "sql", "email", "ai", "noop")


def step_action(step: dict[str, Any]) -> dict[str, Any]:
    """A step's action from its shorthand key (``shell: [argv]``, ``http: URL``...) or ``action:``."""
    given = [k for k in _SHORTHANDS if k in step]
    if "action" in step:
        given.append("action")
    if len(given) != 1:
        raise InvalidRequest(f"step '{step.get('name', '?')}' needs exactly one of: {', '.join(_SHORTHANDS)}, action")
    key = given[0]
    value = step[key]
    if key == "action":
        return dict(value)
    if key == "remind":
        return {"kind": "reminder", "message": str(value)}
    if key == "shell":
        return {"kind": "shell", "argv": [str(v) for v in value]} if isinstance(value, list) else \
            {"kind": "shell", "argv": [str(value)], "use_shell": True}
    if key == "sh":
        return {"kind": "shell", "argv": [str(value)], "use_shell": True}
    if key == "http":
        return {"kind": "http", **({"url": value} if isinstance(value, str) else value)}
    if key == "sql":
        return {"kind": "sql", **({"statement": value, "database": step.get("db")} if isinstance(value, str) else value)}
    if key == "email":
        return {"kind": "email", **value}
    if key == "ai":
        return {"kind": "ai", "prompt": str(value)}
    return {"kind": "noop"}


def _triggers(doc: dict[str, Any], *, zone: str) -> list[dict[str, Any]]:
    triggers: list[dict[str, Any]] = []
    crons = doc.get("cron") or []
    for expression in [crons] if isinstance(crons, str) else crons:
        triggers.append({"kind": "cron", "expression": expression})
    if doc.get("every"):
        triggers.append({"kind": "interval", "every": parse_duration(str(doc["every"]))})
    events = doc.get("on") or []
    for event in [events] if isinstance(events, str) else events:
        triggers.append({"kind": "event", "event": event})
    if doc.get("when"):
        from scheduler.phrases import parse_schedule

        app = current_app()
        triggers.extend(t.model_dump() for t in parse_schedule(str(doc["when"]), zone=zone, now=app.clock.now()).triggers)
    return triggers


def _steps(doc: dict[str, Any]) -> list[dict[str, Any]]:
    steps = []
    for raw in doc.get("steps") or []:
        if not isinstance(raw, dict) or "name" not in raw:
            raise InvalidRequest("each step is a mapping with a name")
        step: dict[str, Any] = {"name": str(raw["name"]), "action": step_action(raw)}
        after = raw.get("after") or []
        step["after"] = [after] if isinstance(after, str) else list(after)
        for key in ("condition", "timeout", "retry"):
            if key in raw:
                step[key] = parse_duration(str(raw[key])) if key == "timeout" else raw[key]
        steps.append(step)
    return steps


@workflow_app.command("create")
def create(
    name: str | None = typer.Argument(None, help="Workflow name (or give it in the file)."),
    file: Path | None = typer.Option(None, "--file", "-f", help="A YAML file describing the workflow."),
    step: list[str] = typer.Option([], "--step", help="NAME=COMMAND (run with /bin/sh -c). Repeatable, in order."),
    edge: list[str] = typer.Option([], "--edge", help="A->B: step B runs after step A. Repeatable."),
    cron: list[str] = typer.Option([], "--cron"),
    every: str | None = typer.Option(None, "--every"),
    when: str | None = typer.Option(None, "--when"),
    on: list[str] = typer.Option([], "--on", help="Fire on this event. Repeatable."),
    tz: str | None = typer.Option(None, "--tz"),
    max_parallel: int | None = typer.Option(None, "--max-parallel", min=1, max=256),
    example: bool = typer.Option(False, "--example", help="Print an example YAML file and exit."),
    json_output: bool = typer.Option(False, "--json"),
) -> None:
    """Create a workflow from a YAML file (see --example) or from --step/--edge flags."""
    if example:
        print(EXAMPLE, end="")
        return
    doc: dict[str, Any] = {}
    if file is not None:
        from ..inputs import load_yaml, read_text_file

        text = read_text_file(file, what="the workflow file")  # capped: -f /dev/zero is refused at once
        doc = load_yaml(text, what=str(file)) or {}  # aliases bounded: a billion laughs is refused
        if not isinstance(doc, dict):
            raise InvalidRequest(f"{file} should hold a mapping (see cronpilot workflow create --example)")
    for item in step:
        step_name, sep, command = item.partition("=")
        if not sep or not step_name.strip() or not command.strip():
            raise InvalidRequest(f"--step is NAME=COMMAND, got {item!r}")
        doc.setdefault("steps", []).append({"name": step_name.strip(), "sh": command})
    for item in edge:
        before, sep, after = item.partition("->")
        targets = [s for s in doc.get("steps", []) if s.get("name") == after.strip()]
        if not sep or not targets:
            raise InvalidRequest(f"--edge is A->B between steps given with --step, got {item!r}")
        targets[0].setdefault("after", []).append(before.strip())
    overrides = {"cron": cron or None, "every": every, "when": when, "on": on or None}
    doc.update({k: v for k, v in overrides.items() if v})
    app = current_app()
    zone = tz or doc.get("timezone") or app.settings.default_timezone
    workflow_name = name or doc.get("name")
    if not workflow_name:
        raise InvalidRequest("give the workflow a name")
    workflow = app.service.create_workflow(
        str(workflow_name), _steps(doc), actor=app.local_actor, triggers=_triggers(doc, zone=zone),
        timezone=zone, max_parallel=int(max_parallel or doc.get("max_parallel") or 4),
    )
    if json_output:
        render.print_json(_workflow_json(workflow))
        return
    render.console.print(f"created workflow {workflow.head.task_id} [bold]{render.escape(workflow.name)}[/bold]: "
                         f"{render.escape(render.schedule_text(workflow.head, now=app.clock.now()))}")
    render.console.out(render_text(workflow.graph), highlight=False)


def _workflow_json(workflow: Workflow, status: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "workflow_id": workflow.head.task_id, "name": workflow.name,
        "triggers": [t.model_dump(mode="json") for t in workflow.head.triggers],
        "steps": [{"name": short, "task_id": task.task_id, "action": task.action.model_dump(mode="json"),
                   "after": workflow.graph.predecessors(short), "last_status": (status or {}).get(short)}
                  for short, task in workflow.steps.items()],
        "mermaid": render_mermaid(workflow.graph, status),
    }


@workflow_app.command("list")
def list_workflows(json_output: bool = typer.Option(False, "--json")) -> None:
    """Workflows with their schedule and last run's status."""
    app = current_app()
    heads = app.service.list_workflows(actor=app.local_actor)
    rows = []
    for head in heads:
        runs = app.service.workflow_runs(str(head.task_id), limit=1)
        rows.append((head, runs[0].status if runs else "never ran"))
    if json_output:
        render.print_json([{"workflow_id": h.task_id, "name": h.name, "last_status": s} for h, s in rows])
        return
    if not rows:
        render.console.print("no workflows yet — see: cronpilot workflow create --example")
        return
    for head, status in rows:
        render.console.print(f"{head.task_id}  [bold]{render.escape(head.name)}[/bold]  "
                             f"{render.escape(render.schedule_text(head, now=app.clock.now()))}  last: {status}")


@workflow_app.command("show")
def show(
    ref: str = typer.Argument(..., help="Workflow id or name."),
    mermaid: bool = typer.Option(False, "--mermaid", help="Print Mermaid source instead of text."),
    json_output: bool = typer.Option(False, "--json"),
) -> None:
    """The graph with each step's last status."""
    app = current_app()
    workflow = app.service.get_workflow(ref, actor=app.local_actor)
    runs = app.service.workflow_runs(ref, actor=app.local_actor, limit=1)
    status = {short: run.status.value for short, run in runs[0].steps.items()} if runs else {}
    if json_output:
        data = _workflow_json(workflow, status)
        data["last_run"] = {"run_id": runs[0].run.run_id, "status": runs[0].status} if runs else None
        render.print_json(data)
        return
    if mermaid:
        print(render_mermaid(workflow.graph, status))
        return
    last = f"last run {runs[0].run.run_id}: {runs[0].status}" if runs else "never ran"
    render.console.print(f"[bold]{render.escape(workflow.name)}[/bold] — "
                         f"{render.escape(render.schedule_text(workflow.head, now=app.clock.now()))}; {last}")
    render.console.out(render_text(workflow.graph, status), highlight=False)


@workflow_app.command("run")
def run(
    ref: str = typer.Argument(..., help="Workflow id or name."),
    wait: bool = typer.Option(False, "--wait", help="Wait for every step to finish."),
    json_output: bool = typer.Option(False, "--json"),
) -> None:
    """Start a workflow run now."""
    app = current_app()
    workflow = app.service.get_workflow(ref, actor=app.local_actor)
    head_run = app.service.run_now(str(workflow.head.task_id), actor=app.local_actor)
    if not wait and waiting.engine_running(app):
        render.console.print(f"workflow run {head_run.run_id} queued")
        return
    steps = {t.task_id for t in workflow.steps.values()}
    waiting.wait_for(app, [head_run.run_id], downstream=steps, quiet=json_output)
    result = next(r for r in app.service.workflow_runs(ref, limit=5) if r.run.run_id == head_run.run_id)
    status = {short: r.status.value for short, r in result.steps.items()}
    if json_output:
        render.print_json({"run_id": head_run.run_id, "status": result.status,
                           "steps": {k: r.model_dump(mode="json") for k, r in result.steps.items()}})
    else:
        render.console.print(f"workflow run {head_run.run_id}: {result.status}")
        render.console.out(render_text(workflow.graph, status), highlight=False)
    if result.status != "completed":
        raise typer.Exit(1)


@workflow_app.command("delete")
def delete(
    ref: str = typer.Argument(..., help="Workflow id or name."),
    yes: bool = typer.Option(False, "--yes", "-y"),
) -> None:
    """Delete a workflow and its steps (run history is kept)."""
    app = current_app()
    workflow = app.service.get_workflow(ref, actor=app.local_actor)
    confirm_or_refuse(f"Delete workflow '{workflow.name}' and its {len(workflow.steps)} steps?",
                      name=workflow.name, yes=yes)
    app.service.delete_workflow(ref, actor=app.local_actor)
    render.console.print(f"deleted workflow [bold]{render.escape(workflow.name)}[/bold]")


