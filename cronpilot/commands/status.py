"""``cronpilot status``: is an engine running to fire the tasks, which, and what waits."""

from __future__ import annotations

from datetime import datetime

import typer

from scheduler.service_status import EngineStatus
from scheduler.sharing import PARTITIONS
from scheduler.stuck_runs import ago_text

from .. import render
from .context import current_app


def status(
    count: int = typer.Option(5, "-n", "--next", min=0, max=100, help="How many next fires to show."),
    json_output: bool = typer.Option(False, "--json"),
) -> None:
    """Whether an engine is running: engines, next fires, backlog. Exits 1 when none runs."""
    app = current_app()
    state = app.service.engine_status(next_count=count)
    if json_output:
        render.print_json(state.as_dict())
    else:
        _print(state, now=app.clock.now())
    if not state.running:
        raise typer.Exit(1)


def _print(state: EngineStatus, *, now: datetime) -> None:
    alive = [e for e in state.engines if e.alive and e.schedules]
    if alive:
        render.console.print(f"[green]running[/green]: {len(alive)} engine(s)")
    else:
        render.console.print("[red]not running[/red]: no engine fires tasks now. Start one with "
                             "`cronpilot serve`, or see `cronpilot service install`.")
    for e in state.engines:
        kind = "engine" if e.schedules else "CLI run"
        health = "alive" if e.alive else "[red]stale[/red] (stopped without saying so?)"
        share = f", holds {e.partitions} of {PARTITIONS} partitions" if e.partitions is not None else ""
        render.console.print(
            f"  {render.escape(e.worker_id)}: {kind} on {render.escape(e.hostname)} pid {e.pid}, "
            f"cronpilot {render.escape(e.version or '?')}, up {ago_text(now - e.started_at)}, "
            f"last heartbeat {ago_text(now - e.heartbeat_at)} ago, {health}{share}"
        )
    _print_partitions(state)
    backlog = state.backlog
    oldest = f", the oldest due {ago_text(now - backlog.oldest_due_at)} ago" if backlog.oldest_due_at else ""
    render.console.print(f"backlog: {backlog.due} run(s) due and waiting{oldest}; {backlog.running} running")
    for run in state.stuck:
        render.console.print(
            f"[red]stuck[/red]: run {run.run_id} of {render.escape(run.task_name)} (#{run.task_id}, {run.reason}, "
            f"attempt {run.attempt}, {run.status.value}): {render.escape(run.why)}"
        )
    if state.next_fires:
        render.console.print("next fires:")
        for fire in state.next_fires:
            render.console.print(f"  {render.when(fire.at, fire.timezone)}  "
                                 f"{render.escape(fire.name)} (#{fire.task_id})")
    else:
        render.console.print("next fires: none scheduled")


def _print_partitions(state: EngineStatus) -> None:
    """The shared schedule (PostgreSQL): what no listed engine holds."""
    shares = state.partitions()
    if shares is None:
        return
    listed = {e.worker_id for e in state.engines}
    others = {owner: n for owner, n in shares["held"].items() if owner not in listed}
    line = f"partitions: {PARTITIONS - shares['free']} of {PARTITIONS} held"
    if others:
        line += "; " + ", ".join(f"{n} by {render.escape(owner)} (not registered)" for owner, n in others.items())
    if shares["free"]:
        line += f"; {shares['free']} free (their tasks fire once an engine takes them, within a second or so)"
    render.console.print(line)

