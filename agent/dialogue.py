"""Creating from a request, and the questions the assistant asks instead of guessing: "When
should I remind you?", "What should I remind you of?", "Which address?", "Which database?",
"Did you mean A or B?" (an ambiguous time phrase, with the parser's named readings), "Which
task?" (a name that fits several). The question is kept in the conversation state (in the
database), so the answer in the next message — from any process, after a restart — carries the
original request on.

A pending question never traps the person: an answer that doesn't fit and reads as a new
request drops the question and is handled as new; "never mind" drops it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from pydantic import TypeAdapter

from scheduler import phrases
from scheduler.errors import AmbiguousPhrase, InvalidRequest, Reading
from scheduler.phrases import Schedule
from scheduler.triggers import Trigger
from tools.context import ToolContext
from tools.tasks import create_scheduled

from .chatter import tidy
from .intents import classify, classify_answer
from .reactions import Reactions
from .requests import Draft, clean_subject, looks_like_request, read_request

_TRIGGER = TypeAdapter(Trigger)
ANSWER_WITHIN_TURNS = 3  # a question is answered in one of the next three messages or forgotten
AI_NEEDS_MODEL = ("AI tasks need a language model to run: set OPENAI_API_KEY (and OPENAI_BASE_URL, "
                  "CRONPILOT_MODEL for another endpoint) where cronpilot runs.")
_ORDINALS = {"first": 1, "1st": 1, "one": 1, "second": 2, "2nd": 2, "two": 2, "third": 3, "3rd": 3, "three": 3,
             "fourth": 4, "4th": 4, "four": 4, "fifth": 5, "5th": 5, "five": 5, "last": -1, "latter": -1,
             "former": 1, "top": 1, "bottom": -1}


@dataclass(frozen=True)
class Reply:
    text: str
    understood: bool = True


class RunIntent(Protocol):
    """Carries out a stored intent on the task an answer picked (``commands.run_intent``). Passed
    in by the caller: commands build on this module (questions, creating), not the reverse."""

    def __call__(self, ctx: ToolContext, data: dict[str, Any], *, ref: str) -> Reply: ...


# --- creating -----------------------------------------------------------------------------------


def create(ctx: ToolContext, text: str) -> Reply | None:
    """A task from a request, a question about a missing piece, or None (not a request)."""
    try:
        draft = read_request(text, zone=ctx.timezone, now=ctx.now, task_ids=_task_ids(ctx),
                             databases=tuple(ctx.service.sql_databases), locale=ctx.locale)
    except AmbiguousPhrase as exc:
        return _ask_reading(ctx, text, exc)
    except InvalidRequest as exc:
        return Reply(str(exc)) if looks_like_request(text) else None
    if draft is None:
        return None
    return _complete(ctx, draft)


def _complete(ctx: ToolContext, draft: Draft) -> Reply:
    if draft.missing is not None:
        return _ask_for(ctx, draft)
    assert draft.action is not None
    notes = list(draft.reactions.notes)
    if draft.ai:
        notes.append(AI_NEEDS_MODEL)
    return Reply(create_scheduled(ctx, draft.action, draft.schedule, reactions=draft.reactions.triggers,
                                  deliver_to=draft.deliver_to, notes=notes))


def _task_ids(ctx: ToolContext) -> dict[str, int]:
    # Names are unique per owner: where a shared task has the name of one's own, one's own wins.
    tasks = sorted(ctx.service.list_tasks(actor=ctx.actor), key=lambda t: t.owner == ctx.actor.user)
    return {t.name: t.task_id for t in tasks}


def _ask_for(ctx: ToolContext, draft: Draft) -> Reply:
    subject = draft.subject.strip()
    known = ", ".join(ctx.service.sql_databases) or "none are configured (CRONPILOT_SQL_DATABASES)"
    questions = {
        "when": (f"When should I remind you to {subject}?" if draft.action and draft.action.get("kind") == "reminder"
                 else f"When should I run that ({subject})?") + " e.g. 'tomorrow at 9', 'every Monday at 8am', 'in 2 hours'.",
        "what": _what_question(draft),
        "address": "Which email address should I send it to?",
        "database": f"Which database should I run it on? Known: {known}.",
    }
    _remember(ctx, {"kind": "clarify", "need": draft.missing, "draft": _draft_json(draft)})
    return Reply(questions[draft.missing or "when"])


def _what_question(draft: Draft) -> str:
    when = draft.schedule.description if draft.schedule else "then"
    when = re.sub(r", [A-Za-z_]+/[A-Za-z_]+$|, UTC$", "", when)
    return f"What should I remind you of ({when})?"


def _ask_reading(ctx: ToolContext, text: str, exc: AmbiguousPhrase) -> Reply:
    readings = [[r.label, r.phrase] for r in exc.readings]
    _remember(ctx, {"kind": "reading", "text": text, "readings": readings})
    options = "\n".join(f"{i}. {label}" for i, (label, _phrase) in enumerate(readings, start=1))
    said = exc.message.strip()
    said = said if said.endswith(("?", ".")) else said + "."
    return Reply(f"{said} Which do you mean?\n{options}\n(Answer with the number or the words.)")


def _remember(ctx: ToolContext, pending: dict[str, Any]) -> None:
    if ctx.state is not None:
        ctx.state.pending = {**pending, "turn": ctx.turn}


# --- answers to a pending question ----------------------------------------------------------


def resume(ctx: ToolContext, text: str, *, run_intent: RunIntent) -> Reply | None:
    """The reply when ``text`` answers the pending question; None when it doesn't (the question
    is dropped and the message is handled as a new one). An answer to "which task?" carries out
    the intent it was asked for with ``run_intent``."""
    assert ctx.state is not None and ctx.state.pending is not None
    pending = ctx.state.pending
    ctx.state.pending = None
    if ctx.turn - int(pending.get("turn", 0)) > ANSWER_WITHIN_TURNS:
        return None
    answer = classify_answer(text)
    if answer is not None and answer.kind == "deny":
        return Reply("OK, I've dropped that.")
    kind = pending.get("kind")
    if kind == "clarify":
        return _answer_clarify(ctx, pending, text)
    if kind == "reading":
        return _answer_reading(ctx, pending, text)
    if kind == "which":
        return _answer_which(ctx, pending, text, run_intent)
    return None


def _answer_clarify(ctx: ToolContext, pending: dict[str, Any], text: str) -> Reply | None:
    draft = _draft_from(pending["draft"])
    need = pending.get("need")
    answer = tidy(text)
    if need == "when":
        phrase = re.sub(r"(?i)^(?:remind me|do it|run it|make it|at|on|in)\s+(?=\S)", "", answer)
        phrase = re.sub(r"(?i)^(?:how about|let's say|say|maybe|um|uh)\s+", "", phrase)
        try:
            draft.schedule = phrases.parse_schedule(phrase, zone=ctx.timezone, now=ctx.now, locale=ctx.locale)
        except AmbiguousPhrase as exc:
            return _ask_reading(ctx, _with_when(draft, phrase), exc)
        except InvalidRequest:
            if _new_request(text):
                return None
            _remember(ctx, pending)
            return Reply(f"Sorry, I can't read {answer!r} as a time. When should it be? e.g. 'tomorrow at 9', "
                         "'every Monday at 8am', 'in 2 hours'.")
    elif need == "what":
        if _new_request(text, allow_plain=False):
            return None
        subject = clean_subject(answer)
        if not subject:
            _remember(ctx, pending)
            return Reply(_what_question(draft))
        draft.action, draft.subject = {"kind": "reminder", "message": subject}, subject
    elif need == "address":
        found = re.search(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", answer)
        if not found:
            if _new_request(text):
                return None
            _remember(ctx, pending)
            return Reply("That isn't an email address; which address should I send it to?")
        _set_address(draft, found.group(0))
    elif need == "database":
        names = [db for db in ctx.service.sql_databases if re.search(rf"\b{re.escape(db)}\b", answer, re.I)]
        if not names:
            return None if _new_request(text) else Reply(f"Sorry, I don't know a database called {answer!r}.")
        assert draft.action is not None
        draft.action["database"] = names[0]
    draft.missing = _still_missing(draft)
    return _complete(ctx, draft)


def _set_address(draft: Draft, address: str) -> None:
    if draft.action is not None and draft.action.get("kind") == "email":
        draft.action["to"] = [address]
    else:
        draft.deliver_to = {"platform": "email", "address": address}


def _still_missing(draft: Draft) -> str | None:
    if draft.action is None:
        return "what"
    if draft.action.get("kind") == "email" and not draft.action.get("to"):
        return "address"
    if draft.action.get("kind") == "sql" and not draft.action.get("database"):
        return "database"
    if draft.deliver_to == {}:
        return "address"
    if not draft.has_trigger:
        return "when"
    return None


def _with_when(draft: Draft, phrase: str) -> str:
    subject = draft.subject or "it"
    return f"remind me to {subject} {phrase}" if draft.action and draft.action.get("kind") == "reminder" else phrase


def _new_request(text: str, *, allow_plain: bool = True) -> bool:
    """True when a message reads as a request or question of its own."""
    intent = classify(text)
    if intent is not None and intent.kind not in ("confirm", "deny", "greeting"):
        return True
    return allow_plain and looks_like_request(text)


def pick(options: list[str], text: str) -> int | None:
    """The index of the option an answer picks: a number ("2", "option 2"), an ordinal ("the
    first one", "the latter"), or words of the option itself."""
    from rapidfuzz import fuzz, process

    answer = tidy(text).lower()
    number = re.fullmatch(r"(?:option\s+|number\s+|no\.?\s*|#)?(\d+)(?:st|nd|rd|th)?(?:\s+(?:one|please|option))?", answer)
    if number:
        index = int(number.group(1)) - 1
        return index if 0 <= index < len(options) else None
    core = re.sub(r"^(?:the|i mean|i meant|go with|take|pick|choose)\s+|\s+(?:one|option|reading|please|task)$", "",
                  answer).strip()
    if core in _ORDINALS:
        position = _ORDINALS[core]
        return len(options) - 1 if position == -1 else (position - 1 if position <= len(options) else None)
    lowered = [o.lower() for o in options]
    for index, option in enumerate(lowered):
        if core and (core in option or option in answer):
            matches = [i for i, o in enumerate(lowered) if core in o or o in answer]
            if len(matches) == 1:
                return index
    best = process.extract(answer, lowered, scorer=fuzz.token_set_ratio, limit=2)
    if best and best[0][1] >= 70 and (len(best) == 1 or best[0][1] - best[1][1] >= 10):
        return int(best[0][2])
    return None


def _answer_reading(ctx: ToolContext, pending: dict[str, Any], text: str) -> Reply | None:
    readings = [Reading(label, phrase) for label, phrase in pending["readings"]]
    index = pick([r.label for r in readings], text)
    if index is None:
        index = pick([r.phrase for r in readings], text)
    if index is None:
        if _new_request(text):
            return None
        _remember(ctx, pending)
        return Reply("Sorry, which one? Answer with the number: " +
                     "; ".join(f"{i}. {r.label}" for i, r in enumerate(readings, start=1)))
    return _carry_on(ctx, pending["text"], readings, readings[index])


def _carry_on(ctx: ToolContext, text: str, readings: list[Reading], chosen: Reading) -> Reply:
    """Carry on with the original request, its ambiguous phrase replaced by the chosen one. A
    reading may be the whole request reworded (from ``split_request``) or only the time phrase
    (from ``parse_schedule``)."""
    said, offered = _word_set(text), _word_set(chosen.phrase)
    if said and len(said & offered) * 2 >= len(said):
        created = create(ctx, chosen.phrase)
        if created is not None:
            return created
    span = _ambiguous_span(text, ctx, readings)
    if span is not None:
        replaced = text[: span[0]] + chosen.phrase + text[span[1]:]
        created = create(ctx, replaced)
        if created is not None:
            return created
    schedule = phrases.parse_schedule(chosen.phrase, zone=ctx.timezone, now=ctx.now, locale=ctx.locale)
    draft = Draft(None, schedule, missing="what")
    return _complete(ctx, draft)


def _word_set(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9']+", text.lower()))


def _ambiguous_span(text: str, ctx: ToolContext, readings: list[Reading]) -> tuple[int, int] | None:
    """Where in ``text`` the phrase is that the parser found ambiguous: the shortest run of
    words that is ambiguous on its own in the same way."""
    labels = [r.label for r in readings]
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    for size in range(1, min(len(words), 8) + 1):
        for i in range(len(words) - size + 1):
            start, end = words[i][0], words[i + size - 1][1]
            try:
                phrases.parse_schedule(text[start:end], zone=ctx.timezone, now=ctx.now, locale=ctx.locale)
            except AmbiguousPhrase as exc:
                if [r.label for r in exc.readings] == labels:
                    return start, end
            except InvalidRequest:
                continue
    return None


def _answer_which(ctx: ToolContext, pending: dict[str, Any], text: str, run_intent: RunIntent) -> Reply | None:
    candidates = [int(i) for i in pending["candidates"]]
    names = list(pending.get("names") or [str(i) for i in candidates])
    answer = tidy(text).lower().lstrip("#")
    index = candidates.index(int(answer)) if answer.isdigit() and int(answer) in candidates else pick(names, text)
    if index is None:
        if _new_request(text):
            return None
        _remember(ctx, pending)
        return Reply("Sorry, which one? " + "; ".join(f"{i}. {n}" for i, n in enumerate(names, start=1)))
    return run_intent(ctx, pending["intent"], ref=f"#{candidates[index]}")


def ask_which(ctx: ToolContext, intent: dict[str, Any], candidates: list[Any], question: str) -> Reply:
    """Ask which of several tasks a reference meant; the answer runs ``intent`` on it."""
    names = [t.name for t in candidates]
    _remember(ctx, {"kind": "which", "intent": intent, "candidates": [t.task_id for t in candidates],
                    "names": names})
    options = "\n".join(f"{i}. {t.name} (#{t.task_id})" for i, t in enumerate(candidates, start=1))
    return Reply(f"{question}\n{options}")


# --- drafts in the conversation state -------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def _draft_json(draft: Draft) -> dict[str, Any]:
    schedule = None
    if draft.schedule is not None:
        schedule = {"kind": draft.schedule.kind, "description": draft.schedule.description,
                    "triggers": [t.model_dump(mode="json") for t in draft.schedule.triggers],
                    "notes": list(draft.schedule.notes)}
    return {"action": draft.action, "schedule": schedule, "deliver_to": draft.deliver_to,
            "subject": draft.subject, "ai": draft.ai, "missing": draft.missing,
            "reactions": {"triggers": _jsonable(draft.reactions.triggers), "notes": draft.reactions.notes,
                          "described": draft.reactions.described}}


def _draft_from(data: dict[str, Any]) -> Draft:
    schedule = None
    if data.get("schedule"):
        s = data["schedule"]
        schedule = Schedule(s["kind"], s["description"], [_TRIGGER.validate_python(t) for t in s["triggers"]],
                            tuple(s.get("notes") or ()))
    reactions = Reactions(triggers=list(data["reactions"]["triggers"]), notes=list(data["reactions"]["notes"]),
                          described=list(data["reactions"]["described"]))
    deliver_to = data.get("deliver_to")
    if data.get("missing") == "address" and deliver_to is None and (data.get("action") or {}).get("kind") != "email":
        deliver_to = {}  # asked for: an email delivery without an address yet
    return Draft(dict(data["action"]) if data.get("action") else None, schedule, reactions=reactions,
                 deliver_to=deliver_to, missing=data.get("missing"), subject=data.get("subject") or "",
                 ai=bool(data.get("ai")))
