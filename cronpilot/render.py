"""Rendering for the terminal (rich) and ``--json``. Text from tasks and runs is data: escaped."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.markup import escape as _markup_escape
from rich.table import Table

from connectors.markup import printable
from scheduler import wording
from scheduler.models import RetryPolicy, Run, RunEvent, RunStatus, Task
from scheduler.wording import (
    action_text,
    clip,
    count_text,
    duration_text,
    elapsed_text,
    provenance,
    run_reason,
    time_text,
    trigger_source,
)

if TYPE_CHECKING:  # the service pulls in the store: not needed to print
    from scheduler.service import TaskStats

T = TypeVar("T")


def escape(text: str) -> str:
    """Text from a task, a run or a person, safe to print: rich markup escaped, and control and
    bidi characters dropped (a task's output can't move the cursor or recolour the terminal)."""
    return _markup_escape(printable(text))


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


def print_listing(
    items: Sequence[T], *, as_json: bool, to_json: Callable[[T], Any], empty: str,
    columns: Sequence[str], row: Callable[[T], Sequence[str]],
) -> None:
    """The shape every ``list`` command shares: with ``--json`` one object per item (an empty
    list when there is none), else a hint saying how to make the first one, else a table.
    ``row`` returns the cells already escaped (they hold names people chose)."""
    if as_json:
        print_json([to_json(item) for item in items])
        return
    if not items:
        console.print(empty)
        return
    table = Table(*columns)
    for item in items:
        table.add_row(*row(item))
    console.print(table)


def when(instant: datetime | None, zone: str, *, viewer_zone: str | None = None) -> str:
    """A time for the terminal, to the second, with the year: 'Mon 7 Dec 2026 09:00:00'; in
    ``zone``, labelled when that is not the reader's."""
    if instant is None:
        return "—"
    return time_text(instant, zone, viewer_zone=viewer_zone, seconds=True)


def _short(instant: datetime | None, zone: str, *, viewer_zone: str, now: datetime | None) -> str:
    """A table cell: to the minute, the year only when it isn't this one."""
    return "—" if instant is None else time_text(instant, zone, viewer_zone=viewer_zone, now=now)


def schedule_text(task: Task, *, now: datetime | None = None, source: bool = False) -> str:
    """The schedule in words; with ``source`` the cron/RRULE text follows ('(cron 0 9 * * 1)')."""
    text = wording.schedule_text(task.triggers, task.timezone, now=now)
    sources = [s for s in map(trigger_source, task.triggers) if s]
    return text + (f" ({'; '.join(sources)})" if source and sources else "")


def dst_rows(task: Task) -> list[tuple[str, str]]:
    """The DST policy of a task's calendar triggers (cron, RRULE), one row when they agree."""
    from scheduler.triggers import DstPolicy

    policies = {(getattr(t, "dst", None) or DstPolicy()) for t in task.triggers
                if t.kind in ("cron", "rrule")}  # fmt: skip
    return [("dst", f"skipped={p.skipped}, repeated={p.repeated} ({p.describe()})")
            for p in sorted(policies, key=lambda p: (p.skipped, p.repeated))]


def retry_text(retry: RetryPolicy) -> str:
    if retry.max_attempts <= 1:
        return "none"
    text = (f"{count_text(retry.max_attempts - 1, 'retry', 'retries')} after a failure, "
            f"the first after {duration_text(retry.delay)}")
    if retry.max_attempts > 2 and retry.backoff != 1:
        text += f", then ×{retry.backoff:g} each time up to {duration_text(retry.max_delay)}"
    return text


def holiday_rows(task: Task, *, since: datetime | None = None) -> list[tuple[str, str]]:
    """The public-holiday calendars a task's calendar triggers skip, with the next two
    holidays from ``since`` (the next fire) when given."""
    from scheduler.triggers import public_holidays

    codes = sorted({code for t in task.triggers if (code := getattr(t, "holidays", None))})
    rows = []
    for code in codes:
        coming = []
        if since is not None:
            start = since.astimezone(ZoneInfo(task.timezone)).date()
            coming = public_holidays.between(code, start, start + timedelta(days=366))[:2]
        nxt = "; ".join(f"{d:%a %d %b %Y} {name}" for d, name in coming)
        rows.append(("holidays", f"skips public holidays of {code}" + (f" (next: {nxt})" if nxt else "")))
    return rows



