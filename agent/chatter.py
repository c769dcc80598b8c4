"""The chat around a request, taken off before it is understood: greetings, polite wrapping,
thanks, emoji and stray punctuation ("hey can u remind me … thanks! 🙏" → "remind me …").

Also the pieces of a request that must never be read as a schedule: URLs, paths and script
names ("./nightly-sync.sh"), quoted or back-ticked text, a SQL statement, and schedule words
used as adjectives of content ("the weekly summary"). ``protect`` hides them behind quoted
placeholders the time-phrase parser leaves alone; ``Protected.restore`` puts them back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0f\u200d\u20e3\U000e0020-\U000e007f]+"
)
_EMOTICON = re.compile(r"(?:^|\s)(?:[:;=8][-']?[)(\]\[dpo/\\|*]|<3|\^\^|xd)(?=\s|$)", re.IGNORECASE)
_GREETING = re.compile(
    r"^(?:(?:he+y+a?|hi+|hiya|hel+o+|hallo|howdy|oi|sup|yo+|ok|okay|k|so|um+|uh+|well|alright|right|oh|ah|"
    r"good (?:morning|afternoon|evening)|morning|there|buddy|mate|pal|team|cronpilot|bot|@cronpilot|"
    r"quick question|question|one more thing|also|and|btw|hm+|ugh+|omg|argh|actually|wait|now|then|"
    r"thx|thanks|thank you|ty|cheers|great|cool|perfect|nice|alright then)\b[\s,!.:;-]*)+",
    re.IGNORECASE,
)
_POLITE = re.compile(
    r"^(?:(?:can|could|would|will)\s+(?:you|u|ya)\s+(?:please\s+|pls\s+|plz\s+|kindly\s+|maybe\s+|just\s+)?"
    r"|would\s+you\s+mind\s+|would\s+it\s+be\s+possible\s+to\s+|is\s+it\s+possible\s+to\s+"
    r"|i\s+(?:want|need|would\s+like|'d\s+like|wanna)\s+(?:you|u)\s+to\s+|(?:i\s+)?need\s+you\s+to\s+"
    r"|(?:please|pls|plz|kindly|just)\s+|go\s+ahead\s+and\s+)+",
    re.IGNORECASE,
)
_TAIL = re.compile(
    r"(?:[\s,;.!-]+(?:please|pls|plz|thanks|thank\s+you(?:\s+so\s+much)?|thx|ty|tia|cheers|"
    r"for\s+me|if\s+you\s+can|if\s+possible|when\s+you\s+can|ok|okay|k|mate|buddy|pal|lol|"
    r"thanks\s+a\s+lot|much\s+appreciated|appreciate\s+it|ta)\b)+[\s.!?]*$",
    re.IGNORECASE,
)
_EDGE_PUNCT = re.compile(r"^[\s,;:.!\-–—…]+|[\s,;:\-–—…!.]+$")
_QUESTION_START = re.compile(
    r"^(?:what|what's|whats|which|who|whom|whose|why|when|where|how|how's|hows|is|are|was|were|"
    r"did|didn't|does|doesn't|do(?=\s+(?:i|we|you|they|my|our|any|all|the\s+\w+\s+(?:run|fail)))|has|hasn't|"
    r"have(?=\s+(?:i|we|you|they|my|our|any|all|the))|haven't|had|will|won't|would|should|"
    r"shall|may|might|isn't|aren't|wasn't|any|anything|anyone|was there|were there|can|could)\b",
    re.IGNORECASE,
)
_POLITE_REQUEST = re.compile(
    r"^(?:can|could|would|will)\s+(?:you|u|ya)\b|^would\s+you\s+mind\b|^(?:can|could|may)\s+i\s+"
    r"(?:get|have|set|add|create|schedule)\b|^is\s+it\s+possible\s+to\b|^would\s+it\s+be\s+possible\b",
    re.IGNORECASE,
)


_SLASH = re.compile(r"^/(?:remind|reminder|cronpilot|cp|task|schedule)\b\s*", re.IGNORECASE)
# Chat shorthand, whole words only: what people type on phones.
_SHORTHAND = {
    "tmrw": "tomorrow", "tmr": "tomorrow", "tmrow": "tomorrow", "tomoz": "tomorrow", "2moro": "tomorrow",
    "2morrow": "tomorrow", "tomorow": "tomorrow", "tommorow": "tomorrow", "abt": "about", "wknd": "weekend",
    "wkend": "weekend", "hrs": "hours", "hr": "hour", "mins": "minutes", "u": "you", "ur": "your",
    "pls": "please", "plz": "please", "thx": "thanks", "b4": "before", "w/": "with", "eod": "end of the day",
    "asap": "now", "tonite": "tonight", "nite": "night", "mon-fri": "Monday to Friday", "wk": "week",
    "mo": "month", "yday": "yesterday", "ystd": "yesterday", "msg": "message", "rn": "now",
}
_SHORTHAND_RX = re.compile(r"(?<![\w/.@-])(" + "|".join(re.escape(k) for k in _SHORTHAND) + r")(?![\w/@-])", re.IGNORECASE)
_PREAMBLE = re.compile(r"^.{0,120}?(?:\.\.\.|…|[.!?:;—–-])\s+(?=(?:please\s+|pls\s+|can you\s+|could you\s+)?"
                       r"(?:remind|ping|nudge|set (?:up )?a reminder|don't let me forget|every|pause|resume|delete)\b)",
                       re.IGNORECASE)


def tidy(text: str) -> str:
    """``text`` without greetings, polite wrapping, thanks, emoji and edge punctuation; the
    person's own words (and case) in between are kept."""
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    text = _EMOJI.sub(" ", text)
    text = _EMOTICON.sub(" ", text)
    text = " ".join(text.split())
    text = _SLASH.sub("remind ", text) if re.match(r"(?i)^/remind", text) else _SLASH.sub("", text)
    text = _SHORTHAND_RX.sub(lambda m: _SHORTHAND[m.group(1).lower()], text)
    text = _PREAMBLE.sub("", text, count=1)
    previous = None
    while previous != text:
        previous = text
        text = _EDGE_PUNCT.sub("", text)
        text = _GREETING.sub("", text, count=1)
        text = _POLITE.sub("", text, count=1)
        text = _TAIL.sub("", text)
    return text.strip()


