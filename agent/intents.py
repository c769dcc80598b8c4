"""Recognizing the common requests without a model: list, pause, resume, delete, run now,
approve, "what failed today", "show the last runs of X", "why did X fail", yes/no to a question.

Each intent is a handful of patterns over a normalized request (lower case, polite wrapping and
end punctuation removed). Requests to *create* something are not matched here: they are
recognized by their time phrase (``scheduler.phrases.split_request``) in ``agent.offline``.
Questions are tried before commands so "what failed today" never reads as a schedule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["list", "pause", "resume", "delete", "run_now", "approve", "failures", "runs", "why",
               "describe", "confirm", "deny", "help"]

_POLITE_HEAD = re.compile(
    r"^(?:(?:hey|hi|hello|ok|okay|so|um|please|pls|cronpilot|bot)[\s,!:]+)*"
    r"(?:(?:can|could|would|will)\s+you\s+(?:please\s+)?|(?:i\s+want\s+you\s+to|i'd\s+like\s+you\s+to)\s+"
    r"|please\s+|pls\s+|kindly\s+)?",
)
_POLITE_TAIL = re.compile(r"(?:[\s,]+(?:please|pls|thanks|thank you|for me))+$")
PERIOD = (r"(?P<period>today|yesterday|last night|this week|last week|past week|this month|"
          r"(?:in\s+|over\s+|during\s+)?the\s+(?:last|past)\s+(?:\d+\s+)?(?:hours?|days?|weeks?)|"
          r"(?:last|past)\s+(?:\d+\s+)?(?:hours?|days?|weeks?)|\d+\s*[hdw])")
REF = r"(?P<ref>.+?)"
FAIL = r"(?:fail(?:ed|ing|s|ure|ures)?|break|broke|broken|crash(?:ed|ing)?|error(?:ed|s)?|go wrong|went wrong)"


@dataclass(frozen=True)
class Intent:
    kind: Kind
    ref: str | None = None
    period: str | None = None
    status: str | None = None


def normalize(text: str) -> str:
    text = " ".join(text.strip().split()).lower()
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    text = re.sub(r"[\s?!.]+$", "", text)
    text = _POLITE_HEAD.sub("", text, count=1)
    text = _POLITE_TAIL.sub("", text)
    return text.strip(" ,")


def _rx(*patterns: str) -> list[re.Pattern[str]]:
    return [re.compile(f"^(?:{p})$") for p in patterns]


_RULES: list[tuple[Kind, list[re.Pattern[str]]]] = [
    ("confirm", _rx(r"y|yes|yep|yeah|yup|sure|ok|okay|confirm(?:ed)?|do it|go ahead|yes,? (?:please,? )?"
                    r"(?:delete|remove|cancel) (?:it|that)|(?:delete|remove) it|i'm sure|correct")),
    ("deny", _rx(r"n|no|nope|nah|don't|do not|keep it|never ?mind|no,? keep it|no thanks|abort")),
    ("help", _rx(r"help|\?|what can you do|how does this work|commands|what do you understand")),
    ("failures", _rx(
        rf"(?:what|which tasks?|which jobs?|anything|did anything|has anything|what has|what's|what)\s*"
        rf"(?:has |have |did |else )?{FAIL}(?: to run)?(?: {PERIOD})?",
        rf"(?:were there |are there |any |show (?:me )?|list |get )?(?:the )?(?:failures|failed runs|"
        rf"failed tasks|errors|failing tasks|broken tasks|problems)(?: (?:from )?{PERIOD})?",
        rf"(?:did|has) anything (?:fail|break|go wrong|error)(?: {PERIOD})?",
        rf"(?:show |list |get )?(?:me )?(?:the )?{PERIOD}'?s? (?:failures|errors|failed runs|problems)",
        rf"(?:how many|any) (?:tasks |runs |jobs )?failed(?: {PERIOD})?",
    )),
    ("why", _rx(
        rf"why (?:did|does|do|is|was|has|have|are|were) {REF} (?:keep |still )?(?:not work(?:ing)?|{FAIL})(?: {PERIOD}| again| last time)?",
        rf"why {REF} (?:failed|is failing|keeps failing|broke|crashed)",
        rf"what(?: went|'s| is| was) wrong with {REF}",
        rf"what happened (?:to|with) {REF}(?: {PERIOD})?",
        rf"explain (?:the |why )?(?:failure|error)s? (?:of|in|for|from) {REF}",
        rf"explain why {REF} failed",
        rf"(?:show|give|tell) (?:me )?(?:the |why )?(?:last )?(?:error|failure|reason) (?:of|for|from|in) {REF}",
        rf"{REF} failed,? why",
        rf"reason {REF} failed",
        rf"how come {REF} failed",
    )),
    ("runs", _rx(
        rf"(?:show|list|get|display|see)? ?(?:me )?(?:the )?(?:last|recent|latest|previous)? ?(?:\d+ |few )?"
        rf"(?:runs|run history|history|executions) (?:of|for|from) {REF}",
        rf"(?:last|recent|latest) runs? (?:of|for) {REF}",
        rf"(?:when|how) did {REF} (?:last )?(?:run|do|go)(?: last time| {PERIOD})?",
        rf"did {REF} run(?: {PERIOD})?",
        rf"(?:show |list )?(?:me )?{REF}'s? (?:runs|history|last runs)",
        rf"(?:show |list )?(?:me )?{REF} (?:runs|history|run history)",
        rf"how is {REF} doing",
    )),
    ("list", _rx(
        r"(?:list|show|display|see|view|give me|get)?\s*(?:me )?(?:all )?(?:of )?(?:my|the|our|all)?\s*"
        r"(?:(?P<status>active|paused|pending) )?(?:tasks|reminders|jobs|schedules|scheduled tasks|crons?)",
        r"what (?:are|is|'re) (?:my|the|our) (?:tasks|reminders|jobs|schedules)",
        r"what(?:'s| is| do i have| have i got| have we got)(?: got)? (?:scheduled|planned|set up|running|on)",
        r"what (?:tasks|reminders|jobs) do (?:i|we) have",
        r"ls|tasks\?|which (?:tasks|reminders) (?:do i have|are there)",
    )),
    ("approve", _rx(rf"approve {REF}", rf"(?:give |grant )?approval (?:for|of|to) {REF}", rf"ok {REF} to run")),
    ("delete", _rx(
        rf"(?:delete|remove|cancel|drop|erase|trash|scrap|kill|destroy) {REF}(?: for good| permanently| forever)?",
        rf"get rid of {REF}", rf"forget (?:about )?{REF}",
        rf"stop reminding (?:me|us) (?:to |about |of )?{REF}",
        rf"i don't need {REF} anymore", rf"{REF} is no longer needed",
    )),
    ("pause", _rx(
        rf"(?:pause|suspend|hold|mute|disable|deactivate|freeze) {REF}(?: for now| for a while| temporarily| until further notice)?",
        rf"put {REF} on (?:hold|pause|ice)",
        rf"stop {REF} (?:for now|for a while|temporarily)",
        rf"stop (?:running )?{REF}",
    )),
    ("resume", _rx(
        rf"(?:resume|unpause|un-pause|continue|reactivate|re-enable|enable|unmute|unfreeze) {REF}(?: again)?",
        rf"turn {REF} back on", rf"start {REF} again", rf"restart {REF}", rf"bring {REF} back",
    )),
    ("run_now", _rx(
        rf"(?:run|trigger|fire|kick off|start|execute|launch|invoke) {REF}(?: now| right now| immediately| asap| once| manually| one time)",
        rf"(?:run|trigger|fire|kick off|execute|launch) {REF}",
    )),
    ("describe", _rx(
        rf"(?:describe|show|details of|details for|tell me about|what is|what's|info on|info about) (?:task )?{REF}",
        rf"when (?:is|does) {REF} (?:run|fire|due|next)(?: next)?",
    )),
]


def classify(text: str) -> Intent | None:
    """The intent of an everyday request, or None (maybe a schedule, or something for a model)."""
    norm = normalize(text)
    if not norm:
        return None
    for kind, patterns in _RULES:
        for pattern in patterns:
            match = pattern.match(norm)
            if match is None:
                continue
            groups = match.groupdict()
            ref = (groups.get("ref") or "").strip(" ,") or None
            if kind == "runs" and ref in ("my", "the", "all", "recent", "last"):
                continue
            return Intent(kind, ref=ref, period=groups.get("period"), status=groups.get("status"))
    return None
