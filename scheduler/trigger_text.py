"""Reactive triggers written as short text, the one reading shared by the CLI flags, the agent's
tools and the chat: ``--when-true 'sh:test -f /tmp/flag'``, ``--on-file DIR --glob '*.csv'``,
``--on-pg CHANNEL``. Each returns plain trigger data; ``Service.build_spec`` validates it like
any other trigger (the same rules as the API).

    condition_trigger("sh:test -f /tmp/flag", every=timedelta(minutes=1))
    condition_trigger("http:https://example.com/health")  (or just the URL)
    condition_trigger("sql:analytics:select count(*) > 0 from queue")
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from .errors import InvalidRequest

DEFAULT_CHECK_EVERY = timedelta(minutes=1)
CHECK_FORMS = "sh:COMMAND, http:URL (or just the URL) or sql:DATABASE:STATEMENT"


def condition_check(spec: str) -> dict[str, Any]:
    """The check of a condition trigger from ``sh:…``, ``http:…``/a URL or ``sql:DB:…``."""
    text = spec.strip()
    kind, sep, rest = text.partition(":")
    kind = kind.lower()
    if text.lower().startswith(("http://", "https://")):
        return {"kind": "http", "url": text, "method": "GET"}
    if not sep or not rest.strip():
        raise InvalidRequest(f"can't read the condition {spec!r}; write it as {CHECK_FORMS}")
    if kind in ("sh", "shell"):
        return {"kind": "shell", "argv": [rest.strip()], "use_shell": True}
    if kind in ("http", "https"):
        url = rest.strip() if kind == "http" and rest.strip().lower().startswith("http") else text
        return {"kind": "http", "url": url, "method": "GET"}
    if kind == "sql":
        database, sep, statement = rest.partition(":")
        if not sep or not database.strip() or not statement.strip():
            raise InvalidRequest("a sql condition is sql:DATABASE:STATEMENT, e.g. sql:analytics:select 1")
        return {"kind": "sql", "database": database.strip(), "statement": statement.strip()}
    raise InvalidRequest(f"unknown condition kind {kind!r}; write it as {CHECK_FORMS}")


def condition_trigger(spec: str, *, every: timedelta | None = None) -> dict[str, Any]:
    return {"kind": "condition", "check": condition_check(spec), "every": every or DEFAULT_CHECK_EVERY}


def file_trigger(folder: str, *, glob: str | None = None, modified: bool = True) -> dict[str, Any]:
    """Fires when a file matching ``glob`` (default every file) is created (and modified)."""
    if not folder.strip():
        raise InvalidRequest("a file trigger needs a folder to watch")
    return {"kind": "file", "path": folder.strip(), "glob": (glob or "*").strip() or "*",
            "on": ["create", "modify"] if modified else ["create"]}


def pg_trigger(channel: str, *, database: str | None = None) -> dict[str, Any]:
    """Fires on PostgreSQL ``NOTIFY channel`` (``database``: a name from CRONPILOT_SQL_DATABASES,
    None for cronpilot's own database)."""
    name = channel.strip().removeprefix("pg:").lower()
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
        raise InvalidRequest(f"{channel!r} is not a NOTIFY channel name: use lowercase letters, digits "
                             "and _ (at most 63), starting with a letter, e.g. new_tickets")
    return {"kind": "pg_notify", "channel": name, **({"database": database} if database else {})}


def email_destination(address: str) -> dict[str, str]:
    """Where a task's reminders and results go when they are to be emailed."""
    address = address.strip().removeprefix("email:").removeprefix("mailto:").strip()
    if not re.fullmatch(r"[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+", address):
        raise InvalidRequest(f"{address!r} is not an email address")
    return {"platform": "email", "address": address}
