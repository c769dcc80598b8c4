"""Finding what people (and models) refer to loosely: a task by id, name or words of its
message, and a time range by "today", "yesterday", "this week", "24h" or an ISO time.

Lookups go through the service with the asking actor, so someone else's task is never found.
An ambiguous reference is an ``InvalidRequest`` listing the candidates, never a guess.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from scheduler.errors import InvalidRequest, NotFound
from scheduler.models import Task
from scheduler.service import parse_since
from scheduler.wording import time_text

from .context import ToolContext

_NOISE = re.compile(r"^(?:the|my|our|a|an|this|that)\s+|\s+(?:task|job|reminder|one)$|^(?:task|job|reminder)\s+",
                    re.IGNORECASE)


def clean_ref(ref: str) -> str:
    text = ref.strip().strip("\"'`“”‘’").strip()
    previous = None
    while previous != text:
        previous = text
        text = _NOISE.sub("", text).strip().strip("\"'`“”‘’").strip()
    return text.lstrip("#").strip() if text.lstrip("#").isdigit() else text


def _words(text: str) -> str:
    return " ".join(re.findall(r"[\w.@/:-]+", text.casefold()))


def resolve_task(ctx: ToolContext, ref: str) -> Task:
    """The one task ``ref`` names for ``ctx.actor``: id, exact name, or a unique partial match
    on the name or a reminder's message. Raises NotFound or InvalidRequest (ambiguous)."""
    text = clean_ref(ref)
    if not text:
        raise InvalidRequest("which task? Give its number or name (say 'list my tasks' to see them)")
    try:
        return ctx.service.get_task(text, actor=ctx.actor)
    except NotFound:
        if text.isdigit():
            raise NotFound(f"there is no task #{text} (say 'list my tasks' to see yours)") from None
    wanted = _words(text)
    tasks = ctx.service.list_tasks(actor=ctx.actor)
    exact = [t for t in tasks if _words(t.name) == wanted]
    if len(exact) == 1:
        return exact[0]
    partial = [t for t in tasks if wanted and (wanted in _words(t.name) or wanted in _words(_message(t)))]
    if len(partial) == 1:
        return partial[0]
    if len(partial) > 1:
        names = ", ".join(f"#{t.task_id} '{t.name}'" for t in partial[:6])
        raise InvalidRequest(f"'{text}' matches several tasks: {names}. Which one?")
    raise NotFound(f"I can't find a task called '{text}' (say 'list my tasks' to see yours)")


def _message(task: Task) -> str:
    action = task.action.model_dump()
    return str(action.get("message") or action.get("prompt") or "")


def _start_of_day(day: datetime, zone: ZoneInfo) -> datetime:
    return datetime.combine(day.date(), time(0), tzinfo=zone)


def time_range(period: str, *, zone: str, now: datetime) -> tuple[datetime, datetime | None, str]:
    """(since, until, label) for a period people name, in their zone; until None means now."""
    tz = ZoneInfo(zone)
    local = now.astimezone(tz)
    text = " ".join(period.casefold().replace("-", " ").split())
    text = re.sub(r"^(?:in\s+|during\s+|over\s+|for\s+|since\s+)?(?:the\s+)?", "", text)
    today = _start_of_day(local, tz)
    if text in ("today", "now", "so far today"):
        return today, None, "today"
    if text in ("yesterday", "last night"):
        return _start_of_day(local - timedelta(days=1), tz), today, "yesterday"
    if text in ("this week", "week"):
        return today - timedelta(days=local.weekday()), None, "this week"
    if text in ("last week", "past week"):
        start = today - timedelta(days=local.weekday() + 7)
        return start, start + timedelta(days=7), "last week"
    if text in ("this month", "month"):
        return today.replace(day=1), None, "this month"
    match = re.fullmatch(r"(?:last|past)\s+(\d+|a|an|one)?\s*(hour|day|week|minute)s?", text)
    if match:
        count = 1 if match.group(1) in (None, "a", "an", "one") else int(match.group(1))
        unit = {"minute": "m", "hour": "h", "day": "d", "week": "w"}[match.group(2)]
        text = f"{count}{unit}"
    elif not re.fullmatch(r"\d+\s*[smhdw]", text):
        text = period.strip()  # an ISO time keeps its dashes and case
    try:
        since = parse_since(text, now=now)
    except InvalidRequest:
        raise InvalidRequest(
            f"I can't read the period {period!r}; say today, yesterday, this week, last week, "
            "24h or 7d"
        ) from None
    return since, None, f"since {time_text(since, tz, now=now)}"
