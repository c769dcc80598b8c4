"""Finding what people (and models) refer to loosely: a task by id, name or words of its
message, and a time range by "today", "yesterday", "this week", "24h" or an ISO time.

Lookups go through the service with the asking actor, so someone else's task is never found.
An ambiguous reference is an ``InvalidRequest`` listing the candidates, never a guess.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from scheduler.errors import AmbiguousName, InvalidRequest, NotFound
from scheduler.models import Task
from scheduler.service import parse_since
from scheduler.wording import time_text

from .context import ToolContext

_NOISE = re.compile(r"^(?:the|my|our|a|an|this|that|your)\s+|\s+(?:task|job|reminder|one|message|alarm|"
                    r"notification|schedule|cron|cronjob|script|check|workflow)s?$|^(?:task|job|reminder|workflow)\s+",
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
    on the name or a reminder's message. Raises NotFound or InvalidRequest (ambiguous). The task
    found becomes the conversation's current one ("pause it")."""
    task = _find(ctx, ref)
    ctx.mentioned(task.task_id)
    return task


def _find(ctx: ToolContext, ref: str) -> Task:
    text = clean_ref(ref)
    if not text:
        raise InvalidRequest("which task? Give its number or name (say 'list my tasks' to see them)")
    try:
        return ctx.service.get_task(text, actor=ctx.actor)
    except AmbiguousName as exc:  # two people's tasks of that name, both visible: ask which
        raise AmbiguousTask(text, [ctx.service.get_task(i, actor=ctx.actor) for i in exc.task_ids]) from None
    except NotFound:
        if text.isdigit():
            raise NotFound(f"there is no task #{text} (say 'list my tasks' to see yours)") from None
    wanted = _words(text)
    tasks = ctx.service.list_tasks(actor=ctx.actor)
    exact = [t for t in tasks if _words(t.name) == wanted]
    if len(exact) == 1:
        return exact[0]
    partial = [t for t in tasks if wanted and (wanted in _words(t.name) or wanted in _words(_message(t)))]
    if len(partial) > 1 and any(t.workflow_id is None for t in partial):
        partial = [t for t in partial if t.workflow_id is None]  # "weekly": the workflow, not each step
    if len(partial) == 1:
        return partial[0]
    if len(partial) > 1:
        raise AmbiguousTask(text, partial)
    close = _close_matches(wanted, tasks) or _same_words(wanted, tasks) or _by_schedule(wanted, tasks)
    if len(close) == 1:
        return close[0]
    if len(close) > 1:
        raise AmbiguousTask(text, close)
    raise NotFound(f"I can't find a task called '{text}' (say 'list my tasks' to see yours)")


class AmbiguousTask(InvalidRequest):
    """A reference that fits several tasks: the message lists them; ``candidates`` lets a chat
    ask which one and take the answer in the next message."""

    def __init__(self, text: str, candidates: list[Task]) -> None:
        names = ", ".join(f"#{t.task_id} '{t.name}'" for t in candidates[:6])
        super().__init__(f"'{text}' matches several tasks: {names}. Which one?")
        self.candidates = candidates[:6]


FUZZY_CUTOFF = 82  # rapidfuzz score (0-100) a misspelt or reworded name must reach


def _close_matches(wanted: str, tasks: list[Task]) -> list[Task]:
    """Tasks whose name (or reminder text) is close to ``wanted`` despite typos or word order
    ("stand up" for "standup", "weekly sumary"); the best ones only, never a weak guess."""
    from rapidfuzz import fuzz

    if len(wanted) < 3:
        return []
    scored = []
    for task in tasks:
        name = _words(task.name)
        score = max(fuzz.token_sort_ratio(wanted, name),
                    fuzz.ratio(wanted.replace(" ", ""), name.replace(" ", "")) + 1,
                    fuzz.token_sort_ratio(wanted, _words(_message(task))) - 5)
        if score >= FUZZY_CUTOFF:
            scored.append((score, task))
    if not scored:
        return []
    best = max(score for score, _ in scored)
    return [task for score, task in scored if score >= best - 3]


_STOP = frozenset({"the", "a", "an", "my", "our", "of", "to", "for", "and", "on", "in", "at", "every", "one"})


def _stems(text: str) -> set[str]:
    words = re.findall(r"[a-z0-9]+", text.casefold())
    return {re.sub(r"(?<=\w{3})(?:ing|es|s|ed)$", "", w) for w in words if w not in _STOP}


