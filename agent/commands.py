"""Carrying out a recognized intent through the tools (the same ones the model calls): changes
to tasks, questions about tasks and runs, yes/no to a pending delete.

References are resolved here: "it", "that one", "the last one" mean the task the conversation
last talked about (kept in the database); "all my reminders" means every task of the person;
a name that fits several tasks gets a question back, not a guess.
"""

from __future__ import annotations

import re
from typing import Any

from scheduler.errors import CronpilotError, InvalidRequest, NotFound
from scheduler.models import Task, TaskStatus
from scheduler.wording import schedule_text
from tools import catalog
from tools.context import ToolContext
from tools.lookup import AmbiguousTask, resolve_task

from . import people
from .chatter import is_question
from .dialogue import Reply, ask_which, create
from .intents import Intent

HELP = (
    "Tell me what to do and when, e.g. 'remind me every weekday at 8:30 to check the build', "
    "'every night at 2 run ./backup.sh', 'every 5 minutes make sure https://example.com is up', "
    "'every Monday at 8 run select count(*) from orders on analytics', 'email me the report every "
    "Friday', 'when a csv lands in /data/in remind me to import it'. Ask 'what's scheduled', 'what "
    "failed overnight', 'why did backup fail', 'how did the last runs of backup go', 'search the "
    "logs for timeout', 'how often does backup fail'. Change things with 'pause X', 'resume it', "
    "'move X to 10am', 'run X now', 'delete X'."
)
FORBIDDEN = ("I can't do that: roles, secrets and other people's tasks are not something I change or "
             "show in chat. An admin sets roles (CRONPILOT_ADMINS); secrets stay in cronpilot's settings.")
_PRONOUN = re.compile(r"^(?:it|its|it's|that|this|them|those|that one|this one|the same one|the last one|the one i "
                      r"just (?:made|created|set up|added)|the (?:last|latest|new|previous) "
                      r"(?:one|task|reminder|job)|that (?:task|reminder|job|one)|this (?:task|reminder|job))$")
_ALL = re.compile(r"^(?:all|everything|all of (?:them|it)|all (?:of )?(?:my |the |our )?(?P<what>tasks|reminders|jobs|"
                  r"schedules|crons?|alarms)|every (?:task|reminder|job)|all my stuff)$")

# "why did the last run fail": no task named, so the latest failure among the tasks they see.
_ANY_RUN = re.compile(r"^(?:the |my |our )?(?:(?:very )?last|latest|most recent|previous|recent)"
                      r"(?: (?:failed|failing|broken))? (?:run|job|task|one|execution|attempt|thing)s?$|"
                      r"^(?:last night's|yesterday's|today's|this morning's|tonight's) (?:run|job|task)s?$")


def sorry(message: str) -> str:
    message = message.strip().rstrip(".")
    first = message.split(" ", 1)[0]
    if not (first == "I" or first.startswith("I'") or first[1:2].isupper()):  # keep "I", "SQL"
        message = message[:1].lower() + message[1:]
    return f"Sorry, {message}."


def tool(ctx: ToolContext, tool_name: str, /, **args: Any) -> str:
    record = catalog.invoke(tool_name, ctx, **args)
    return sorry(record.error) if record.error else record.result


def handle(ctx: ToolContext, intent: Intent, text: str) -> Reply | None:
    """The reply to ``intent``; None when it turns out to be something else (a request to create)."""
    kind = intent.kind
    if kind in ("deny", "confirm") and not ctx.confirmations.asked and re.match(
            r"(?i)^\W*(?:cancel|delete|remove|drop|scratch|forget|kill) (?:that|it|this|them)(?: one)?(?: please)?\W*$",
            text):
        intent = Intent("delete", ref="that")  # nothing was asked: "cancel that" means the last task
        kind = intent.kind
    simple = _simple(ctx, intent)
    if simple is not None:
        return simple
    if kind in ("failures", "search", "stats", "upcoming") or (kind == "list"):
        return Reply(_question(ctx, intent))
    if kind == "set_role":
        return Reply(people.set_role(ctx, intent.ref or "", intent.value or ""))
    if kind == "pending":
        return Reply(tool(ctx, "list_tasks", status="pending_approval"))
    ref = (intent.ref or "").strip()
    if kind in ("stats",) and not ref:
        return Reply(_question(ctx, intent))
    bulk = _ALL.match(ref.lower())
    if bulk and kind in ("pause", "resume", "delete"):
        return _bulk(ctx, kind, bulk.group("what"))
    if kind == "why" and _ANY_RUN.match(ref.lower()):
        return Reply(tool(ctx, "explain_failure", skipped=intent.skipped or None))
    try:
        task = _resolve(ctx, ref)
    except AmbiguousTask as exc:
        return ask_which(ctx, _intent_json(intent), exc.candidates, f"'{ref}' could be several tasks; which one?")
    except InvalidRequest as exc:
        return Reply(sorry(str(exc)))
    except NotFound as exc:
        # "run backup.sh every day at 7" reads as "run <a task>" first: a request to create wins.
        wants_new = kind == "run_now" or re.search(r"(?i)\bremind|\breminder\b|\bevery\b", text) is not None
        created = create(ctx, text) if wants_new and not is_question(text) else None
        if created is not None:
            return created
        if kind == "describe":
            return None  # "what's the weather" is no question about a task
        return Reply(sorry(str(exc)))
    return _on_task(ctx, intent, task)


