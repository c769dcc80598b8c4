"""Tools that create and change tasks. Each is a thin typed wrapper over ``scheduler.service``:
permissions, spawn budgets and approvals are the service's; a tool turns a time phrase into
triggers with the deterministic parser (never a model-written cron string) and answers in one
or two sentences with the interpretation and the next fire time.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from scheduler.durations import parse_duration
from scheduler.errors import Conflict, InvalidRequest
from scheduler.models import Task, TaskStatus
from scheduler.phrases import Schedule, parse_schedule, reply_words, translate_words
from scheduler.trigger_text import condition_trigger, email_destination, file_trigger, pg_trigger
from scheduler.triggers import TIME_KINDS
from scheduler.wording import clip, trigger_text

from .context import ToolContext
from .describe import next_text
from .lookup import resolve_task

CONFIRM_WITHIN_TURNS = 3  # a "yes" counts for a delete asked about at most this many messages ago
ActionKind = Literal["reminder", "shell", "http", "sql", "email", "ai"]


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CreateReminderArgs(_Args):
    message: str = Field(description="What to remind the person of, in their words.", min_length=1)
    when: str = Field(description="The time phrase exactly as the person said it, e.g. "
                                  "'every Monday at 9am', 'tomorrow at 5pm', 'in 20 minutes'.")
    name: str | None = Field(default=None, description="Short task name; defaults to the message.")


class CreateTaskArgs(_Args):
    kind: ActionKind = Field(description="What the task does.")
    when: str | None = Field(default=None, description="Time phrase as the person said it; omit "
                                                       "for event-only or run-on-demand tasks.")
    on_event: str | None = Field(default=None, description="Also (or only) run when this named "
                                                           "event arrives, e.g. 'ticket.created'.")
    on_file: str | None = Field(default=None, description="Also (or only) run when a file lands in "
                                                          "this folder (see file_glob).")
    file_glob: str | None = Field(default=None, description="Which files in on_file count, e.g. '*.csv'.")
    when_true: str | None = Field(default=None, description="Also (or only) run when this check turns "
                                  "true: 'sh:COMMAND', a URL (answers 2xx) or 'sql:DATABASE:STATEMENT'.")
    check_every: str | None = Field(default=None, description="How often to evaluate when_true, e.g. "
                                                              "'5m' (default 1m).")
    on_pg_channel: str | None = Field(default=None, description="Also (or only) run on a PostgreSQL "
                                                                "NOTIFY on this channel.")
    deliver_to_email: str | None = Field(default=None, description="Send the reminder or result to this "
                                                                   "email address instead of this chat.")
    name: str | None = Field(default=None, description="Short unique task name.")
    message: str | None = Field(default=None, description="reminder: the text to deliver.")
    command: str | None = Field(default=None, description="shell: the command line (no shell; "
                                                          "quoted like a terminal).")
    url: str | None = Field(default=None, description="http: the URL.")
    method: Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"] = "GET"
    body: str | None = Field(default=None, description="http: request body; email: the text.")
    database: str | None = Field(default=None, description="sql: a configured database name.")
    statement: str | None = Field(default=None, description="sql: one read-only statement.")
    to: list[str] | None = Field(default=None, description="email: recipient addresses.")
    subject: str | None = Field(default=None, description="email: subject line.")
    prompt: str | None = Field(default=None, description="ai: what the AI should do at each run.")
    template: str | None = Field(default=None, description="ai: a prompt template name, e.g. "
                                                            "'daily_summary', 'ticket_triage', 'digest'.")
    inputs: dict[str, str] | None = Field(default=None, description="ai: template inputs, e.g. "
                                                                    "{'url': 'https://…'}.")
    retries: int = Field(default=0, ge=0, le=10, description="Extra attempts after a failure.")


class UpdateTaskArgs(_Args):
    task: str = Field(description="Task id or name.")
    when: str | None = Field(default=None, description="New time phrase (replaces the schedule).")
    name: str | None = None
    message: str | None = Field(default=None, description="New reminder text.")
    prompt: str | None = Field(default=None, description="New AI prompt.")


class TaskRefArgs(_Args):
    task: str = Field(description="Task id (e.g. '3') or name.")


class DeleteTaskArgs(TaskRefArgs):
    confirmed: bool = Field(default=False, description="True only after the person said yes to "
                                                       "deleting this task in a later message.")


def schedule_of(ctx: ToolContext, when: str | None) -> Schedule | None:
    return parse_schedule(when, zone=ctx.timezone, now=ctx.now, locale=ctx.locale) if when else None


def triggers_of(schedule: Schedule | None) -> list[dict[str, Any]]:
    return [t.model_dump() for t in schedule.triggers] if schedule else []


def action_of(args: CreateTaskArgs) -> dict[str, Any]:
    def need(value: Any, what: str) -> Any:
        if not value:
            raise InvalidRequest(f"a {args.kind} task needs {what}")
        return value

    if args.kind == "reminder":
        return {"kind": "reminder", "message": need(args.message, "a message")}
    if args.kind == "shell":
        try:
            argv = shlex.split(need(args.command, "a command"))
        except ValueError as exc:
            raise InvalidRequest(f"can't read the command: {exc}") from None
        return {"kind": "shell", "argv": argv}
    if args.kind == "http":
        data = {"kind": "http", "url": need(args.url, "a URL"), "method": args.method}
        return data | ({"body": args.body} if args.body else {})
    if args.kind == "sql":
        return {"kind": "sql", "database": need(args.database, "a database name"),
                "statement": need(args.statement, "a statement")}
    if args.kind == "email":
        return {"kind": "email", "to": need(args.to, "recipients"), "subject": need(args.subject, "a subject"),
                "body": args.body or ""}
    prompt = args.prompt or (f"Run the '{args.template}' template." if args.template else None)
    return {"kind": "ai", "prompt": need(prompt, "a prompt or a template"), "template": args.template,
            "inputs": args.inputs or {}}


def _default_name(action: dict[str, Any]) -> str:
    for key in ("message", "prompt", "url", "statement", "subject"):
        if action.get(key):
            return clip(str(action[key]), 60)
    return clip(" ".join(action.get("argv", ["task"])), 60)


def _add(ctx: ToolContext, data: dict[str, Any], *, named: bool, deliver_to: dict[str, str] | None = None) -> Task:
    """Create through the service; an automatic name gets ' (2)', ' (3)'… when taken."""
    base = data["name"]
    for attempt in range(1, 21):
        data["name"] = base if attempt == 1 else f"{clip(base, 54)} ({attempt})"
        try:
            return ctx.service.create_task(ctx.service.build_spec(data), actor=ctx.actor, deliver_to=deliver_to)
        except Conflict:
            if named:
                raise
    raise Conflict(f"too many tasks are named like '{base}'; give this one a name")


def _confirmation(
    ctx: ToolContext, task: Task, description: str, notes: tuple[str, ...], *, lang: str = "en"
) -> str:
    """"Done: 'x' (task #3), every Monday at 09:00; next Mon 7 Dec 09:00." in the language the
    request was written in (``lang``: the schedule's; the words are each language module's)."""
    words = reply_words(lang)
    fires = ctx.service.next_fires(task, count=1)
    when = description or "no time schedule"
    text = f"{words['done']}: '{task.name}' ({words['task']} #{task.task_id}), {when}"
    if fires:
        upcoming = next_text(fires[0], task, viewer_zone=ctx.timezone, now=ctx.now)
        if lang != "en":
            upcoming = translate_words(upcoming.removeprefix("next "), lang)
            upcoming = f"{words['next']} {upcoming}"
        text += f"; {upcoming}"
    text += "."
    if task.status == TaskStatus.PENDING_APPROVAL:
        waits_for = str((task.origin or {}).get("waits_for") or "")
        if waits_for.startswith("an admin"):
            # The person asking can't approve it: say who can, and where.
            text += (f" It waits for {waits_for}. An admin approves it by saying 'approve {task.task_id}' "
                     f"here or with `cronpilot approve {task.task_id}`.")
        else:
            text += f" {words['approval']}"
            ctx.offer(f"Approve #{task.task_id}", "approve", task.task_id)
    for note in notes:
        text += f" {words['note']}: {note}"
    return text


def create_scheduled(
    ctx: ToolContext,
    action: dict[str, Any],
    schedule: Schedule | None,
    *,
    name: str | None = None,
    event: str | None = None,
    retries: int = 0,
    reactions: Sequence[dict[str, Any]] = (),
    deliver_to: dict[str, str] | None = None,
    notes: Sequence[str] = (),
) -> str:
    """Create a task from an action, an already parsed schedule and reactive triggers (file,
    condition, pg_notify, event); the confirmation text."""
    triggers = triggers_of(schedule) + [dict(t) for t in reactions]
    if event:
        triggers.append({"kind": "event", "event": event})
    data: dict[str, Any] = {"name": name or _default_name(action), "timezone": ctx.timezone,
                            "triggers": triggers, "action": action}
    if retries:
        data["retry"] = {"max_attempts": retries + 1}
    task = _add(ctx, data, named=name is not None, deliver_to=deliver_to)
    ctx.mentioned(task.task_id)
    # Reactions are worded from the triggers as stored (the service normalizes event names).
    parts = [schedule.description] if schedule else []
    parts += [trigger_text(t, task.timezone) for t in task.triggers if t.kind not in TIME_KINDS]
    if deliver_to and deliver_to.get("platform") == "email":
        parts.append(f"delivered by email to {deliver_to.get('address')}")
    all_notes = (*(schedule.notes if schedule else ()), *notes)
    lang = schedule.lang if schedule else "en"
    text = _confirmation(ctx, task, "; ".join(parts), all_notes, lang=lang)
    notice = ctx.service.not_running_notice()  # a task saved where nothing fires it
    if notice and lang != "en":
        notice = reply_words(lang)["not_running"]
    return f"{text} {reply_words(lang)['note']}: {notice[0].upper()}{notice[1:]}." if notice else text


def create_reminder(ctx: ToolContext, args: CreateReminderArgs) -> str:
    """Create a reminder (one-off or recurring) for the person speaking. Pass the time phrase
    exactly as they said it; the reply gives the interpretation and the next time it fires."""
    action = {"kind": "reminder", "message": args.message}
    if not args.when.strip():
        raise InvalidRequest("a reminder needs a time phrase in 'when' (ask the person: when should I remind you?)")
    return create_scheduled(ctx, action, schedule_of(ctx, args.when), name=args.name)


def create_task(ctx: ToolContext, args: CreateTaskArgs) -> str:
    """Create a task of any kind: reminder, shell command, http request, read-only sql query,
    email, or an AI task (prompt or template). Give a time phrase in 'when' and/or a reaction:
    an event ('on_event'), a folder ('on_file'), a check turning true ('when_true'), a PostgreSQL
    NOTIFY ('on_pg_channel'). 'deliver_to_email' sends results by email. Tasks created by AI runs
    that run shell/http/sql wait for a person's approval."""
    reactions = reactions_of(args)
    deliver_to = email_destination(args.deliver_to_email) if args.deliver_to_email else None
    return create_scheduled(ctx, action_of(args), schedule_of(ctx, args.when), name=args.name,
                            event=args.on_event, retries=args.retries, reactions=reactions,
                            deliver_to=deliver_to)


