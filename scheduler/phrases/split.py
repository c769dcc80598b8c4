"""Splitting a whole request into what to do and when: "remind me every Monday at 9 to send the
report" -> ("send the report", every Monday at 09:00).

The "when" is what the scanner consumed; the "what" is the rest, cut verbatim from the text,
without request wording ("can you remind me to", "remind @jessica about"). Quoted text is always
part of the "what", never read as a schedule.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from scheduler.errors import InvalidRequest

from . import languages
from .assemble import build
from .languages.describe import localize
from .scan import Scan, scan
from .schedule import Schedule
from .tokens import tokenize_plain

_LEAD = re.compile(
    r"^(?:(?:hey|ok|okay|please|pls|so)[\s,]+)*"
    r"(?:(?:can|could|would|will)\s+you\s+(?:please\s+)?)?"
    r"(?:(?:i\s+(?:want|need)\s+you\s+to|i'd\s+like\s+you\s+to)\s+)?"
    r"(?:(?:please\s+)?(?:remind|ping|tell|notify|alert|message|nudge)\s+"
    r"(?:me|us|everyone|everybody|the\s+team|[@#~][\w.-]+)?\s*(?:to|that|about|of|:)?\s+"
    r"|(?:set|create|add|make|schedule)\s+(?:me\s+)?(?:a\s+|an\s+)?(?:reminder|task|job|alarm)?\s*"
    r"(?:for\s+me\s+)?(?:to|that|:)?\s+"
    r"|(?:don't\s+let\s+me\s+forget|don't\s+forget|remember|i\s+(?:need|have|want)\s+)\s*(?:to\s+)?)?",
    re.IGNORECASE,
)
_EDGE = re.compile(r"^[\s,:;.\-–—!?]+|[\s,:;\-–—]+$")
_DANGLING_HEAD = re.compile(r"^(?:to|and|then|at|on|in|for|by)\s+", re.IGNORECASE)
_DANGLING_TAIL = re.compile(r"\s+(?:at|on|in|for|by|and|then|please|pls)$", re.IGNORECASE)
_TAIL_PLEASE = re.compile(r"[\s,]*please[.!]?$", re.IGNORECASE)


def _runs(sc: Scan) -> list[str]:
    runs: list[str] = []
    start = prev = None
    for i in sorted(sc.content):
        if prev is not None and i == prev + 1:
            prev = i
            continue
        if start is not None and prev is not None:
            runs.append(sc.text[sc.tokens[start].start : sc.tokens[prev].end])
        start = prev = i
    if start is not None and prev is not None:
        runs.append(sc.text[sc.tokens[start].start : sc.tokens[prev].end])
    return runs


def what_of(sc: Scan) -> str:
    """The message part of a scanned request."""
    text = " ".join(r.strip() for r in _runs(sc) if r.strip())
    previous = None
    while previous != text:
        previous = text
        text = _EDGE.sub("", text)
        text = _TAIL_PLEASE.sub("", text)
        text = (
            _LEAD.sub("", text, count=1) if (m := _LEAD.match(text)) and m.end() else text
        )
        text = _DANGLING_HEAD.sub("", text)
        text = _DANGLING_TAIL.sub("", text)
    quotes = [sc.tokens[i].text for i in sc.content if sc.tokens[i].kind == "quote"]
    if len(quotes) == 1 and text.strip() == quotes[0].strip():
        text = quotes[0][1:-1].strip()
    return text.strip()


def split_request(text: str, zone: ZoneInfo, now: datetime,
                  locale: str | None = None) -> tuple[str, Schedule] | None:  # fmt: skip
    candidates = languages.detect(tokenize_plain(text), locale)
    lang = candidates[0] if candidates else None
    sc = scan(text, lang)
    if not [p for p in sc.pieces if p.kind not in ("zone", "now")] and not sc.strays:
        return None
    try:
        schedule = build(sc, zone, now)
    except InvalidRequest:
        if sc.strays or any(p.kind not in ("zone", "now") for p in sc.pieces):
            raise
        return None
    if lang is not None:
        schedule = localize(schedule, lang)
    return what_of(sc), schedule
