"""The database every part of the store shares: connections, transactions, migrations,
counters and (SQLite) background WAL checkpoints. Parts hold a ``Database`` and open their
transactions with ``write()`` / ``read()``; nothing else about the connection is theirs."""

from __future__ import annotations

import logging
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import InterfaceError, OperationalError

from ..errors import StoreUnavailable
from . import dialect
from .tables import counters

log = logging.getLogger(__name__)
_VERSIONS = Path(__file__).parent / "migrations" / "versions"
# Revisions are numbered files (0001_initial.py, ...): the newest number is the head, so a check
# at start-up needs no Alembic import when the schema is current.
HEAD_REVISION = max(p.name[:4] for p in _VERSIONS.glob("[0-9][0-9][0-9][0-9]_*.py"))


def _away(exc: BaseException) -> bool:
    """The database away, or a transaction it rolled back (a deadlock): nothing was written,
    try again later. psycopg's own too: the hot path (``pg_fast``) talks to the driver directly,
    and its errors don't come wrapped by SQLAlchemy (they used to end the engine instead of a
    retry). psycopg is looked up, not imported: a CLI on SQLite never loads it."""
    if isinstance(exc, OperationalError | InterfaceError):
        return True
    pg = sys.modules.get("psycopg")
    return pg is not None and isinstance(exc, pg.OperationalError | pg.InterfaceError)


class Database:
    def __init__(
        self, url: str, *, migrate: bool = True, secret_box: Callable[[], Any] | None = None
    ) -> None:
        self.url = url
        # Called only by a migration that must encrypt rows (0006: clear-text webhook secrets).
        self._secret_box = secret_box
        self.engine = dialect.create_engine(url)
        dialect.make_private(self.engine)
        self.is_sqlite = dialect.is_sqlite(self.engine)
        self._checkpointer: _Checkpointer | None = None
        if migrate:
            self.migrate()

    @contextmanager
    def write(self) -> Iterator[sa.Connection]:
        """One write transaction (``BEGIN IMMEDIATE`` on SQLite); ``StoreUnavailable`` when the
        database can't be reached."""
        try:
            with self.engine.begin() as conn:
                yield conn
        except Exception as exc:
            if not _away(exc):
                raise
            raise StoreUnavailable(self._unavailable(exc)) from exc

    @contextmanager
    def read(self) -> Iterator[sa.Connection]:
        """One read-only transaction; ``StoreUnavailable`` when the database can't be reached."""
        try:
            with self.engine.connect().execution_options(readonly=True) as conn, conn.begin():
                yield conn
        except Exception as exc:
            if not _away(exc):
                raise
            raise StoreUnavailable(self._unavailable(exc)) from exc

    def _unavailable(self, exc: Exception) -> str:
        orig = getattr(exc, "orig", exc)
        reason = str(orig).strip().splitlines()[0] if orig and str(orig).strip() else "unknown error"
        return f"the database at {dialect.redact(self.url)} is unavailable: {reason}"

    def migrate(self) -> None:
        """Bring the schema to the newest revision (cheap when it already is)."""
        try:
            with self.engine.connect() as conn:
                current = _current_revision(conn)
        except OperationalError as exc:
            raise StoreUnavailable(self._unavailable(exc)) from exc
        if current == HEAD_REVISION:
            return
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
        with self.write() as conn:
            config.attributes["connection"] = conn
            config.attributes["secret_box"] = self._secret_box
            command.upgrade(config, "head")
            conn.execute(
                dialect.insert(self.engine, counters)
                .values(name="task_revision", value=0)
                .on_conflict_do_nothing()
            )
        log.info("database migrated", extra={"revision": HEAD_REVISION})

    def schema_revision(self) -> str | None:
        """The revision the database's schema is at (None: never migrated); the code's is
        ``HEAD_REVISION``. Raises ``StoreUnavailable`` when the database doesn't answer."""
        try:
            with self.engine.connect() as conn:
                return _current_revision(conn)
        except (OperationalError, InterfaceError) as exc:
            raise StoreUnavailable(self._unavailable(exc)) from exc

    def next_counter(self, conn: sa.Connection, name: str, *, step: int = 1) -> int:
        """Add ``step`` to a named counter inside the caller's transaction (a row lock on
        PostgreSQL) and return its new value: the caller owns the ``step`` values up to it."""
        row = conn.execute(
            counters.update()
            .where(counters.c.name == name)
            .values(value=counters.c.value + step)
            .returning(counters.c.value)
        ).first()
        if row is None:
            conn.execute(counters.insert().values(name=name, value=step))
            return step
        return int(row[0])

    def checkpoint_in_background(self, *, every: float = 1.0) -> bool:
        """SQLite: move WAL checkpoints out of the commits into a thread of their own (an
        engine's commits then never wait for a checkpoint's sync). False when there is nothing
        to do (PostgreSQL, an in-memory database, already on)."""
        path = self.engine.url.database
        if not self.is_sqlite or not path or path == ":memory:" or self._checkpointer is not None:
            return False
        dialect.set_background_checkpoints(self.engine, True)
        self.engine.dispose()  # pooled connections reopen with auto-checkpoints off
        self._checkpointer = _Checkpointer(path, every)
        self._checkpointer.start()
        return True

    def stop_background_checkpoints(self) -> None:
        """Back to checkpoints at commit, after a last one from the thread."""
        checkpointer, self._checkpointer = self._checkpointer, None
        if checkpointer is None:
            return
        checkpointer.stop()
        dialect.set_background_checkpoints(self.engine, False)
        self.engine.dispose()

    @property
    def checkpointing(self) -> bool:
        """True while a thread checkpoints the WAL (``checkpoint_in_background``)."""
        return self._checkpointer is not None

    def close(self) -> None:
        self.stop_background_checkpoints()
        self.engine.dispose()


class _Checkpointer:
    """A thread with its own connection that checkpoints the WAL every ``every`` seconds
    (PASSIVE: it never blocks writers or readers; what readers still need waits for the next)."""

    def __init__(self, path: str, every: float) -> None:
        self.path = path
        self.every = every
        self.passes = 0
        self.last: tuple[int, int, int] | None = None  # (busy, WAL frames, frames checkpointed)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cronpilot-checkpoint", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        try:
            while True:
                stopping = self._stop.wait(self.every)
                try:
                    self.last = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    self.passes += 1
                except sqlite3.Error:
                    log.warning("WAL checkpoint failed; trying again", exc_info=True)
                if stopping:
                    return
        finally:
            conn.close()


def _current_revision(conn: sa.Connection) -> str | None:
    inspector = sa.inspect(conn)
    if not inspector.has_table("alembic_version"):
        return None
    return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