def run_intent(ctx: ToolContext, data: dict[str, Any], *, ref: str) -> Reply:
    """Carry out a stored intent (asked "which one?") on the task the answer picked."""
    intent = Intent(data["kind"], ref=ref, period=data.get("period"), value=data.get("value"),
                    skipped=bool(data.get("skipped")))
    return _on_task(ctx, intent, resolve_task(ctx, ref))


def _intent_json(intent: Intent) -> dict[str, Any]:
    return {"kind": intent.kind, "period": intent.period, "value": intent.value, "skipped": intent.skipped}


def _simple(ctx: ToolContext, intent: Intent) -> Reply | None:
    if intent.kind == "help":
        return Reply(HELP)
    if intent.kind == "greeting":
        return Reply("Hi! " + HELP)
    if intent.kind == "forbidden":
        return Reply(FORBIDDEN)
    if intent.kind == "confirm":
        return _confirm(ctx)
    if intent.kind == "deny":
        had = bool(ctx.confirmations.asked)
        ctx.confirmations.asked.clear()
        return Reply("OK, I've kept it." if had else "OK.")
    return None


def _confirm(ctx: ToolContext) -> Reply:
    asked = ctx.confirmations.asked
    if not asked:
        return Reply("Yes to what? There's nothing waiting for a yes. " + HELP)
    results = [tool(ctx, "delete_task", task=str(task_id), confirmed=True) for task_id in sorted(asked)]
    return Reply("\n".join(results))


def _resolve(ctx: ToolContext, ref: str) -> Task:
    if not ref:
        raise InvalidRequest("which task? Give its number or name (say 'list my tasks' to see them)")
    if _PRONOUN.match(ref.lower()):
        last = ctx.state.last_task_id if ctx.state is not None else None
        if last is None:
            raise InvalidRequest(f"I'm not sure what '{ref}' is: which task do you mean? (say 'list my tasks')")
        try:
            return resolve_task(ctx, str(last))
        except NotFound:
            raise InvalidRequest("the task we talked about is gone; which task do you mean?") from None
    return resolve_task(ctx, ref)


def _question(ctx: ToolContext, intent: Intent) -> str:
    kind, ref = intent.kind, intent.ref
    task = str(_resolve(ctx, ref).task_id) if ref else None
    if kind == "failures":
        result = tool(ctx, "query_runs", status="failed", period=intent.period or "24h", limit=20)
        return result.replace("No failed runs", "Nothing failed", 1)
    if kind == "search":
        return tool(ctx, "search_logs", text=intent.value or "", task=task, period=intent.period)
    if kind == "stats":
        return tool(ctx, "task_stats", task=task, period=intent.period or "7d")
    if kind == "upcoming":
        return tool(ctx, "upcoming", period=intent.period)
    return tool(ctx, "list_tasks", status={"pending": "pending_approval"}.get(intent.status or "", intent.status))


