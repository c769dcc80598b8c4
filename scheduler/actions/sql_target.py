"""Keeps SQL tasks off cronpilot's own database (its tasks, runs, people and secrets) unless an
admin names that database in ``CRONPILOT_SQL_ALLOW_OWN_DATABASE``.

URLs are not compared as text, since one database has many spellings (``sqlite:///./x.db`` and
an absolute path or a symlink; ``localhost`` and ``127.0.0.1``, a default port, another user).
SQLite: the same file on disk (device and inode). PostgreSQL: the server answers for itself —
the same postmaster start time and database oid (one cluster, one database) — and the same
first schema of the search_path, which is where cronpilot keeps its tables.
"""

from __future__ import annotations

import os
import re
from typing import Any

import psycopg

from .base import ActionConfig, ActionFailed

_IDENTITY_SQL = (
    "SELECT pg_postmaster_start_time()::text, (SELECT oid FROM pg_database"
    " WHERE datname = current_database())::text, current_setting('search_path'), current_user,"
    " ARRAY(SELECT nspname::text FROM pg_namespace)"
)
_own_identity: dict[str, tuple[str, str, str | None] | None] = {}  # own URL → its identity


def _refusal(name: str, what: str) -> ActionFailed:
    return ActionFailed(
        f"refused: database {name!r} is cronpilot's own database ({what}); SQL tasks can't use it "
        "unless an admin names it in CRONPILOT_SQL_ALLOW_OWN_DATABASE")


def _guarded(name: str, config: ActionConfig) -> str | None:
    """cronpilot's own URL, or None when there is nothing to guard for ``name``."""
    if name in config.sql_allow_own_database:
        return None
    return config.sql_own_database_url


def _sqlite_file(url: str) -> str | None:
    match = re.match(r"^sqlite(\+\w+)?:///(.*)$", url)
    if not match:
        return None
    path = match.group(2).split("?", 1)[0]
    return path if path and path != ":memory:" else None


def refuse_own_sqlite(name: str, path: str, config: ActionConfig) -> None:
    """Raise ``ActionFailed`` when the SQLite file ``path`` is cronpilot's own database."""
    own = _guarded(name, config)
    own_path = _sqlite_file(own) if own else None
    if own_path is None:
        return
    try:
        same = os.path.samefile(path, own_path)
    except OSError:  # one of them doesn't exist: compare where they would be
        same = os.path.realpath(path) == os.path.realpath(own_path)
    if same:
        raise _refusal(name, "the same file")


async def refuse_own_postgres(name: str, conn: psycopg.AsyncConnection[Any],
                              config: ActionConfig) -> None:
    """Raise ``ActionFailed`` when ``conn`` reaches cronpilot's own PostgreSQL database and
    schema. Runs before the statement, as the login (before any role switch)."""
    own = _guarded(name, config)
    if own is None or not re.match(r"^postgres(ql)?(\+\w+)?://", own):
        return
    target = await _identity(conn)
    mine = await _own(own)
    if mine is None:  # fail closed: without knowing our own, any database could be it
        raise ActionFailed(f"refused: could not tell whether database {name!r} is cronpilot's own "
                           "(cronpilot's database did not answer)")
    if target == mine:
        raise _refusal(name, f"the same PostgreSQL database and schema {mine[2]!r}")


async def _identity(conn: psycopg.AsyncConnection[Any]) -> tuple[str, str, str | None]:
    """(server start, database oid, schema new tables go to). The schema is read from the
    configured search_path, not current_schema(), which skips schemas the login may not use:
    a login without rights on cronpilot's schema still names that schema."""
    cur = await conn.execute(_IDENTITY_SQL)
    row = await cur.fetchone()
    assert row is not None
    started, oid, search_path, user, namespaces = row
    for part in str(search_path).split(","):
        name = part.strip().strip('"').replace("$user", str(user))
        if name in namespaces:
            return str(started), str(oid), name
    return str(started), str(oid), None


async def _own(url: str) -> tuple[str, str, str | None] | None:
    if _own_identity.get(url) is None:
        conninfo = re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql://", url)
        try:
            async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True,
                                                             connect_timeout=10) as conn:
                _own_identity[url] = await _identity(conn)
        except psycopg.Error:
            return None  # not cached: asked again next time
    return _own_identity[url]