def task_table(tasks: list[Task], next_fire: dict[int, datetime | None], *, viewer_zone: str,
               now: datetime | None = None) -> Table:
    table = Table(title=count_text(len(tasks), "task"), title_justify="left")
    table.add_column("id", no_wrap=True)
    table.add_column("name", overflow="fold", max_width=24)
    table.add_column("status", no_wrap=True)
    table.add_column("schedule", overflow="fold")
    table.add_column("action", overflow="fold")
    table.add_column("next fire", no_wrap=True)
    for t in tasks:
        status = t.status.value if t.enabled else "disabled"
        table.add_row(
            str(t.task_id), escape(t.name), status, escape(clip(schedule_text(t, now=now), 48)),
            escape(clip(action_text(t.action), 40)),
            _short(next_fire.get(t.task_id), t.timezone, viewer_zone=viewer_zone, now=now),
        )
    return table


def task_detail(
    task: Task, fires: list[datetime], runs: list[Run], isolation: str | None,
    deps: dict[str, list[tuple[Task, str]]] | None = None, *, viewer_zone: str,
    now: datetime | None = None, folder: str | None = None,
) -> None:
    rows = [
        ("id", str(task.task_id)), ("name", task.name), ("status", task.status.value),
        ("owner", task.owner), ("time zone", task.timezone),
        ("schedule", schedule_text(task, now=now, source=True)),
        ("action", action_text(task.action)),
        ("retries", retry_text(task.retry)),
        ("timeout", duration_text(task.timeout)),
        ("misfire", f"{task.misfire_policy.value} (grace {duration_text(task.misfire_grace)})"),
        ("overlap", task.overlap.value),
        *dst_rows(task),
        *holiday_rows(task, since=fires[0] if fires else None),
        ("created", f"{when(task.created_at, viewer_zone)} by {task.created_by}"),
        ("modified", f"{when(task.updated_at, viewer_zone)} by {task.modified_by}"),
        ("origin", provenance(task, viewer_zone=viewer_zone, now=now)),
    ]
    if folder:
        rows.append(("folder", folder))
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
            console.print(f"  {when(fire, task.timezone, viewer_zone=viewer_zone)}")
    else:
        console.print("  none scheduled")
    if runs:
        console.print(runs_table(runs, title="last runs", viewer_zone=viewer_zone))


def runs_table(runs: list[Run], *, viewer_zone: str, title: str | None = None) -> Table:
    table = Table(title=title or count_text(len(runs), "run"), title_justify="left")
    table.add_column("run", no_wrap=True)
    table.add_column("task", overflow="fold", max_width=20)
    table.add_column("status", no_wrap=True)
    table.add_column("why", no_wrap=True)
    table.add_column("started", no_wrap=True)
    table.add_column("took", no_wrap=True)
    table.add_column("detail", overflow="fold")
    for r in runs:
        style = STATUS_STYLE.get(r.status, "")
        table.add_row(
            str(r.run_id), escape(r.task_name or str(r.task_id)), f"[{style}]{r.status.value}[/{style}]",
            r.reason.value + (f" #{r.attempt}" if r.attempt > 1 else ""),
            when(r.started_at or r.scheduled_for, viewer_zone),
            elapsed_text(r.duration) if r.duration is not None else "—",
            escape(run_reason(r, width=50)),
        )
    return table


def run_detail(run: Run, history: list[RunEvent], log_text: str, *, viewer_zone: str) -> None:
    style = STATUS_STYLE.get(run.status, "")
    console.print(
        f"[bold]run {run.run_id}[/bold] of {escape(run.task_name or str(run.task_id))}: "
        f"[{style}]{run.status.value}[/{style}] (attempt {run.attempt}, {run.reason.value})"
    )
    for event in history:
        message = f" — {escape(event.message)}" if event.message else ""
        console.print(f"  {when(event.at, viewer_zone)}  {event.status.value}{message}")
    if run.error:
        console.print(f"[red]error:[/red] {escape(run.error)}")
    if run.traceback:
        console.print(escape(run.traceback), style="dim")
    if log_text:
        console.print("[bold]log[/bold]" + (f" ({escape(run.log_path)})" if run.log_path else ""))
        console.out(printable(log_text), highlight=False)
    else:
        console.print("[dim](no output)[/dim]")


def stats_table(overall: TaskStats, per_task: list[TaskStats]) -> Table:
    table = Table(title="run statistics", title_justify="left")
    for column in ("task", "runs", "ok", "failed", "skipped", "success", "avg", "p95"):
        table.add_column(column)
    for s in [*per_task, overall]:
        rate = f"{s.success_rate * 100:.1f}%" if s.success_rate is not None else "—"
        avg = elapsed_text(timedelta(seconds=s.avg_duration_s)) if s.avg_duration_s is not None else "—"
        p95 = elapsed_text(timedelta(seconds=s.p95_duration_s)) if s.p95_duration_s is not None else "—"
        name = escape(s.name) if s.task_id is not None else "[bold]all tasks[/bold]"
        table.add_row(name, str(s.runs), str(s.completed), str(s.failed), str(s.skipped), rate, avg, p95)
    return table
