"""Where SQLite and PostgreSQL differ in how the store connects and writes: engines and their
connection settings, upserts, row locks.

Not the only place the two differ: the engine's hot statements on SQLite go straight through
the driver (``sqlite_fast.py``, chosen in ``run_store.py``), one query on SQLite names its index
(``event_store.py``), and reactive sources need PostgreSQL for ``pg_notify``."""

from __future__ import annotations

import contextlib
import os
import weakref
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from ..errors import InvalidRequest


def create_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    if url.startswith("postgresql"):
        url, pooled = transaction_pooled(url)
        # psycopg prepares a statement it has run a few times (the engine's hot statements),
        # but behind a transaction pooler the next transaction may land on another server
        # connection, where the prepared name does not exist: then never prepare.
        args = {"prepare_threshold": None} if pooled and "+psycopg" in url else {}
        return sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5, connect_args=args)
    raise InvalidRequest(f"unsupported database URL {_redact(url)!r}: use sqlite:/// or postgresql://")


# Supabase's transaction pooler (Supavisor) listens on this port; its session pooler and direct
# connections on 5432.
_TRANSACTION_POOLER_PORT = 6543


def transaction_pooled(url: str) -> tuple[str, bool]:
    """Is ``url`` a transaction pooler's (``?pgbouncer=true``, the convention other tools use,
    or Supabase's pooler port 6543)? Returns the URL without that flag, which libpq would refuse."""
    parsed = sa.engine.make_url(url)
    flag = parsed.query.get("pgbouncer")
    pooled = parsed.port == _TRANSACTION_POOLER_PORT
    if flag is not None:
        pooled = str(flag).lower() in ("1", "true", "yes", "on")
        url = parsed.difference_update_query(["pgbouncer"]).render_as_string(hide_password=False)
    return url, pooled


# Per SQLite engine, read when a connection opens: set before ``dispose()`` so that pooled
# connections reopen with them.
_SWITCHES: weakref.WeakKeyDictionary[Engine, dict[str, bool]] = weakref.WeakKeyDictionary()


def set_background_checkpoints(engine: Engine, on: bool) -> None:
    """Connections opened from now on leave WAL checkpoints to a thread (``on``) or not."""
    _SWITCHES.setdefault(engine, {})["background_checkpoints"] = on


def _sqlite_engine(url: str) -> Engine:
    engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
    switches = _SWITCHES.setdefault(engine, {})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let us issue BEGIN ourselves (pysqlite's implicit BEGIN is DEFERRED).
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")  # durable across app crashes in WAL mode
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        if switches.get("background_checkpoints"):
            # A checkpoint copies the WAL into the database and syncs it: 100-200 ms on this
            # machine, taken by whichever commit crosses the threshold. A serving engine's
            # commits must not stall like that; a thread checkpoints instead (store/base.py).
            cursor.execute("PRAGMA wal_autocheckpoint=0")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        # Writers take the lock up front: a deferred read-then-write upgrade is what surfaces
        # "database is locked" when serve and the CLI write at once. Reads stay deferred.
        if conn.get_execution_options().get("readonly"):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def make_private(engine: Engine) -> None:
    """SQLite: the database file and its -wal/-shm/-journal are readable by their owner only
    (0600), whatever the umask, on a new database (created empty with that mode before SQLite
    opens it) and on an existing one (fixed at start). SQLite gives the -wal and -shm files it
    creates later the database file's mode. PostgreSQL: nothing to do here."""
    path = engine.url.database
    if not is_sqlite(engine) or not path or path == ":memory:" or path.startswith("file:"):
        return
    file = Path(path)
    file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # Not ours to change (another owner, a read-only folder): SQLite reports what matters.
    with contextlib.suppress(OSError):
        os.close(os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(OSError):
            os.chmod(f"{file}{suffix}", 0o600)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def insert(engine: Engine, table: sa.TableClause) -> Any:
    """An INSERT that supports ``on_conflict_do_nothing`` on either dialect."""
    return (sqlite.insert if is_sqlite(engine) else postgresql.insert)(table)


def lock_skip_locked(engine: Engine, select: sa.Select[Any]) -> sa.Select[Any]:
    """Rows claimed by one worker are invisible to the others (PostgreSQL); SQLite has one writer."""
    if is_sqlite(engine):
        return select
    return select.with_for_update(skip_locked=True)


def _redact(url: str) -> str:
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparseable URL>"


def redact(url: str) -> str:
    return _redact(url)