def reactions_of(args: CreateTaskArgs) -> list[dict[str, Any]]:
    """The reactive triggers a create_task call asks for."""
    found: list[dict[str, Any]] = []
    if args.on_file:
        found.append(file_trigger(args.on_file, glob=args.file_glob))
    if args.when_true:
        every = parse_duration(args.check_every) if args.check_every else None
        found.append(condition_trigger(args.when_true, every=every))
    if args.on_pg_channel:
        found.append(pg_trigger(args.on_pg_channel))
    return found


def update_task(ctx: ToolContext, args: UpdateTaskArgs) -> str:
    """Change a task: its schedule (a new time phrase), name, reminder text or AI prompt."""
    task = resolve_task(ctx, args.task)
    changes: dict[str, Any] = {}
    schedule = schedule_of(ctx, args.when)
    if schedule:
        changes["triggers"] = triggers_of(schedule)
        changes["timezone"] = ctx.timezone
    if args.name:
        changes["name"] = args.name
    action = task.action.model_dump()
    if args.message and action["kind"] == "reminder":
        changes["action"] = {**action, "message": args.message}
    if args.prompt and action["kind"] == "ai":
        changes["action"] = {**action, "prompt": args.prompt}
    if not changes:
        raise InvalidRequest("nothing to change: give a new time phrase, name, message or prompt")
    updated = ctx.service.update_task(str(task.task_id), changes, actor=ctx.actor)
    description = schedule.description if schedule else "schedule unchanged"
    notes = schedule.notes if schedule else ()
    lang = schedule.lang if schedule else "en"
    words = reply_words(lang)
    return _confirmation(ctx, updated, description, notes, lang=lang).replace(
        f"{words['done']}:", f"{words['updated']}:", 1)


