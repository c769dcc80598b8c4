"""``cronpilot run``, ``runs``, ``logs``, ``stats``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from scheduler.models import RunStatus
from scheduler.wording import count_text, elapsed_text

from .. import render
from .context import current_app

if TYPE_CHECKING:
    from scheduler.models import Run


def run(
    ref: str = typer.Argument(..., help="Task id or name."),
    wait: bool = typer.Option(False, "--wait", help="Wait for the run to finish, even when an engine runs it."),
    downstream: bool = typer.Option(False, "--downstream", help="Also wait for the tasks it releases, as they run."),
    json_output: bool = typer.Option(False, "--json"),
) -> None:
    """Run a task now (its dependents follow as they are released). Without a running engine
    (cronpilot serve) the work runs here and the command waits for it."""
    from connectors.console import ConsoleNotifier

    from . import waiting

    app = current_app()
    queued = app.service.run_now(ref, actor=app.local_actor)
    if waiting.engine_running(app) and not wait and not downstream:
        _print_run(queued, json_output, note="queued; the running engine picks it up")
        return
    later = app.service.downstream_of(queued.task_id) if downstream else set()
    if not waiting.engine_running(app) and json_output:
        app.notifier = ConsoleNotifier(render.err_console)  # stdout carries only the JSON
    runs = waiting.wait_for(app, [queued.run_id], downstream=later, quiet=json_output)
    finished = next(r for r in runs if r.run_id == queued.run_id)
    if json_output:
        render.print_json([r.model_dump(mode="json") for r in runs] if downstream else finished.model_dump(mode="json"))
    elif downstream:
        render.console.print(render.runs_table(runs, viewer_zone=app.settings.default_timezone, title=f"run {queued.run_id} and downstream"))
    else:
        _print_run(finished, False)
    if any(r.status in (RunStatus.FAILED, RunStatus.CANCELLED) for r in runs) or finished.status == RunStatus.RETRYING:
        raise typer.Exit(1)


def emit(
    event: str = typer.Argument(..., help="Event name, e.g. deploy.done."),
    data: str | None = typer.Option(None, "--data", help="JSON payload."),
    wait: bool = typer.Option(False, "--wait", help="Wait for the runs it causes (running them here if no engine runs)."),
    json_output: bool = typer.Option(False, "--json"),
) -> None:
    """Emit an event: every task listening to it fires."""

    from connectors.console import ConsoleNotifier
    from scheduler.errors import InvalidRequest

    from . import waiting

    app = current_app()
    from scheduler.sources.payloads import NotJson, parse_json

    try:  # strict: NaN, lone surrogates and absurd nesting are refused, not misread
        payload = parse_json(data) if data is not None else None
    except NotJson as exc:
        raise InvalidRequest(f"--data is not valid JSON: {str(exc).splitlines()[0] if str(exc) else 'empty'}") from None
    released = app.service.emit(event, payload, actor=app.local_actor)
    ids = [r.run_id for r in released.runs if r.run_id is not None]
    if not wait:
        if json_output:
            render.print_json({"event": event, "runs": ids})
        else:
            render.console.print(f"{render.escape(event)}: {count_text(len(ids), 'task')} fired" + (f" (runs {', '.join(map(str, ids))})" if ids else ""))
        return
    later = set().union(*(app.service.downstream_of(r.task_id) for r in released.runs)) if released.runs else set()
    if json_output and not waiting.engine_running(app):
        app.notifier = ConsoleNotifier(render.err_console)
    runs = waiting.wait_for(app, ids, downstream=later, quiet=json_output) if ids else []
    if json_output:
        render.print_json({"event": event, "runs": [r.model_dump(mode="json") for r in runs]})
    elif runs:
        render.console.print(render.runs_table(runs, viewer_zone=app.settings.default_timezone, title=f"runs caused by {event}"))
    else:
        render.console.print(f"{render.escape(event)}: no task listens to it")
    if any(r.status == RunStatus.FAILED for r in runs):
        raise typer.Exit(1)


def _print_run(run: Run, json_output: bool, note: str | None = None) -> None:
    if json_output:
        render.print_json(run.model_dump(mode="json"))
        return
    line = f"run {run.run_id} of [bold]{render.escape(run.task_name or str(run.task_id))}[/bold]: {run.status.value}"
    if note:
        line += f" ({note})"
    if run.duration is not None:
        line += f" in {elapsed_text(run.duration)}"
    render.console.print(line)
    if run.error:
        render.console.print(f"  [red]error:[/red] {render.escape(run.error)}")
    if run.stdout:
        render.console.out(run.stdout.rstrip("\n"), highlight=False)
    if run.stderr:
        render.err_console.out(run.stderr.rstrip("\n"), highlight=False)


def runs(
    task: str | None = typer.Option(None, "--task", "-t", help="Only runs of this task (id or name)."),
    status: list[RunStatus] = typer.Option([], "--status", "-s", help="Only runs in this status. Repeatable."),
    since: str | None = typer.Option(None, "--since", help="Created within, e.g. 24h, 7d, or an ISO time."),
    until: str | None = typer.Option(None, "--until", help="Created before, e.g. 1h or an ISO time."),
    search: str | None = typer.Option(None, "--search", help="A word in the output or error."),
    limit: int = typer.Option(20, "--limit", min=1, max=10_000),
    dead: bool = typer.Option(False, "--dead", help="Only runs parked as dead letters (they killed their engine 3 times in a row)."),
    json_output: bool = typer.Option(False, "--json"),
) -> None:
    """Run history, newest first."""
    from scheduler.service import parse_since

    app = current_app()
    now = app.clock.now()
    found = app.service.list_runs(
        actor=app.local_actor, task=task, statuses=status or None,
        since=parse_since(since, now=now) if since else None,
        until=parse_since(until, now=now) if until else None,
        search=search, limit=limit, dead=dead,
    )
    if json_output:
        render.print_json([r.model_dump(mode="json") for r in found])
    elif not found:
        render.console.print("no runs match")
    else:
        render.console.print(render.runs_table(found, viewer_zone=app.settings.default_timezone))


def logs(
    run_id: int = typer.Argument(..., help="Run id (see cronpilot runs)."),
    json_output: bool = typer.Option(False, "--json"),
) -> None:
    """A run's status history, error and whole log."""
    app = current_app()
    found = app.service.get_run(run_id, actor=app.local_actor)
    history = app.service.run_history(run_id, actor=app.local_actor)
    text = app.service.read_log(run_id, actor=app.local_actor)
    if json_output:
        data = found.model_dump(mode="json")
        data["history"] = [e.model_dump(mode="json") for e in history]
        data["log"] = text
        render.print_json(data)
        return
    render.run_detail(found, history, text, viewer_zone=app.settings.default_timezone)


def stats(
    since: str | None = typer.Option(None, "--since", help="Only runs within, e.g. 7d."),
    task: str | None = typer.Option(None, "--task", "-t", help="Only this task."),
    json_output: bool = typer.Option(False, "--json"),
) -> None:
    """Runs, success rate, average and p95 duration, per task and overall."""
    from scheduler.service import parse_since

    app = current_app()
    window = parse_since(since, now=app.clock.now()) if since else None
    overall, per_task = app.service.stats(actor=app.local_actor, since=window, task=task)
    if json_output:
        render.print_json({"overall": overall.as_dict(), "tasks": [s.as_dict() for s in per_task]})
        return
    if overall.runs == 0:
        render.console.print("no finished runs yet")
        return
    render.console.print(render.stats_table(overall, per_task))
