"""Rendering for the terminal (rich) and ``--json``. Text from tasks and runs is data: escaped."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from scheduler.durations import format_duration
from scheduler.models import Run, RunEvent, RunStatus, Task
from scheduler.service import TaskStats
from scheduler.triggers import CronTrigger, IntervalTrigger, OnceTrigger, RRuleTrigger, Trigger
from tools.describe import provenance

console = Console(highlight=False, soft_wrap=False)
err_console = Console(stderr=True, highlight=False)

STATUS_STYLE = {
    RunStatus.COMPLETED: "green", RunStatus.FAILED: "red", RunStatus.RETRYING: "yellow",
    RunStatus.SKIPPED: "dim", RunStatus.CANCELLED: "magenta", RunStatus.RUNNING: "cyan",
    RunStatus.PENDING: "blue",
}


def print_json(data: Any) -> None:
    # Plain print, not rich: JSON must reach pipes byte-exact.
    print(json.dumps(data, indent=2, default=str, ensure_ascii=False))


def when(instant: datetime | None, zone: str | ZoneInfo | None = None) -> str:
    if instant is None:
        return "—"
    tz = ZoneInfo(zone) if isinstance(zone, str) else zone
    local = instant.astimezone(tz) if tz else instant.astimezone()
    return local.strftime("%a %d %b %Y %H:%M:%S %Z")


def short(instant: datetime | None, zone: str | None = None) -> str:
    """Compact local time for table cells."""
    if instant is None:
        return "—"
    local = instant.astimezone(ZoneInfo(zone)) if zone else instant.astimezone()
    return local.strftime("%m-%d %H:%M:%S")


def trigger_text(trigger: Trigger, zone: str) -> str:
    if isinstance(trigger, CronTrigger):
        return f"cron '{trigger.expression}' ({zone})"
    if isinstance(trigger, IntervalTrigger):
        return f"every {format_duration(trigger.every)}"
    if isinstance(trigger, OnceTrigger):
        return f"once at {when(trigger.at, zone)}"
    if isinstance(trigger, RRuleTrigger):
        return f"rrule {trigger.rule} from {trigger.start:%Y-%m-%d %H:%M} ({zone})"
    kind = getattr(trigger, "kind", "")
    if kind == "event":
        return f"on event {trigger.event}"  # type: ignore[union-attr]
    if kind == "file":
        return f"on file {trigger.glob} in {trigger.path}"  # type: ignore[union-attr]
    if kind == "pg_notify":
        return f"on NOTIFY {trigger.channel}"  # type: ignore[union-attr]
    if kind == "condition":
        return f"when {trigger.check.kind} check turns true (every {format_duration(trigger.every)})"  # type: ignore[union-attr]
    return str(trigger)


def dst_rows(task: Task) -> list[tuple[str, str]]:
    """The DST policy of a task's calendar triggers (cron, RRULE), one row when they agree."""
    from scheduler.triggers import DstPolicy

    policies = {(getattr(t, "dst", None) or DstPolicy()) for t in task.triggers
                if t.kind in ("cron", "rrule")}  # fmt: skip
    return [("dst", f"skipped={p.skipped}, repeated={p.repeated} ({p.describe()})")
            for p in sorted(policies, key=lambda p: (p.skipped, p.repeated))]


def schedule_text(task: Task) -> str:
    if not task.triggers:
        return "no schedule (runs when asked)"
    return "; ".join(trigger_text(t, task.timezone) for t in task.triggers)


def action_text(task: Task) -> str:
    a = task.action
    if a.kind == "reminder":
        return f"remind: {a.message}"
    if a.kind == "shell":
        return ("sh -c: " if a.use_shell else "run: ") + " ".join(a.argv)
    if a.kind == "http":
        return f"{a.method} {a.url}"
    if a.kind == "sql":
        return f"sql on {a.database}{' (writes)' if a.allow_writes else ''}: {a.statement}"
    if a.kind == "ai":
        return f"ai: {a.prompt}"
    if a.kind == "email":
        return f"email {', '.join(a.to)}: {a.subject}"
    if a.kind == "workflow":
        return f"workflow (up to {a.max_parallel} steps at once)"
    return a.kind