def _on_task(ctx: ToolContext, intent: Intent, task: Task) -> Reply:
    ref, kind = str(task.task_id), intent.kind
    if kind == "delete":
        record = catalog.invoke("delete_task", ctx, task=ref)
        if record.error:
            return Reply(sorry(record.error))
        return Reply(f"Delete '{task.name}' (task #{task.task_id}, {schedule_text(task.triggers, task.timezone, now=ctx.now)})? "
                     "Say yes to delete it, or no to keep it.")
    if kind in ("approve", "reject", "who_sees", "who_did"):
        # Understood without a model from the person's own words, so "approve backup" approves
        # (the service decides who may); a model's tool can only offer the Approve button.
        return Reply(people.on_task(ctx, kind, task, intent.value))
    if kind == "runs":
        return Reply(tool(ctx, "query_runs", task=ref, period=intent.period, limit=5))
    if kind == "output":
        runs = ctx.service.list_runs(actor=ctx.actor, task=ref, limit=1)
        if not runs:
            return Reply(f"'{task.name}' hasn't run yet.")
        return Reply(tool(ctx, "show_run_log", run_id=runs[0].run_id))
    if kind == "why":
        return Reply(tool(ctx, "explain_failure", task=ref, skipped=intent.skipped or None))
    if kind == "stats":
        return Reply(tool(ctx, "task_stats", task=ref, period=intent.period or "7d"))
    if kind == "reschedule":
        return Reply(tool(ctx, "update_task", task=ref, when=_keep_the_rest(task, _when_words(intent.value or ""))))
    if kind == "rename":
        return Reply(tool(ctx, "update_task", task=ref, name=intent.value))
    if kind == "retext":
        return Reply(tool(ctx, "update_task", task=ref, message=intent.value, prompt=intent.value))
    if kind == "pause" and task.status == TaskStatus.PAUSED:
        return Reply(f"'{task.name}' (task #{task.task_id}) is already paused. Say 'resume it' to start it again.")
    if kind == "resume" and task.status == TaskStatus.ACTIVE:
        return Reply(f"'{task.name}' (task #{task.task_id}) isn't paused; it's running as planned.")
    name = {"pause": "pause_task", "resume": "resume_task", "run_now": "run_now",
            "describe": "describe_task"}[kind]
    return Reply(tool(ctx, name, task=ref))


_TIME_ONLY = re.compile(r"(?i)^(?:at\s+)?(?:\d{1,2}(?:[:.]\d{2})?\s*(?:am|pm|h)?|noon|midday|midnight)(?:\s+instead)?$")
_HAS_TIME = re.compile(r"(?i)\d|noon|midday|midnight|morning|afternoon|evening|night|hour|minute")


def _keep_the_rest(task: Task, phrase: str) -> str:
    """A new time for a recurring task keeps its days ("move the standup to 9:45" stays on
    weekdays); new days keep its time ("move it to Tuesdays" stays at 09:00). Anything else is
    the new schedule as said."""
    crons = [t.model_dump()["expression"] for t in task.triggers if t.kind == "cron"]
    if len(crons) != 1 or len(task.triggers) != 1:
        return phrase
    fields = crons[0].split()
    if len(fields) != 5 or not (fields[0].isdigit() and fields[1].isdigit()):
        return phrase
    if _TIME_ONLY.match(phrase):
        from scheduler.phrases import parse_schedule

        at = re.sub(r"(?i)^at\s+|\s+instead$", "", phrase)
        try:
            schedule = parse_schedule(f"every day at {at}", zone=task.timezone, now=task.created_at)
        except InvalidRequest:
            return phrase
        minute, hour = schedule.triggers[0].model_dump()["expression"].split()[:2]
        return " ".join([minute, hour, *fields[2:]])
    if not _HAS_TIME.search(phrase):
        return f"{phrase} at {int(fields[1]):02d}:{int(fields[0]):02d}"
    return phrase


def _when_words(value: str) -> str:
    return re.sub(r"(?i)^(?:run|fire|go off|happen|be|remind me)\s+", "", value.strip()).strip(" .!")


def _bulk(ctx: ToolContext, kind: str, what: str | None) -> Reply:
    tasks = ctx.service.list_tasks(actor=ctx.actor)
    if what and what.startswith("reminder"):
        tasks = [t for t in tasks if t.action.kind == "reminder"]
    if kind == "pause":
        tasks = [t for t in tasks if t.status == TaskStatus.ACTIVE]
    elif kind == "resume":
        tasks = [t for t in tasks if t.status == TaskStatus.PAUSED]
    if not tasks:
        return Reply(f"There are no {what or 'tasks'} to {kind}.")
    if kind == "delete":
        for task in tasks:
            catalog.invoke("delete_task", ctx, task=str(task.task_id))
        names = ", ".join(f"'{t.name}'" for t in tasks[:10]) + (" …" if len(tasks) > 10 else "")
        return Reply(f"Delete all {len(tasks)} of them ({names})? Say yes to delete them, or no to keep them.")
    done = []
    for task in tasks:
        try:
            tool_name = "pause_task" if kind == "pause" else "resume_task"
            catalog.invoke(tool_name, ctx, task=str(task.task_id))
            done.append(f"'{task.name}'")
        except CronpilotError:
            continue
    return Reply(f"{'Paused' if kind == 'pause' else 'Resumed'} {len(done)}: {', '.join(done)}.")