_DASHBOARD = re.compile(
    r"^(?:(?:open|show|give|send|get|share|link)(?:\s+me)?\s+(?:(?:the|my|a)\s+)?(?:link\s+to\s+(?:the\s+)?)?)?"
    r"(?:web\s+)?dashboard(?:\s+link)?$|^sign\s+me\s+in(?:\s+to\s+the\s+(?:web\s+)?dashboard)?$",
    re.IGNORECASE)


def is_dashboard_request(raw: str) -> bool:
    """"/cronpilot dashboard", "open the dashboard", "send me the dashboard link": a request for
    one's own sign-in link, answered without the assistant (a question about dashboards is not)."""
    return bool(_DASHBOARD.match(tidy(raw)))


_IMPERATIVE = re.compile(
    r"^(?:remind|ping|nudge|notify|alert|set|create|add|schedule|make|run|execute|launch|check|monitor|"
    r"email|mail|send|fetch|hit|call|pause|resume|stop|start|delete|remove|cancel|move|reschedule|rename|"
    r"change|kick|trigger|show|list|give|find|search|grep|explain|tell me (?:about|why|what|when|how))\b",
    re.IGNORECASE)
_CONDITIONAL = re.compile(r"^(?:when(?:ever)?|if|as soon as|once|after|each time|every time)\b(?!\s+(?:is|are|was|were|"
                          r"does|do|did|will|would|should|can|could|has|have)\b)", re.IGNORECASE)


def is_question(raw: str) -> bool:
    """A question ("will it snow tomorrow?", "what failed"), not a polite request ("can you
    remind me…?", "remind me at 3pm, ok?") or a conditional one ("when a file lands in /in run
    ./import.sh")."""
    text = " ".join(_EMOJI.sub(" ", raw).split())
    text = _GREETING.sub("", text, count=1).strip()
    if _POLITE_REQUEST.match(text):
        return False
    tidied = tidy(text)
    if _IMPERATIVE.match(tidied):
        return False
    if _CONDITIONAL.match(tidied) and not text.rstrip().endswith("?"):
        return False
    return text.rstrip().endswith("?") or _QUESTION_START.match(tidied) is not None


# --- content the time-phrase parser must not read -------------------------------------------

_URL = re.compile(r"https?://[^\s'\"`<>]+", re.IGNORECASE)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_PATHLIKE = re.compile(
    r"(?<![\w@])(?:~|\.{1,2})?/[\w./~*-]+|\b[\w-]+(?:\.[\w-]+)*\.(?:sh|py|pl|rb|js|ts|sql|csv|json|"
    r"ya?ml|txt|log|php|bash)\b|\b(?=[\w-]*[a-zA-Z])\w+(?:-\w+)+\b"
)
_SCHEDULE_COMPOUNDS = frozenset({"bi-weekly", "bi-monthly", "semi-annually", "semi-monthly", "week-end",
                                 "mid-month", "mid-day", "mid-week", "half-hour", "twice-weekly",
                                 "every-other", "end-of-month", "start-of-month"})