def _same_words(wanted: str, tasks: list[Task]) -> list[Task]:
    """Tasks whose name or text has every word of ``wanted`` in some form ("plant watering" →
    "water the plants")."""
    stems = _stems(wanted)
    if not stems:
        return []
    return [t for t in tasks if t.workflow_id is None and stems <= (_stems(t.name) | _stems(_message(t)))]


_DAY_WORDS = {"monday": "mon", "tuesday": "tue", "wednesday": "wed", "thursday": "thu", "friday": "fri",
              "saturday": "sat", "sunday": "sun", "weekday": "weekday", "daily": "day", "weekend": "weekend"}


def _by_schedule(wanted: str, tasks: list[Task]) -> list[Task]:
    """"the Friday reminder", "the monday one": the task whose schedule names that day."""
    words = set(re.findall(r"[a-z]+", wanted.casefold()))
    days = [d for d in _DAY_WORDS if d in words or f"{d}s" in words]
    if not days or len(words - set(days) - {"reminder", "task", "job", "one", "s"}) > 1:
        return []
    found = [t for t in tasks if t.workflow_id is None
             and all(d in _when(t) or _DAY_WORDS[d] in _when(t) for d in days)]
    return found


def _when(task: Task) -> str:
    from scheduler.wording import schedule_text

    return schedule_text(task.triggers, task.timezone).casefold()


def _message(task: Task) -> str:
    action = task.action.model_dump()
    return str(action.get("message") or action.get("prompt") or "")


def _start_of_day(day: datetime, zone: ZoneInfo) -> datetime:
    return datetime.combine(day.date(), time(0), tzinfo=zone)


_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WORD_COUNTS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "few": 3, "couple of": 2, "couple": 2, "several": 5, "ten": 10}


def _named_range(text: str, local: datetime, tz: ZoneInfo) -> tuple[datetime, datetime | None, str] | None:
    today = _start_of_day(local, tz)
    yesterday = _start_of_day(local - timedelta(days=1), tz)
    if text in ("today", "now", "so far today", "so far"):
        return today, None, "today"
    if text in ("yesterday",):
        return yesterday, today, "yesterday"
    if text in ("last night", "overnight", "tonight", "during the night", "in the night"):
        return yesterday + timedelta(hours=18), None, "since yesterday evening"
    if text in ("this morning",):
        return today, None, "this morning"
    if text in ("since yesterday",):
        return yesterday, None, "since yesterday"
    if text in ("this week", "week"):
        return today - timedelta(days=local.weekday()), None, "this week"
    if text in ("last week", "past week"):
        start = today - timedelta(days=local.weekday() + 7)
        return start, start + timedelta(days=7), "last week"
    if text in ("this weekend", "weekend", "last weekend", "over the weekend"):
        saturday = today - timedelta(days=(local.weekday() - 5) % 7)
        return saturday, saturday + timedelta(days=2), "over the weekend"
    if text in ("this month", "month"):
        return today.replace(day=1), None, "this month"
    if text in ("recently", "lately", "recent"):
        return today - timedelta(days=7), None, "in the last 7 days"
    day = text.removeprefix("since ").removeprefix("on ").removeprefix("last ")
    if day.rstrip("s") in _DAYS:
        back = (local.weekday() - _DAYS.index(day.rstrip("s"))) % 7 or 7
        start = today - timedelta(days=back)
        if text.startswith("since "):
            return start, None, f"since {day.rstrip('s').capitalize()}"
        return start, start + timedelta(days=1), f"on {day.rstrip('s').capitalize()}"
    return None


def time_range(period: str, *, zone: str, now: datetime) -> tuple[datetime, datetime | None, str]:
    """(since, until, label) for a period people name, in their zone; until None means now."""
    tz = ZoneInfo(zone)
    local = now.astimezone(tz)
    text = " ".join(period.casefold().replace("-", " ").split())
    text = re.sub(r"^(?:in\s+|during\s+|over\s+|for\s+|within\s+)?(?:the\s+)?(?=\w)", "", text)
    if text.startswith("since the "):
        text = "since " + text.removeprefix("since the ")
    named = _named_range(text, local, tz)
    if named is not None:
        return named
    match = re.fullmatch(r"(?:last|past|previous)\s+(\d+|a|an|one|two|three|four|five|six|seven|ten|few|couple of|"
                         r"couple|several)?\s*(hour|day|week|minute|month)s?", text)
    if match:
        word = match.group(1)
        count = _WORD_COUNTS.get(word or "a") if not (word or "").isdigit() else int(word or 1)
        unit = {"minute": "m", "hour": "h", "day": "d", "week": "w", "month": "d"}[match.group(2)]
        count = (count or 1) * (30 if match.group(2) == "month" else 1)
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
