"""Reading a request to create something: what to do (a reminder, a command, an http check, a
SQL query, an email, an AI task or template), when (a time phrase through the deterministic
parser, or a reaction: file, URL up, condition, NOTIFY, event, another task's outcome) and where
results go ("… by email").

``read_request`` returns a ``Draft``. A draft may miss a piece ("remind me to call mom" has no
time, "remind me every monday" no message, "email me the report" no address): ``Draft.missing``
names it and the dialogue asks for it instead of guessing.
"""

from __future__ import annotations

import re
import shlex
import shutil
from dataclasses import dataclass, field
from typing import Any

from scheduler.errors import InvalidRequest
from scheduler.phrases import Schedule, languages, split_request

from .chatter import Protected, protect, tidy
from .reactions import Reactions, take_reactions

_REMIND = re.compile(r"\b(?:remind|reminder|reminders|ping me|nudge me|alert me|notify me|(?:tell|message|text) me "
                     r"(?:to|that|about|when|if)\b|let me know|"
                     r"don't let me forget|dont let me forget|make sure i|wake me|alarm)\b", re.IGNORECASE)
# Cues that ask for a reminder and nothing else; the softer ones ("tell me if", "let me know")
# also come with checks ("check https://… and tell me if it's down"), where the check wins.
_REMIND_STRONG = re.compile(r"\b(?:remind|reminder|reminders|don't let me forget|dont let me forget|nudge me|"
                            r"wake me|alarm|make sure i)\b", re.IGNORECASE)
_SCHEDULING = re.compile(
    r"\b(?:remind|reminder|every|each|schedule|scheduled|daily|weekly|monthly|hourly|nightly|tomorrow|tonight|"
    r"at \d|in \d+|on (?:mon|tue|wed|thu|fri|sat|sun)|recurring|repeat)", re.IGNORECASE)
_EMAIL_ACTION = re.compile(r"\b(?:e-?mail|mail)\s+(?:(?:me|us|it|them)\b|`k\d+`)|\bsend\s+(?:me\s+|us\s+)?(?:an?\s+)?e-?mail\b"
                           r"|\bsend\b.*\bto\s+`k\d+`", re.IGNORECASE)
_BY_EMAIL = re.compile(r",?\s*\b(?:by|via|over|through|per|as an?)\s+e-?mail(?:\s+(?:at|to)\s+`k\d+`)?|\s*\bto\s+my\s+(?:e-?mail|inbox)\b"
                       r"|\s*\b(?:in|to)\s+my\s+inbox\b", re.IGNORECASE)
_ADDRESS = re.compile(r"^[\w.+-]+@[\w-]+(?:\.[\w-]+)+$")
_CHECK_VERB = re.compile(r"\b(?:check|fetch|ping|get|call|hit|poll|monitor|curl|request|load|open|visit|watch|"
                         r"make sure|ensure|verify|test|see if|is up|is down|is alive|is reachable|responds?|health)\b"
                         r"|\bpost\b", re.IGNORECASE)
_SHELL = re.compile(r"^(?:run|execute|exec|launch|start|call|invoke|schedule|trigger)\s+(?:the\s+)?(?:command\s+|script\s+|shell\s+)?(?P<cmd>.+)$",
                    re.IGNORECASE)
_AI = re.compile(r"^(?:summari[sz]e|analy[sz]e|classify|triage|draft|write|translate|digest|prepare|generate|compose|"
                 r"review|research|answer|reply|give me (?:a |an )?(?:summary|digest|report|overview|briefing|recap)|"
                 r"send me (?:a |an )?(?:summary|digest|report|overview|briefing|recap)|make (?:a |an )?(?:summary|digest|report)|"
                 r"create (?:a |an )?(?:summary|digest|report)|put together|compile|brief me)\b", re.IGNORECASE)
_LEAD = re.compile(
    r"^(?:(?:i\s+)?(?:(?:am\s+|'m\s+)?gonna\s+|going\s+to\s+|will\s+|'ll\s+)?(?:need|want|would like|'d like|could use)\s+"
    r"(?:a\s+|an\s+)?(?:\w+\s+)?reminder\s+(?:to|that|about|for|of|:)?\s*"
    r"|(?:set\s+up|setup|set|create|add|make|schedule|put\s+in)\s+(?:me\s+)?(?:a\s+|an\s+)?(?:new\s+)?(?:recurring\s+)?"
    r"(?:reminder|task|job|alarm|nudge|cron(?:\s*job)?)\s*(?:for\s+me\s+)?(?:to|that|about|for|of|:)?\s*"
    r"|(?:i\s+)?(?:need|have|got|gotta|want)\s+to\s+remember\s+(?:to\s+)?|remember\s+to\s+"
    r"|(?:a\s+)?reminder\s*(?:to|that|about|for|of|:)\s*|reminder\s+"
    r"|(?:remind|ping|nudge|tell|notify|alert)\s+(?:me|us|everyone|everybody|the\s+team|[@#][\w.-]+)\s*(?:to|that|about|of|:)?\s*"
    r"|(?:please\s+)?(?:don't|dont|do not)\s+let\s+me\s+forget\s+(?:to\s+|about\s+)?|make\s+sure\s+i\s+"
    r"|(?:e-?mail|mail)\s+(?:me|us|it|`k\d+`)\s*(?:about|with|re:?|:)?\s*|send\s+(?:me\s+|us\s+)?(?:an?\s+)?e-?mail\s*(?:about|with|:)?\s*"
    r"|to\s+(?=\w)|(?:please|pls|just)\s+)",
    re.IGNORECASE,
)
_TRAIL = re.compile(r"[\s,;:.!?-]+$|\s+(?:please|pls|thanks|for me|ok)$", re.IGNORECASE)
_DB = re.compile(r"\b(?:on|in|against|using|from)\s+(?:the\s+)?(?P<db>[\w.-]+)(?:\s+(?:db|database))\b"
                 r"|\b(?:on|in|against|using)\s+(?:the\s+)?(?:db|database)\s+(?P<db2>[\w.-]+)"
                 r"|\b(?:on|against|using)\s+(?:the\s+)?(?P<db3>[a-z][\w.-]*)\s*$", re.IGNORECASE)