_SQL = re.compile(
    r"\b(select\s+.+?\bfrom\b.+|select\s+(?:\d|count|now|current_|true|false).*|with\s+\w+\s+as\s*\(.+"
    r"|delete\s+from\s.+|update\s+\w+\s+set\s.+|insert\s+into\s.+)$",
    re.IGNORECASE | re.DOTALL,
)
_SQL_END = re.compile(
    r"\s+(?:(?:on|in|against|using)\s+(?:the\s+)?[\w.-]+(?:\s+(?:db|database))?\b"
    r"|(?:every|each|daily|nightly|hourly|weekly|monthly|tomorrow|tonight|at\s+\d)\b)",
    re.IGNORECASE,
)
_TIME_ADJECTIVE = re.compile(
    r"\b(?P<det>the|my|our|your|a|an|this|that|his|her|their|its|about|of|with)\s+(?P<adj>daily|weekly|monthly|nightly|hourly|"
    r"yearly|annual|quarterly|biweekly|morning|evening|afternoon|night|weekend|friday|monday|tuesday|"
    r"wednesday|thursday|saturday|sunday)\s+(?P<noun>(?!reminders?\b|alarms?\b|nudges?\b|pings?\b|at\b|on\b|"
    r"in\b|to\b|every\b|for\b|and\b|or\b|please\b|morning\b|afternoon\b|evening\b|night\b|noon\b|"
    r"midnight\b|week\b|month\b|day\b|until\b|till\b|from\b|starting\b|then\b)[a-z][\w-]*)",
    re.IGNORECASE,
)


_PLACEHOLDER = re.compile(r"`k\d+`")
# A capitalized name after "to", "with", "for"… is a person ("reply to Sam"), never a day in
# another language's shorthand; English day and month names stay readable.
_NAME = re.compile(r"\b(?P<lead>to|with|for|from|and|call|email|text|ask|tell|remind)\s(?!(?:Monday|Tuesday|Wednesday|Thursday|"
                   r"Friday|Saturday|Sunday|Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun|January|February|March|"
                   r"April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|"
                   r"Sep|Sept|Oct|Nov|Dec|Christmas|Easter|I|Noon|Midnight)\b)(?P<name>[A-Z][a-z]{1,14})\b")


def _keep_path(word: str) -> bool:
    return re.fullmatch(r"k\d+", word) is not None or word.lower() in _SCHEDULE_COMPOUNDS


@dataclass
class Protected:
    """A request with its literal pieces replaced by `kN` placeholders."""

    text: str
    pieces: list[str] = field(default_factory=list)

    def restore(self, text: str) -> str:
        for index, piece in enumerate(self.pieces):
            text = text.replace(f"`k{index}`", piece)
        return text

    @property
    def adjectives_only(self) -> bool:
        return bool(self.pieces) and all(_TIME_ADJECTIVE.fullmatch(p) for p in self.pieces)


def protect(text: str, *, sql: bool = True, adjectives: bool = True) -> Protected:
    """Hide URLs, email addresses, paths, SQL and adjective uses of schedule words."""
    result = Protected(text)

    def hide_text(text: str) -> str:
        result.pieces.append(text)
        return f"`k{len(result.pieces) - 1}`"

    def hide(match: re.Match[str]) -> str:
        return hide_text(match.group(0))

    out = _URL.sub(hide, text)
    out = _EMAIL.sub(hide, out)
    out = re.sub(r"`[^`]+`|\"[^\"]+\"", lambda m: m.group(0) if _PLACEHOLDER.fullmatch(m.group(0)) else hide(m), out)
    if sql:
        found = _SQL.search(out)
        if found:
            statement = found.group(1)
            end = _SQL_END.search(statement)
            if end:
                statement = statement[: end.start()]
            start = found.start(1)
            result.pieces.append(result.restore(statement.strip()))
            out = out[:start] + f"`k{len(result.pieces) - 1}`" + out[start + len(statement):]
    out = _PATHLIKE.sub(lambda m: m.group(0) if _keep_path(m.group(0)) else hide(m), out)
    out = _NAME.sub(lambda m: f"{m['lead']} {hide_text(m['name'])}", out)
    if adjectives:
        out = _TIME_ADJECTIVE.sub(hide, out)
    result.text = out
    return result
