"""The assistant without a model: the common requests, understood deterministically.

Everyday commands and questions are recognized by ``agent.intents``; requests that carry a
time phrase become tasks through the deterministic parser (``split_request``), with the action
read from the words ("run ./backup.sh" → shell, "check https://…" → http, anything with
"remind" → a reminder). Everything goes through the same tools the model uses, so permissions,
answers and provenance are identical online and offline. Anything else gets a clear answer
about what needs a model and how to configure one.

Synchronous: the assistant calls ``answer`` in a thread (service calls are short transactions).
"""

from __future__ import annotations

import re
import shlex
import shutil
from dataclasses import dataclass
from typing import Any

from scheduler.errors import CronpilotError, InvalidRequest
from scheduler.phrases import split_request
from scheduler.wording import schedule_text
from tools import catalog
from tools.context import ToolContext
from tools.lookup import resolve_task
from tools.tasks import create_scheduled

from .intents import Intent, classify

NEEDS_MODEL = (
    "I can't do that without a language model. Without one I understand reminders and schedules "
    "('remind me every Monday at 9 to send the report', 'every hour check https://example.com'), "
    "'list my tasks', 'pause / resume / delete X', 'run X now', 'what failed today', 'show the last "
    "runs of X' and 'why did X fail'. To let me understand anything else, set OPENAI_API_KEY (plus "
    "OPENAI_BASE_URL for any OpenAI-compatible endpoint and CRONPILOT_MODEL for the model name) "
    "and restart cronpilot."
)
HELP = (
    "Tell me what to do and when, e.g. 'remind me every weekday at 8:30 to check the build', "
    "'every night at 2 run ./backup.sh', 'every hour check https://example.com'. Ask 'list my "
    "tasks', 'pause X', 'resume X', 'delete X', 'run X now', 'what failed today', 'show the last "
    "runs of X' or 'why did X fail'."
)
_REMIND = re.compile(r"\b(remind|reminder|ping me|tell me|notify me|alert me|nudge me|don't let me forget)\b",
                     re.IGNORECASE)
_SCHEDULING = re.compile(r"\b(remind|reminder|every|each|schedule|daily|weekly|monthly|hourly|nightly|"
                         r"tomorrow|tonight|at \d|in \d+|on (?:mon|tue|wed|thu|fri|sat|sun))", re.IGNORECASE)
_URL = re.compile(r"https?://[^\s'\"`<>]+", re.IGNORECASE)
_HTTP = re.compile(r"^(?:check|fetch|ping|get|call|hit|poll|monitor|curl|download|request|load|"
                   r"open|visit|(?P<post>post to|post))\b", re.IGNORECASE)
_SHELL = re.compile(r"^(?:run|execute|exec|launch|start)\s+(?:the\s+)?(?:command\s+|script\s+)?(?P<cmd>.+)$",
                    re.IGNORECASE)
_SQL = re.compile(r"^(?:run|query|execute)?\s*(?:sql\s+|the\s+query\s+)?[`'\"]?(?P<stmt>(?:select|with)\b.+?)"
                  r"[`'\"]?\s+(?:on|in|against|using)\s+(?:the\s+)?(?:database\s+)?(?P<db>[\w.-]+)$",
                  re.IGNORECASE | re.DOTALL)