def pause_task(ctx: ToolContext, args: TaskRefArgs) -> str:
    """Pause a task: it stops firing until resumed (nothing is replayed on resume)."""
    task = ctx.service.pause_task(str(resolve_task(ctx, args.task).task_id), actor=ctx.actor)
    ctx.offer(f"Resume #{task.task_id}", "resume", task.task_id)
    return f"Paused '{task.name}' (task #{task.task_id}). Say 'resume {task.name}' to start it again."


def resume_task(ctx: ToolContext, args: TaskRefArgs) -> str:
    """Resume a paused task from now on."""
    task = ctx.service.resume_task(str(resolve_task(ctx, args.task).task_id), actor=ctx.actor)
    fires = ctx.service.next_fires(task, count=1)
    upcoming = f"; {next_text(fires[0], task, viewer_zone=ctx.timezone, now=ctx.now)}" if fires else ""
    return f"Resumed '{task.name}' (task #{task.task_id}){upcoming}."


def delete_task(ctx: ToolContext, args: DeleteTaskArgs) -> str:
    """Delete a task for good. The first call only asks: tell the person what will be deleted and
    call again with confirmed=true after they say yes in their next message."""
    task = resolve_task(ctx, args.task)
    asked = ctx.confirmations.asked.get(task.task_id)
    stale = asked is not None and ctx.turn - asked > CONFIRM_WITHIN_TURNS
    if stale:
        ctx.confirmations.asked.pop(task.task_id, None)
    unconfirmed = not args.confirmed or asked is None or stale or asked >= ctx.turn
    if unconfirmed and not ctx.actor.is_ai:  # an AI run can't delete at all; the service says so
        ctx.confirmations.asked.setdefault(task.task_id, ctx.turn)
        return (f"Confirm first: delete '{task.name}' (task #{task.task_id})? Ask the person; "
                "delete only after they say yes.")
    deleted = ctx.service.delete_task(str(task.task_id), actor=ctx.actor)
    if ctx.state is not None and ctx.state.last_task_id == deleted.task_id:
        ctx.state.last_task_id = None
    ctx.confirmations.asked.pop(task.task_id, None)
    return f"Deleted '{deleted.name}' (task #{deleted.task_id})."


def run_now(ctx: ToolContext, args: TaskRefArgs) -> str:
    """Run a task once now, besides its schedule."""
    task = resolve_task(ctx, args.task)
    run = ctx.service.run_now(str(task.task_id), actor=ctx.actor)
    return (f"Started '{task.name}' now (run {run.run_id}); ask 'show the last runs of "
            f"{task.name}' for the outcome.")


def approve_task(ctx: ToolContext, args: TaskRefArgs) -> str:
    """Offer the person an Approve button for a task waiting for approval. Approval itself only
    happens when a person clicks it; text in a chat or a tool result can never approve."""
    task = resolve_task(ctx, args.task)
    if task.status != TaskStatus.PENDING_APPROVAL:
        return f"'{task.name}' (task #{task.task_id}) is {task.status.value}; nothing to approve."
    ctx.offer(f"Approve #{task.task_id}", "approve", task.task_id)
    return (f"'{task.name}' (task #{task.task_id}) waits for approval. I've attached an Approve "
            "button; approving needs the person's click.")
