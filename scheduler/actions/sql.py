"""The ``sql`` action: one statement against a configured database, read-only unless allowed.

Read-only is enforced by the database, not by looking at the SQL (reference §0 finding 4):

* SQLite: ``mode=ro`` *and* an authorizer that allows only SELECT/READ/FUNCTION/RECURSIVE
  (``mode=ro`` alone still lets ``ATTACH`` and ``VACUUM INTO`` create files), a length limit
  against ``randomblob(1e9)``, and a progress handler that stops the statement at its deadline.
* PostgreSQL: ``BEGIN READ ONLY`` (which a statement cannot undo once the transaction has run a
  query), ``SET LOCAL ROLE cronpilot_reader`` (SELECT on the schemas it was granted, nothing
  else, see ``ensure_readonly_role``; a reader in ``pg_read_all_data`` is refused) and
  ``statement_timeout``. A statement can switch back to the *login* role with
  ``set_config('role', …)``, so the login must not be a superuser or hold the server-file roles;
  otherwise the run is refused (a superuser could then read server files inside the statement).
  The read-only transaction is never committed: a ``pg_notify()`` in the statement is dropped
  with it (PostgreSQL delivers notifications at commit), so a query can't fire other tasks.
* Neither: cronpilot's own database, unless an admin allowed it (``sql_target``).

One statement per run: SQLite's own parser rejects a non-empty tail (Python's sqlite3 raises
"You can only execute one statement at a time" before running anything), and psycopg sends the
statement with the extended protocol, which refuses multiple commands.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import decimal
import json
import math
import re
import sqlite3
import threading
import time
import uuid
from collections.abc import AsyncGenerator, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import quote

import psycopg
from psycopg import errors as pg_errors
from psycopg import sql as pg_sql

from ..models import SqlAction
from . import sql_target
from .base import ActionConfig, ActionContext, ActionFailed, ActionResult
from .sql_roles import SERVER_FILE_ROLES, ensure_role, reads_everything

READER_ROLE = "cronpilot_reader"
TEXT_LIMIT = 64 * 1024  # bytes of table text written to stdout
CELL_LIMIT = 200  # characters per value, in the text and in ``data``
DATA_ROWS = 20  # rows kept in the run's ``result``
SQLITE_MAX_LENGTH = 16 * 1024 * 1024  # largest string/blob a query may build
PG_GRACE = 2.0  # seconds past statement_timeout before we cancel from the client side
_DENIED_FUNCTIONS = frozenset({"load_extension", "fts3_tokenizer", "readfile", "writefile", "edit"})
_STREAM_CHUNK = 100 if psycopg.pq.version() >= 170000 else 1  # chunked rows need libpq 17
_READ_CODES = frozenset({sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION,
                         sqlite3.SQLITE_RECURSIVE})
_SQLITE_CODE_NAMES = {v: k[7:] for k, v in vars(sqlite3).items()
                      if k.startswith("SQLITE_") and isinstance(v, int) and "LIMIT" not in k}


@dataclass
class _Outcome:
    columns: list[str] = field(default_factory=list)
    rows: list[Sequence[Any]] = field(default_factory=list)
    more: bool = False  # rows beyond ``sql_max_rows`` existed
    status: str | None = None  # "UPDATE 2" for a statement without result rows


async def run(action: SqlAction, ctx: ActionContext) -> ActionResult:
    """Run ``action.statement``; raises ``ActionFailed`` for an unknown database, a refused or
    failing statement, and a statement stopped at ``sql_statement_timeout`` (or ``ctx.timeout``
    if shorter)."""
    url = _database_url(action.database, ctx.config)
    seconds = min(ctx.config.sql_statement_timeout, ctx.timeout).total_seconds()
    max_rows = ctx.config.sql_max_rows
    if re.match(r"^sqlite(\+\w+)?://", url):
        path = _sqlite_path(url, action.database)
        sql_target.refuse_own_sqlite(action.database, path, ctx.config)
        outcome = await _run_sqlite(path, action, seconds, max_rows)
    elif re.match(r"^postgres(ql)?(\+\w+)?://", url):
        outcome = await _run_postgres(_pg_conninfo(url), action, seconds, max_rows, ctx.config)
    else:
        raise ActionFailed(f"database {action.database!r} has an unsupported URL scheme "
                           "(use sqlite:///path or postgresql://…)")
    return _result(outcome, ctx)


def _database_url(name: str, config: ActionConfig) -> str:
    try:
        return config.sql_databases[name]
    except KeyError:
        known = ", ".join(sorted(config.sql_databases)) or "none are configured"
        raise ActionFailed(f"unknown database {name!r} (configured: {known})") from None


def _timed_out(seconds: float) -> ActionFailed:
    return ActionFailed(f"the statement ran longer than {seconds:g} s and was stopped")


# --- SQLite -------------------------------------------------------------------------------


def _sqlite_path(url: str, name: str) -> str:
    # SQLAlchemy form: sqlite:///relative.db, sqlite:////absolute.db; query options are ignored.
    rest = re.sub(r"^sqlite(\+\w+)?://", "", url).split("?", 1)[0]
    path = rest.removeprefix("/")
    if not path or path == ":memory:":
        raise ActionFailed(f"database {name!r} has no file in its URL")
    return path


async def _run_sqlite(path: str, action: SqlAction, seconds: float, max_rows: int) -> _Outcome:
    stop = threading.Event()  # set when the run is cancelled; the progress handler obeys it
    try:
        return await asyncio.to_thread(_sqlite_execute, path, action, seconds, max_rows, stop)
    except asyncio.CancelledError:
        stop.set()
        raise


def _sqlite_execute(
    path: str, action: SqlAction, seconds: float, max_rows: int, stop: threading.Event
) -> _Outcome:
    writes = action.allow_writes
    # mode=rw, not rwc: a typo in the configured path must not create an empty database.
    uri = f"file:{quote(path)}?mode={'rw' if writes else 'ro'}"
    denied: list[str] = []
    try:
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=seconds)
    except sqlite3.Error as exc:
        raise ActionFailed(f"could not open database {action.database!r}: {exc}") from None
    try:
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, SQLITE_MAX_LENGTH)
        if not writes:
            conn.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
        conn.set_authorizer(_sqlite_authorizer(writes, denied))
        deadline = time.monotonic() + seconds
        conn.set_progress_handler(lambda: int(stop.is_set() or time.monotonic() > deadline), 1000)
        try:
            # Autocommit: one statement is its own transaction, committed when it completes.
            cur = conn.execute(action.statement)
            if cur.description is None:
                verb = _first_word(action.statement)
                return _Outcome(status=f"{verb} {cur.rowcount}" if cur.rowcount >= 0 else verb)
            rows = cur.fetchmany(max_rows + 1)
            return _Outcome([d[0] for d in cur.description], rows[:max_rows], len(rows) > max_rows)
        except sqlite3.Error as exc:
            raise _sqlite_failure(exc, denied, seconds, writes) from None
    finally:
        conn.close()


def _sqlite_authorizer(writes: bool, denied: list[str]) -> Any:
    def authorize(code: int, arg1: str | None, arg2: str | None, db: str | None,
                  source: str | None) -> int:
        if code == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in _DENIED_FUNCTIONS:
            denied.append(f"the function {arg2}()")
            return sqlite3.SQLITE_DENY
        if code in _READ_CODES:
            return sqlite3.SQLITE_OK
        # With writes allowed, still keep the statement inside its own file: a named ATTACH or
        # VACUUM INTO would write anywhere the service can. Plain VACUUM attaches '' (allowed).
        named_attach = code == sqlite3.SQLITE_ATTACH and bool(arg1)
        if writes and not named_attach and code != sqlite3.SQLITE_DETACH:
            return sqlite3.SQLITE_OK
        denied.append(_describe_denied(code, arg1))
        return sqlite3.SQLITE_DENY

    return authorize


def _describe_denied(code: int, arg1: str | None) -> str:
    if code == sqlite3.SQLITE_ATTACH:
        return "ATTACH (also used by VACUUM)"
    if code == sqlite3.SQLITE_PRAGMA:
        return f"PRAGMA {arg1}"
    if arg1 in ("sqlite_master", "sqlite_temp_master"):
        return "changing the schema (CREATE, DROP, ALTER, temporary tables)"
    what = _SQLITE_CODE_NAMES.get(code, str(code)).replace("_", " ")
    return f"{what} on {arg1}" if arg1 else what


def _sqlite_failure(exc: sqlite3.Error, denied: list[str], seconds: float,
                    writes: bool) -> ActionFailed:
    message = str(exc)
    if message == "interrupted":
        return _timed_out(seconds)
    if "one statement at a time" in message:
        return ActionFailed("refused: only one statement per run is allowed")
    if "not authorized" in message or "authorization denied" in message:
        mode = "" if writes else " in a read-only query (only SELECT is)"
        return ActionFailed(f"refused: {denied[-1] if denied else 'this'} is not allowed{mode}")
    if "too big" in message:
        return ActionFailed(f"refused: a value would exceed {SQLITE_MAX_LENGTH} bytes ({message})")
    if "readonly database" in message:
        return ActionFailed(f"refused: the query is read-only ({message})")
    return ActionFailed(f"the database reported an error: {message}")


def _first_word(statement: str) -> str:
    text = re.sub(r"^(?:\s|--[^\n]*|/\*.*?\*/)*", "", statement, flags=re.DOTALL)
    match = re.match(r"[A-Za-z]+", text)
    return match.group(0).upper() if match else "OK"


# --- PostgreSQL ---------------------------------------------------------------------------


def _pg_conninfo(url: str) -> str:
    # SQLAlchemy driver suffixes (+psycopg, +psycopg2) mean nothing to libpq.
    return re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql://", url)


async def _run_postgres(
    conninfo: str, action: SqlAction, seconds: float, max_rows: int, config: ActionConfig
) -> _Outcome:
    try:
        conn = await psycopg.AsyncConnection.connect(
            conninfo, autocommit=True, connect_timeout=max(2, min(int(seconds), 10))
        )
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ActionFailed(f"could not connect to database {action.database!r}: {first}") from None
    # Closed, never committed, on every path: closing aborts whatever transaction is still open
    # (``async with conn`` would COMMIT on a clean exit, and a busy connection can't ROLLBACK).
    try:
        try:
            async with asyncio.timeout(seconds + PG_GRACE):
                await sql_target.refuse_own_postgres(action.database, conn, config)
                if action.allow_writes:
                    return await _pg_write(conn, action.statement, seconds, max_rows)
                return await _pg_read(conn, action.database, action.statement, seconds, max_rows)
        except TimeoutError:
            await conn.cancel_safe(timeout=2.0)  # the server would otherwise keep running it
            raise _timed_out(seconds) from None
        except pg_errors.QueryCanceled:
            raise _timed_out(seconds) from None
        except pg_errors.InsufficientPrivilege as exc:
            mode = "" if action.allow_writes else f" (read-only queries run as {READER_ROLE})"
            raise ActionFailed(f"refused: {exc.diag.message_primary or exc}{mode}") from None
        except pg_errors.ReadOnlySqlTransaction as exc:
            reason = exc.diag.message_primary
            raise ActionFailed(f"refused: the query is read-only ({reason})") from None
        except psycopg.Error as exc:
            text = exc.diag.message_primary if exc.sqlstate else str(exc)
            if "multiple commands" in (text or ""):
                raise ActionFailed("refused: only one statement per run is allowed") from None
            raise ActionFailed(f"the database reported an error: {text or exc}") from None
    finally:
        await conn.close()


async def _set_timeouts(conn: psycopg.AsyncConnection[Any], seconds: float) -> None:
    ms = str(max(1, int(seconds * 1000)))
    await conn.execute(
        "SELECT set_config('statement_timeout', %s, true), set_config('lock_timeout', %s, true),"
        " set_config('idle_in_transaction_session_timeout', %s, true)", (ms, ms, ms))


async def _pg_read(conn: psycopg.AsyncConnection[Any], name: str, statement: str, seconds: float,
                   max_rows: int) -> _Outcome:
    await _refuse_powerful_login(conn, name)
    await _enter_reader_role(conn, name, seconds)
    cur = conn.cursor()
    rows: list[Sequence[Any]] = []
    more = False
    try:
        # stream() always uses the extended protocol and fetches row by row, so a huge result
        # never lands in memory; leaving the loop early cancels the query on the server.
        # (stream() is an async generator; psycopg annotates it as a plain AsyncIterator.)
        rows_stream = cast(AsyncGenerator[Any, None], cur.stream(statement, size=_STREAM_CHUNK))
        async with aclosing(rows_stream) as stream:
            async for row in stream:
                if len(rows) == max_rows:
                    more = True
                    break
                rows.append(row)
    except psycopg.ProgrammingError as exc:
        if type(exc) is not psycopg.ProgrammingError:  # a server error (subclasses carry SQLSTATE)
            raise
        return _Outcome(status=_first_word(statement))  # ran, but produced no result rows
    columns = [d.name for d in cur.description or []]
    return _Outcome(columns, rows, more)


async def _refuse_powerful_login(conn: psycopg.AsyncConnection[Any], name: str) -> None:
    cur = await conn.execute(
        "SELECT session_user, (SELECT rolsuper FROM pg_roles WHERE rolname = session_user),"
        " ARRAY(SELECT rolname::text FROM pg_roles WHERE rolname::text = ANY(%s)"
        "       AND pg_has_role(session_user, oid, 'MEMBER'))", (list(SERVER_FILE_ROLES),))
    user, superuser, roles = await cur.fetchone() or ("?", False, [])
    if superuser or roles:
        what = "a superuser" if superuser else f"a member of {', '.join(roles)}"
        raise ActionFailed(
            f"refused: database {name!r} logs in as {user!r}, {what}; a query could switch back "
            f"from the read-only role to it. Configure this database with a login that is not, "
            f"and grant it {READER_ROLE} (`cronpilot pg reader {name} --schema SCHEMA`).")


async def _enter_reader_role(conn: psycopg.AsyncConnection[Any], name: str, seconds: float) -> None:
    set_role = pg_sql.SQL("SET LOCAL ROLE {}").format(pg_sql.Identifier(READER_ROLE))
    for attempt in (1, 2):
        await conn.execute("BEGIN READ ONLY")
        await _set_timeouts(conn, seconds)
        try:
            await conn.execute(set_role)
        # SET ROLE reports a missing role as 22023 (invalid parameter value): create it once.
        except (pg_errors.InvalidParameterValue, pg_errors.UndefinedObject):
            await conn.execute("ROLLBACK")
            if attempt == 2:
                break
            await ensure_role(conn, READER_ROLE, grant_to=None)
            continue
        except pg_errors.InsufficientPrivilege:
            await conn.execute("ROLLBACK")
            user = conn.info.user
            raise ActionFailed(
                f"refused: the database user {user!r} of {name!r} may not switch to the read-only "
                f"role {READER_ROLE}; an administrator should run "
                f"`cronpilot pg reader {name} --schema SCHEMA --grant-to {user}`") from None
        if await reads_everything(conn, READER_ROLE):
            raise ActionFailed(
                f"refused: the read-only role {READER_ROLE} can read every table of {name!r} (it "
                "is in pg_read_all_data), cronpilot's own too; run "
                f"`cronpilot pg reader {name} --schema SCHEMA` to give it only what it needs")
        return
    raise ActionFailed(f"the read-only role {READER_ROLE} could not be set up in {name!r}")


async def _pg_write(conn: psycopg.AsyncConnection[Any], statement: str, seconds: float,
                    max_rows: int) -> _Outcome:
    await conn.execute("BEGIN")
    await _set_timeouts(conn, seconds)
    # prepare=True forces the extended protocol: "SELECT 1; DELETE …" is refused outright.
    cur = await conn.execute(statement, prepare=True)
    outcome = _Outcome(status=cur.statusmessage)
    if cur.description is not None:
        rows = await cur.fetchmany(max_rows + 1)
        outcome = _Outcome([d.name for d in cur.description], rows[:max_rows],
                           len(rows) > max_rows, cur.statusmessage)
    await conn.execute("COMMIT")  # on failure the connection is closed, which rolls back
    return outcome


async def ensure_readonly_role(url: str, role: str | None = None, *, grant_to: str | None = None,
                               schemas: Sequence[str] = ()) -> None:
    """Create (if missing) a NOLOGIN role that reads only what it is granted: USAGE and SELECT
    on the tables now in ``schemas`` of this database (none: it reads nothing yet), and let
    ``grant_to`` (default: the connecting user, unless a superuser) switch to it. The role is
    never a member of ``pg_read_all_data`` (every table, cronpilot's own included), and is
    taken out of it where an older cronpilot put it in. A schema holding cronpilot's own tables
    is refused. Needs CREATEROLE (or a superuser) and the right to grant on those schemas;
    raises ``ActionFailed`` otherwise, or when an existing role has extra powers."""
    async with await psycopg.AsyncConnection.connect(_pg_conninfo(url), autocommit=True) as conn:
        await ensure_role(conn, role or READER_ROLE, grant_to=grant_to, schemas=schemas)


# --- result -------------------------------------------------------------------------------


def _result(outcome: _Outcome, ctx: ActionContext) -> ActionResult:
    if outcome.status is not None and not outcome.columns:
        ctx.output.write("stdout", f"{outcome.status}\n".encode())
        count = outcome.status.rsplit(" ", 1)[-1]
        data = {"columns": [], "rows": [], "row_count": int(count) if count.isdigit() else 0,
                "truncated": False, "status": outcome.status}
        return ActionResult(ok=True, summary=outcome.status, data=data)
    text, text_cut = render_table(outcome.columns, outcome.rows)
    ctx.output.write("stdout", text.encode())
    n = len(outcome.rows)
    summary = f"{n}{'+' if outcome.more else ''} row{'' if n == 1 and not outcome.more else 's'}"
    data = {
        "columns": outcome.columns,
        "rows": [[_json_value(v) for v in row] for row in outcome.rows[:DATA_ROWS]],
        "row_count": n,
        "truncated": outcome.more or text_cut,
    }
    if outcome.status:
        data["status"] = outcome.status
    return ActionResult(ok=True, summary=summary, data=data)


def render_table(columns: Sequence[str], rows: Sequence[Sequence[Any]], *,
                 limit: int = TEXT_LIMIT) -> tuple[str, bool]:
    """A plain-text table (header, rule, rows) of at most ``limit`` bytes, values cut to
    ``CELL_LIMIT`` characters; returns the text and whether rows were left out."""
    header = [_cell(c) for c in columns]
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells if i < len(r)])
              for i, h in enumerate(header)]
    lines = [" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip(),
             "-+-".join("-" * w for w in widths)]
    size = sum(len(line.encode()) + 1 for line in lines)
    for shown, row in enumerate(cells):
        line = " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=False)).rstrip()
        size += len(line.encode()) + 1
        if size > limit:
            lines.append(f"[… {len(cells) - shown} more rows not shown]")
            return "\n".join(lines) + "\n", True
        lines.append(line)
    return "\n".join(lines) + "\n", False


def _cell(value: Any) -> str:
    if value is None:
        return "NULL"
    text = _json_value(value)
    text = text if isinstance(text, str) else json.dumps(text)
    return text.translate({10: "\\n", 13: "\\r", 9: "\\t"})


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        text = "\\x" + bytes(value[: CELL_LIMIT // 2]).hex()
    elif isinstance(value, dt.date | dt.time):
        text = value.isoformat()
    elif isinstance(value, decimal.Decimal | uuid.UUID | str):
        text = str(value)
    elif isinstance(value, dict | list):
        text = json.dumps(value, default=str, ensure_ascii=False)
    else:
        text = str(value)
    return text if len(text) <= CELL_LIMIT else text[: CELL_LIMIT - 1] + "…"