_AI = re.compile(r"^(?:summari[sz]e|analy[sz]e|classify|triage|draft|write|translate|digest|prepare|"
                 r"generate|compose|review|research|answer|reply)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Answer:
    text: str
    understood: bool = True


def answer(ctx: ToolContext, text: str) -> Answer:
    """The reply to one message; never raises a ``CronpilotError`` (it becomes the reply)."""
    ctx.reader = "person"  # tool results are the reply itself: no model-facing fences
    intent = classify(text)
    if intent is None or intent.kind not in ("confirm", "deny"):
        ctx.confirmations.asked.clear()  # any other message is not a yes to an earlier question
    try:
        if intent is not None:
            handled = _handle(ctx, intent, text)
            if handled is not None:
                return handled
        created = _create(ctx, text)
        if created is not None:
            return created
    except CronpilotError as exc:
        return Answer(sorry(str(exc)))
    return Answer(NEEDS_MODEL, understood=False)


def sorry(message: str) -> str:
    message = message.strip().rstrip(".")
    first = message.split(" ", 1)[0]
    if not (first == "I" or first.startswith("I'") or first[1:2].isupper()):  # keep "I", "SQL"
        message = message[:1].lower() + message[1:]
    return f"Sorry, {message}."


def _tool(ctx: ToolContext, name: str, **args: Any) -> str:
    record = catalog.invoke(name, ctx, **args)
    return sorry(record.error) if record.error else record.result


def _pending_delete(ctx: ToolContext) -> int | None:
    asked = ctx.confirmations.asked
    return max(asked, key=lambda task_id: asked[task_id]) if asked else None


def _handle(ctx: ToolContext, intent: Intent, text: str) -> Answer | None:
    kind = intent.kind
    if kind == "help":
        return Answer(HELP)
    if kind == "list":
        return Answer(_tool(ctx, "list_tasks", status=_status(intent.status)))
    if kind == "failures":
        result = _tool(ctx, "query_runs", status="failed", period=intent.period or "24h", limit=20)
        return Answer(result.replace("No failed runs", "Nothing failed", 1))
    if kind == "confirm":
        task_id = _pending_delete(ctx)
        if task_id is None:
            return Answer("Yes to what? There's nothing waiting for a yes. " + HELP)
        return Answer(_tool(ctx, "delete_task", task=str(task_id), confirmed=True))
    if kind == "deny":
        had = bool(ctx.confirmations.asked)
        ctx.confirmations.asked.clear()
        return Answer("OK, I've kept it." if had else "OK.")
    assert intent.ref is not None
    try:
        task = resolve_task(ctx, intent.ref)
    except InvalidRequest as exc:
        return Answer(sorry(str(exc)))
    except CronpilotError as exc:
        # "run backup.sh every day at 7" reads as "run <a task>" first; a schedule wins then.
        # "what's the weather" reads as "describe <a task>": not a task, so not understood.
        created = _create(ctx, text)
        if created is not None or kind == "describe":
            return created
        return Answer(sorry(str(exc)))
    ref = str(task.task_id)
    if kind == "delete":
        result = catalog.invoke("delete_task", ctx, task=ref)
        if result.error:
            return Answer(sorry(result.error))
        return Answer(f"Delete '{task.name}' (task #{task.task_id}, {schedule_text(task.triggers, task.timezone, now=ctx.now)})? "
                      "Say yes to delete it, or no to keep it.")
    if kind == "approve":
        result = catalog.invoke("approve_task", ctx, task=ref)
        if result.error:
            return Answer(sorry(result.error))
        if ctx.buttons:
            return Answer(f"'{task.name}' (task #{task.task_id}) waits for your approval: press "
                          "Approve to let it run.")
        return Answer(result.result)
    if kind == "runs":
        return Answer(_tool(ctx, "query_runs", task=ref, period=intent.period, limit=5))
    tool = {"pause": "pause_task", "resume": "resume_task", "run_now": "run_now",
            "why": "explain_failure", "describe": "describe_task"}[kind]
    return Answer(_tool(ctx, tool, task=ref))


def _status(word: str | None) -> str | None:
    return {"pending": "pending_approval"}.get(word or "", word)


def _create(ctx: ToolContext, text: str) -> Answer | None:
    """A request with a time phrase becomes a task; None when the text holds no schedule."""
    try:
        parsed = split_request(text, zone=ctx.timezone, now=ctx.now)
    except InvalidRequest as exc:
        if _SCHEDULING.search(text) is None:  # "who won yesterday" is no request for a schedule
            return None
        return Answer(str(exc))  # the parser's own friendly explanation, with examples
    if parsed is None:
        return None
    what, schedule = parsed
    what = what.rstrip("?!. ")
    if not what:
        when = schedule.description[:1].upper() + schedule.description[1:]
        return Answer(f"{when}: what should I do then? e.g. 'remind me every day at 9 to stretch'.")
    action = action_for(what, reminder=_REMIND.search(text) is not None)
    if action is None:
        return Answer(NEEDS_MODEL, understood=False)
    return Answer(create_scheduled(ctx, action, schedule))


def action_for(what: str, *, reminder: bool) -> dict[str, Any] | None:
    """The action a request's "what" asks for; None when it needs a model to do it (AI work)."""
    if reminder:
        return {"kind": "reminder", "message": what}
    url = _URL.search(what)
    http = _HTTP.match(what)
    if url and (http or what.strip() == url.group(0)):
        method = "POST" if http and http.group("post") else "GET"
        return {"kind": "http", "url": url.group(0).rstrip(".,;)"), "method": method}
    sql = _SQL.match(what)
    if sql:
        return {"kind": "sql", "database": sql.group("db"), "statement": sql.group("stmt").strip()}
    shell = _SHELL.match(what)
    if shell:
        argv = _command(shell.group("cmd"))
        if argv:
            return {"kind": "shell", "argv": argv}
    if _AI.match(what):
        return None
    return {"kind": "reminder", "message": what}


def _command(text: str) -> list[str] | None:
    """argv when the words are clearly a command: quoted, a path, a script, or a program on PATH."""
    text = text.strip()
    quoted = len(text) > 2 and text[0] == text[-1] and text[0] in "`'\""
    if quoted:
        text = text[1:-1]
    try:
        argv = shlex.split(text)
    except ValueError:
        return None
    if not argv:
        return None
    first = argv[0]
    if quoted or "/" in first or first.endswith((".sh", ".py", ".pl", ".rb")) or shutil.which(first):
        return argv
    return None