@dataclass
class Draft:
    """A request read so far. ``missing`` is what to ask for: 'when', 'what', 'address' or
    'database' (None: complete)."""

    action: dict[str, Any] | None
    schedule: Schedule | None
    reactions: Reactions = field(default_factory=Reactions)
    deliver_to: dict[str, str] | None = None
    missing: str | None = None
    subject: str = ""  # the person's words for what is to be done ("call mom")
    ai: bool = False

    @property
    def has_trigger(self) -> bool:
        return self.schedule is not None or bool(self.reactions.triggers)


def looks_like_request(text: str) -> bool:
    return _SCHEDULING.search(text) is not None or _REMIND.search(text) is not None


def read_request(
    text: str, *, zone: str, now: Any, task_ids: dict[str, int], databases: tuple[str, ...],
    locale: str | None = None,
) -> Draft | None:
    """The draft a request makes, or None when the text asks for nothing to be created. Raises
    ``InvalidRequest`` (``AmbiguousPhrase`` included) for a time phrase the parser refuses."""
    tidied = tidy(text)
    protected = protect(tidied)
    rest, reactions = take_reactions(protected, task_ids=task_ids)
    by_email = _BY_EMAIL.search(rest) is not None
    rest = _BY_EMAIL.sub("", rest)
    what, schedule = _split(rest, protected, zone=zone, now=now, locale=locale)
    reminder = _REMIND.search(tidied) is not None
    what, reminded = _cut_remind_lead(what, schedule)
    reminder = reminder or reminded
    if schedule is None and not reactions.triggers:
        if not reminder or re.search(r"\b(?:reminders|remind(?:ers)? (?:list|me what))\b", tidied, re.I):
            return None
        what = protected.restore(rest)
    draft = _action(what, protected, reminder=reminder, databases=databases)
    draft.schedule, draft.reactions = schedule, reactions
    if draft.missing == "what" and reactions.default_message:
        draft.action, draft.missing = {"kind": "reminder", "message": reactions.default_message}, None
    if by_email and draft.action is not None and draft.action.get("kind") != "email":
        addresses = [p for p in protected.pieces if _ADDRESS.match(p)]
        draft.deliver_to = {"platform": "email", "address": addresses[0]} if addresses else None
        if not addresses:
            draft.missing = draft.missing or "address"
    if draft.missing is None and not draft.has_trigger:
        draft.missing = "when"
    return draft


def _split(
    rest: str, protected: Protected, *, zone: str, now: Any, locale: str | None = None
) -> tuple[str, Schedule | None]:
    try:
        parsed = split_request(rest, zone=zone, now=now, locale=locale)
    except InvalidRequest:
        if _SCHEDULING.search(protected.restore(rest)) is None:
            return protected.restore(rest), None
        raise
    if parsed is not None:
        what = parsed[0].strip()
        if re.fullmatch(r"k\d+", what):  # the parser unquotes a "what" that is one quoted piece
            what = f"`{what}`"
        return protected.restore(what), parsed[1]
    # Schedule words used as adjectives ("the weekly report") are the only schedule there is:
    # read them as the schedule, but keep them in the text.
    plain = protected.restore(rest)
    adjectives = protect(plain, adjectives=False)
    if adjectives.text != protected.text or protected.pieces:
        try:
            again = split_request(adjectives.text, zone=zone, now=now, locale=locale)
        except InvalidRequest:
            again = None
        if again is not None and any(p for p in protected.pieces if p not in adjectives.pieces):
            return plain, again[1]
    return plain, None


def _cut_remind_lead(what: str, schedule: Schedule | None) -> tuple[str, bool]:
    """``what`` without the schedule language's "remind me" ("erinnere mich an", "recuérdame"),
    and whether there was one; English leads are cut by ``clean_subject``."""
    lang = languages.get(schedule.lang) if schedule is not None else None
    if lang is None or lang.remind_lead is None:
        return what, False
    cut = lang.remind_lead.sub("", what.strip(), count=1)
    return cut, cut != what.strip()


