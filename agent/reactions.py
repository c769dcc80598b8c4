"""Triggers that are not times, said in words: a file landing in a folder, a URL coming back
up, a command or query turning true, a PostgreSQL NOTIFY, a named event, another task's outcome.

``take_reactions`` finds such a clause in a (protected) request, returns the trigger data and
the request without the clause, so what is left is read for the action and any time schedule.
The trigger data is validated by the service like a trigger from the CLI or the API.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from .chatter import Protected

_WHEN = r"(?:when(?:ever)?|each time|every time|any time|as soon as|once|if|after|on)"
_FILE = re.compile(
    rf"\b{_WHEN}\s+(?:a|an|any|the|some)?\s*(?:new\s+)?(?P<kind>[\w.*-]+\s+)?(?:files?|uploads?|documents?|exports?|dumps?)?\s*"
    r"(?:(?:is|are|gets?|get)\s+)?(?P<verb>lands?|appears?|arrives?|shows?\s+up|comes?\s+in|(?:is\s+|are\s+|gets?\s+)?"
    r"(?:added|created|dropped|uploaded|saved|modified|changed|written|updated|put|placed))\s+(?:in(?:to)?|to|under|at|inside)\s+"
    r"(?:the\s+)?(?:folder\s+|directory\s+|dir\s+)?(?P<dir>`k\d+`|[\w~./-]+/[\w~./-]*)(?:\s+(?:folder|directory|dir))?"
    r"(?:\s+(?:matching|named|called|like)\s+(?P<glob>\S+))?",
    re.IGNORECASE,
)
_URL_UP = re.compile(
    rf"\b{_WHEN}\s+(?:the\s+)?(?:site\s+|page\s+|url\s+|endpoint\s+|api\s+)?(?P<url>`k\d+`)\s+"
    r"(?:is|comes?|goes?|gets?|becomes?)\s+(?:back\s+)?(?:up|online|reachable|available|responding|ok|healthy|green|live)\b",
    re.IGNORECASE,
)
_CHECK_TRUE = re.compile(
    rf"\b{_WHEN}\s+(?:the\s+)?(?:command\s+|check\s+|query\s+|script\s+)?(?P<check>`k\d+`)(?:\s+on\s+(?:the\s+)?(?P<db>[\w.-]+)(?:\s+(?:db|database))?)?\s+"
    r"(?:succeeds|passes|returns\s+true|is\s+true|exits\s+(?:with\s+)?0|works|returns\s+(?:a\s+)?rows?|finds\s+something|turns\s+true)\b",
    re.IGNORECASE,
)
_PG = re.compile(
    r"\b(?:(?:when(?:ever)?|each time|every time|on)\s+(?:postgres(?:ql)?|pg|the\s+(?:db|database))\s+"
    r"(?:notifies|sends\s+(?:a\s+)?notif(?:y|ication)|signals|notify)\s+(?:on\s+)?(?:the\s+)?(?:channel\s+)?"
    r"|on\s+(?:pg|postgres(?:ql)?)(?:_notify)?\s+(?:channel\s+)?|on\s+(?:the\s+)?(?:pg\s+|postgres\s+|notify\s+)channel\s+)"
    r"['\"`]?(?P<channel>[a-z_][a-z0-9_]{0,62})['\"`]?",
    re.IGNORECASE,
)
_ROWS = re.compile(
    rf"\b{_WHEN}\s+(?:a|an|any)?\s*(?:new\s+)?(?:rows?|records?|entr(?:y|ies))\s+(?:is\s+|are\s+|gets?\s+)?"
    r"(?:inserted|added|created|written|lands?|appears?|arrives?)\s+(?:in(?:to)?|to)\s+(?:the\s+)?"
    r"(?P<table>[a-z_][a-z0-9_]*)(?:\s+table)?",
    re.IGNORECASE,
)
_EVENT = re.compile(
    r"\b(?:(?:when(?:ever)?|each time|every time|on|after)\s+(?:the\s+|an?\s+)?(?:event\s+)?['\"`]?"
    r"(?P<event>[a-z0-9][a-z0-9_-]*(?:\.[a-z0-9_-]+)+)['\"`]?(?:\s+event)?"
    r"(?:\s+(?:arrives|fires|happens|comes\s+in|is\s+(?:emitted|received|sent|fired)))?)",
    re.IGNORECASE,
)
_OUTCOME = re.compile(
    r"\b(?:when(?:ever)?|each time|every time|if|after)\s+(?:the\s+|my\s+)?(?P<task>[\w .'`-]+?)\s+(?:task\s+|job\s+)?"
    r"(?P<outcome>fails|failed|breaks|errors(?:\s+out)?|crashes|succeeds|completes|finishes|is\s+done|goes\s+through|runs\s+ok)\b",
    re.IGNORECASE,
)
_GLOBS = {"csv": "*.csv", "pdf": "*.pdf", "json": "*.json", "xml": "*.xml", "image": "*.png", "png": "*.png",
          "jpg": "*.jpg", "log": "*.log", "txt": "*.txt", "text": "*.txt", "excel": "*.xlsx", "zip": "*.zip"}


@dataclass
class Reactions:
    triggers: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    described: list[str] = field(default_factory=list)
    default_message: str | None = None  # what a reminder says when the person named nothing


def take_reactions(protected: Protected, *, task_ids: dict[str, int]) -> tuple[str, Reactions]:
    """(the request without its reactive clauses, the triggers they make)."""
    text = protected.text
    found = Reactions()
    text = _outcome(text, protected, found, task_ids)
    for finder in (_file, _url_up, _check_true, _pg, _rows, _event):
        text = finder(text, protected, found)
    return " ".join(text.split()), found


def _cut(text: str, match: re.Match[str]) -> str:
    return (text[: match.start()] + " " + text[match.end():]).strip(" ,")


def _file(text: str, protected: Protected, found: Reactions) -> str:
    match = _FILE.search(text)
    if not match:
        return text
    folder = protected.restore(match["dir"]).rstrip(".,")
    kind = (match["kind"] or "").strip().lower().lstrip("*.").removesuffix("s")
    glob = protected.restore(match["glob"]) if match["glob"] else _GLOBS.get(kind, "*")
    on = ["create", "modify"] if re.search(r"modif|chang|updat|written", match["verb"], re.I) else ["create"]
    found.triggers.append({"kind": "file", "path": folder, "glob": glob, "on": on})
    found.described.append(f"when a file matching {glob} lands in {folder}")
    found.default_message = f"a new file in {folder}: {{{{ event.data.path }}}}"
    return _cut(text, match)


def _url_up(text: str, protected: Protected, found: Reactions) -> str:
    match = _URL_UP.search(text)
    if not match:
        return text
    url = protected.restore(match["url"])
    if not url.lower().startswith(("http://", "https://")):
        return text
    found.triggers.append({"kind": "condition", "every": timedelta(minutes=1),
                           "check": {"kind": "http", "url": url, "method": "GET"}})
    found.described.append(f"when {url} answers (checked every minute)")
    found.default_message = f"{url} is up"
    return _cut(text, match)


def _check_true(text: str, protected: Protected, found: Reactions) -> str:
    match = _CHECK_TRUE.search(text)
    if not match:
        return text
    quoted = protected.restore(match["check"])
    if quoted[:1] not in "`'\"":  # only a quoted command or query is a check to run
        return text
    check = quoted.strip("`'\"")
    if re.match(r"(?i)select|with\s", check):
        if not match["db"]:
            return text
        data: dict[str, Any] = {"kind": "sql", "database": match["db"], "statement": check}
    else:
        try:
            argv = shlex.split(check)
        except ValueError:
            return text
        data = {"kind": "shell", "argv": argv}
    found.triggers.append({"kind": "condition", "every": timedelta(minutes=1), "check": data})
    found.described.append(f"when `{check}` turns true (checked every minute)")
    return _cut(text, match)


def _pg(text: str, protected: Protected, found: Reactions) -> str:
    match = _PG.search(text)
    if not match:
        return text
    channel = match["channel"].lower()
    found.triggers.append({"kind": "pg_notify", "channel": channel})
    found.described.append(f"on PostgreSQL NOTIFY '{channel}'")
    return _cut(text, match)


def _rows(text: str, protected: Protected, found: Reactions) -> str:
    match = _ROWS.search(text)
    if not match:
        return text
    table = match["table"].lower()
    channel = f"{table}_rows"[:63]
    found.triggers.append({"kind": "pg_notify", "channel": channel})
    found.described.append(f"on each new row of {table}")
    found.notes.append(f"run `cronpilot pg watch-table {table} --channel {channel}` once so that new rows "
                       "of the table are sent on that channel.")
    return _cut(text, match)


def _event(text: str, protected: Protected, found: Reactions) -> str:
    match = _EVENT.search(text)
    if not match or match["event"].lower().startswith(("k0", "k1")):
        return text
    event = match["event"].lower()
    found.triggers.append({"kind": "event", "event": event})
    found.described.append(f"on event '{event}'")
    return _cut(text, match)


def _outcome(text: str, protected: Protected, found: Reactions, task_ids: dict[str, int]) -> str:
    match = _OUTCOME.search(text)
    if not match:
        return text
    wanted = " ".join(protected.restore(match["task"]).lower().split())
    wanted = re.sub(r"^(?:the|my|our)\s+", "", wanted)
    names = {n.lower(): (n, i) for n, i in task_ids.items()}
    if wanted not in names:
        return text
    name, task_id = names[wanted]
    failed = re.match(r"fail|break|error|crash", match["outcome"], re.I) is not None
    found.triggers.append({"kind": "event", "event": f"task.{'failed' if failed else 'completed'}:{task_id}"})
    found.described.append(f"when '{name}' {'fails' if failed else 'succeeds'}")
    return _cut(text, match)