def _clip(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def task_table(tasks: list[Task], next_fire: dict[int, datetime | None]) -> Table:
    table = Table(title=f"{len(tasks)} task(s)", title_justify="left")
    table.add_column("id", no_wrap=True)
    table.add_column("name", overflow="fold", max_width=24)
    table.add_column("status", no_wrap=True)
    table.add_column("schedule", overflow="fold")
    table.add_column("action", overflow="fold")
    table.add_column("next fire", no_wrap=True)
    for t in tasks:
        status = t.status.value if t.enabled else "disabled"
        table.add_row(
            str(t.task_id), escape(t.name), status, escape(_clip(schedule_text(t), 40)),
            escape(_clip(action_text(t), 40)), short(next_fire.get(t.task_id), t.timezone),
        )
    return table


def task_detail(
    task: Task, fires: list[datetime], runs: list[Run], isolation: str | None,
    deps: dict[str, list[tuple[Task, str]]] | None = None,
) -> None:
    rows = [
        ("id", str(task.task_id)), ("name", task.name), ("status", task.status.value),
        ("owner", task.owner), ("time zone", task.timezone), ("schedule", schedule_text(task)),
        ("action", action_text(task)),
        ("retry", f"{task.retry.max_attempts} attempt(s), delay {format_duration(task.retry.delay)}"
                  f" ×{task.retry.backoff:g} up to {format_duration(task.retry.max_delay)}"),
        ("timeout", format_duration(task.timeout)),
        ("misfire", f"{task.misfire_policy.value} (grace {format_duration(task.misfire_grace)})"),
        ("overlap", task.overlap.value),
        *dst_rows(task),
        ("created", f"{when(task.created_at, task.timezone)} by {task.created_by}"),
        ("modified", f"{when(task.updated_at, task.timezone)} by {task.modified_by}"),
        ("origin", provenance(task)),
    ]
    if isolation:
        rows.append(("isolation", isolation))
    for key, label in (("after", "runs after"), ("before", "then releases")):
        if deps and deps.get(key):
            rows.append((label, ", ".join(f"{t.name} ({c})" for t, c in deps[key])))
    if task.description:
        rows.append(("description", task.description))
    table = Table(show_header=False, box=None, padding=(0, 2))
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for key, value in rows:
        table.add_row(key, escape(value))
    console.print(table)
    console.print("[bold]next fires[/bold]")
    if fires:
        for fire in fires:
            console.print(f"  {when(fire, task.timezone)}")
    else:
        console.print("  none scheduled")
    if runs:
        console.print(runs_table(runs, title="last runs"))


def runs_table(runs: list[Run], *, title: str | None = None) -> Table:
    table = Table(title=title or f"{len(runs)} run(s)", title_justify="left")
    table.add_column("run", no_wrap=True)
    table.add_column("task", overflow="fold", max_width=20)
    table.add_column("status", no_wrap=True)
    table.add_column("why", no_wrap=True)
    table.add_column("started", no_wrap=True)
    table.add_column("took", no_wrap=True)
    table.add_column("detail", overflow="fold")
    for r in runs:
        style = STATUS_STYLE.get(r.status, "")
        detail = r.error or ((r.result or {}).get("summary") if r.result else None) or ""
        table.add_row(
            str(r.run_id), escape(r.task_name or str(r.task_id)), f"[{style}]{r.status.value}[/{style}]",
            r.reason.value + (f" #{r.attempt}" if r.attempt > 1 else ""),
            short(r.started_at or r.scheduled_for), _took(r.duration), escape(_clip(detail, 50)),
        )
    return table


def _took(value: timedelta | None) -> str:
    if value is None:
        return "—"
    seconds = value.total_seconds()
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.1f} s"


def run_detail(run: Run, history: list[RunEvent], log_text: str) -> None:
    style = STATUS_STYLE.get(run.status, "")
    console.print(
        f"[bold]run {run.run_id}[/bold] of {escape(run.task_name or str(run.task_id))}: "
        f"[{style}]{run.status.value}[/{style}] (attempt {run.attempt}, {run.reason.value})"
    )
    for event in history:
        message = f" — {escape(event.message)}" if event.message else ""
        console.print(f"  {when(event.at)}  {event.status.value}{message}")
    if run.error:
        console.print(f"[red]error:[/red] {escape(run.error)}")
    if run.traceback:
        console.print(escape(run.traceback), style="dim")
    if log_text:
        console.print("[bold]log[/bold]" + (f" ({escape(run.log_path)})" if run.log_path else ""))
        console.out(log_text, highlight=False)
    else:
        console.print("[dim](no output)[/dim]")


def stats_table(overall: TaskStats, per_task: list[TaskStats]) -> Table:
    table = Table(title="run statistics", title_justify="left")
    for column in ("task", "runs", "ok", "failed", "skipped", "success", "avg", "p95"):
        table.add_column(column)
    for s in [*per_task, overall]:
        rate = f"{s.success_rate * 100:.1f}%" if s.success_rate is not None else "—"
        avg = _took(timedelta(seconds=s.avg_duration_s)) if s.avg_duration_s is not None else "—"
        p95 = _took(timedelta(seconds=s.p95_duration_s)) if s.p95_duration_s is not None else "—"
        name = escape(s.name) if s.task_id is not None else "[bold]all tasks[/bold]"
        table.add_row(name, str(s.runs), str(s.completed), str(s.failed), str(s.skipped), rate, avg, p95)
    return table
