"""``cronpilot run``, ``runs``, ``logs``, ``stats``."""

from __future__ import annotations

import asyncio
import time
from typing import Optional

import typer

from connectors.console import ConsoleNotifier
from scheduler.models import Run, RunStatus
from scheduler.oneshot import run_pending_now
from scheduler.service import parse_since

from .. import render
from ..wiring import App
from .context import current_app

WAIT_POLL_SECONDS = 0.2


def run(
    ref: str = typer.Argument(..., help="Task id or name."),
    wait: bool = typer.Option(False, "--wait", help="Wait for the run to finish, even when an engine runs it."),
    json_output: bool = typer.Option(False, "--json"),
) -> None:
    """Run a task now. Without a running engine (cronpilot serve) it runs here and waits."""
    app = current_app()
    queued = app.service.run_now(ref, actor=app.local_actor)
    if _engine_running(app):
        if not wait:
            _print_run(queued, json_output, note="queued; the running engine picks it up")
            return
        finished = _wait_for(app, queued.run_id, json_output)
    else:
        # With --json, stdout carries only the JSON: a delivered reminder goes to stderr.
        notifier = ConsoleNotifier(render.err_console) if json_output else app.notifier
        finished = asyncio.run(
            run_pending_now(app.store, queued.run_id, config=app.action_config, clock=app.clock,
                            notifier=notifier)
        )
    _print_run(finished, json_output)
    if finished.status in (RunStatus.FAILED, RunStatus.RETRYING, RunStatus.CANCELLED):
        raise typer.Exit(1)


def _engine_running(app: App) -> bool:
    since = app.clock.now() - 3 * app.settings.heartbeat_interval
    return bool(app.store.live_workers(since=since))


def _wait_for(app: App, run_id: int, quiet: bool) -> Run:
    # The CLI waits by looking again: it is a separate process from the engine.
    with render.console.status(f"run {run_id} is running…", spinner="dots") if not quiet else _null():
        while True:
            run = app.service.get_run(run_id)
            if run.status.is_terminal:
                return run
            time.sleep(WAIT_POLL_SECONDS)


class _null:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _print_run(run: Run, json_output: bool, note: str | None = None) -> None:
    if json_output:
        render.print_json(run.model_dump(mode="json"))
        return
    line = f"run {run.run_id} of [bold]{render.escape(run.task_name or str(run.task_id))}[/bold]: {run.status.value}"
    if note:
        line += f" ({note})"
    if run.duration is not None:
        line += f" in {run.duration.total_seconds():.2f} s"
    render.console.print(line)
    if run.error:
        render.console.print(f"  [red]error:[/red] {render.escape(run.error)}")
    if run.stdout:
        render.console.out(run.stdout.rstrip("\n"), highlight=False)
    if run.stderr:
        render.err_console.out(run.stderr.rstrip("\n"), highlight=False)


def runs(
    task: Optional[str] = typer.Option(None, "--task", "-t", help="Only runs of this task (id or name)."),
    status: list[RunStatus] = typer.Option([], "--status", "-s", help="Only runs in this status. Repeatable."),
    since: Optional[str] = typer.Option(None, "--since", help="Created within, e.g. 24h, 7d, or an ISO time."),
    until: Optional[str] = typer.Option(None, "--until", help="Created before, e.g. 1h or an ISO time."),
    search: Optional[str] = typer.Option(None, "--search", help="A word in the output or error."),
    limit: int = typer.Option(20, "--limit", min=1, max=10_000),
    json_output: bool = typer.Option(False, "--json"),
) -> None:
    """Run history, newest first."""
    app = current_app()
    now = app.clock.now()
    found = app.service.list_runs(
        actor=app.local_actor, task=task, statuses=status or None,
        since=parse_since(since, now=now) if since else None,
        until=parse_since(until, now=now) if until else None,
        search=search, limit=limit,
    )
    if json_output:
        render.print_json([r.model_dump(mode="json") for r in found])
    elif not found:
        render.console.print("no runs match")
    else:
        render.console.print(render.runs_table(found))


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
    render.run_detail(found, history, text)


def stats(
    since: Optional[str] = typer.Option(None, "--since", help="Only runs within, e.g. 7d."),
    task: Optional[str] = typer.Option(None, "--task", "-t", help="Only this task."),
    json_output: bool = typer.Option(False, "--json"),
) -> None:
    """Runs, success rate, average and p95 duration, per task and overall."""
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