def clean_subject(text: str) -> str:
    previous = None
    text = text.strip()
    while previous != text:
        previous = text
        text = _LEAD.sub("", text, count=1).strip()
        text = _TRAIL.sub("", text).strip()
        text = re.sub(r"^(?:to|that|about|of|and|then|:)\s+", "", text, flags=re.IGNORECASE).strip()
    if re.fullmatch(r"(?i)(?:remind|ping|nudge|tell|notify|alert)\s+(?:me|us)|me|us|it|something|a reminder|reminder", text):
        return ""
    return text.strip(" \"'")


def _action(what: str, protected: Protected, *, reminder: bool, databases: tuple[str, ...]) -> Draft:
    subject = clean_subject(what)
    email = _EMAIL_ACTION.search(protected.text) is not None
    url = next((p for p in protected.pieces if p.lower().startswith(("http://", "https://"))), None)
    strong = _REMIND_STRONG.search(protected.restore(protected.text)) is not None
    checking = url is not None and _CHECK_VERB.match(what.strip()) is not None
    if reminder and (strong or not (email or checking)):
        return Draft({"kind": "reminder", "message": subject} if subject else None, None,
                     missing=None if subject else "what", subject=subject)
    if email:
        return _email(what, subject, protected)
    sql = next((p.strip("`'\"") for p in protected.pieces
                if re.match(r"(?i)(select|with|insert|update|delete)\s", p.strip("`'\""))), None)
    if url and (_CHECK_VERB.search(what) or subject.strip() == url):
        method = "POST" if re.search(r"(?i)\bpost\b", what) else "GET"
        return Draft({"kind": "http", "url": url.rstrip(".,;)"), "method": method}, None, subject=subject)
    if sql:
        return _sql(what, sql, databases)
    shell = _shell(what)
    if shell is not None:
        return Draft({"kind": "shell", "argv": shell}, None, subject=" ".join(shell))
    if _AI.match(subject) or _AI.match(what.strip()):
        return _ai(subject or what, protected)
    if not subject:
        return Draft(None, None, missing="what")
    return Draft({"kind": "reminder", "message": subject}, None, subject=subject)


def _email(what: str, subject: str, protected: Protected) -> Draft:
    addresses = [p for p in protected.pieces if _ADDRESS.match(p)]
    for address in addresses:
        subject = re.sub(rf"\s*\b(?:to\s+)?{re.escape(address)}\b", "", subject).strip()
    subject = re.sub(r"^(?:send\s+)?(?:me\s+)?", "", subject, flags=re.IGNORECASE).strip() or "cronpilot"
    title = subject[:1].upper() + subject[1:]
    action = {"kind": "email", "to": addresses, "subject": title[:300], "body": title}
    return Draft(action, None, missing=None if addresses else "address", subject=subject)


def _sql(what: str, statement: str, databases: tuple[str, ...]) -> Draft:
    match = _DB.search(what)
    named = (match["db"] or match["db2"] or match["db3"]) if match else None
    if named is None:
        named = next((db for db in databases if re.search(rf"\b{re.escape(db)}\b", what, re.I)), None)
    if named is None and len(databases) == 1:
        named = databases[0]
    action = {"kind": "sql", "database": named or "", "statement": statement.rstrip(";").strip()}
    return Draft(action, None, missing=None if named else "database", subject=statement)


def _shell(what: str) -> list[str] | None:
    text = what.strip()
    match = _SHELL.match(text)
    candidate = match["cmd"] if match else text
    argv = _command(candidate, explicit=match is not None)
    return argv


def _command(text: str, *, explicit: bool) -> list[str] | None:
    """argv when the words are clearly a command: quoted, a path, a script, or (after "run") a
    program on PATH."""
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
    if quoted or first.startswith(("/", "./", "~/", "../")) or first.endswith((".sh", ".py", ".pl", ".rb")):
        return argv
    if explicit and shutil.which(first) and not re.fullmatch(r"(?i)the|a|my|this|that|it", first):
        return argv
    return None


_TEMPLATES = (
    (re.compile(r"(?i)\bweekly\b.*\breport\b|\breport\b.*\b(?:week|weekly)\b"), "weekly_report"),
    (re.compile(r"(?i)\bdigest\b"), "digest"),
    (re.compile(r"(?i)\btriage\b.*\btickets?\b|\btickets?\b.*\btriage\b|\bclassify\b.*\btickets?\b"), "ticket_triage"),
    (re.compile(r"(?i)\bsummar(?:y|ize|ise)\b.*\b(?:chat|messages|conversation|channel|day's messages)\b"), "daily_summary"),
)


def _ai(prompt: str, protected: Protected) -> Draft:
    prompt = protected.restore(prompt).strip()
    action: dict[str, Any] = {"kind": "ai", "prompt": prompt[:1]. upper() + prompt[1:]}
    for pattern, template in _TEMPLATES:
        if pattern.search(prompt):
            action["template"] = template
            url = next((p for p in protected.pieces if p.lower().startswith(("http://", "https://"))), None)
            if template == "digest" and url:
                action["inputs"] = {"url": url}
            break
    return Draft(action, None, subject=prompt, ai=True)
