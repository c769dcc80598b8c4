"""Which engine runs the reactive sources (file watchers, NOTIFY listeners, condition checks).

Several engines on one database each watching the same table would fire a task once per engine
for one inserted row. One engine leads instead, by a lock the database (or the OS) releases when
its holder dies, so another takes over at its next look (its poll, about a second):

- PostgreSQL: a session advisory lock, held on a connection of its own
  (``pg_try_advisory_lock`` keyed by the schema, as one database may hold several cronpilots);
  a dropped connection loses the lock and the engine stops leading at its next check. TCP
  keepalives on both sides (``KEEPALIVES``, ``SERVER_KEEPALIVES``) make a dead network noticed
  within about a minute: the holder stops leading, the server frees the lock for another;
- SQLite: ``flock`` on a file beside the database (engines sharing a file share a machine).

Behind a transaction pooler a session lock can't be held: every engine leads there, as before
(said once in the log). The calls block: the engine makes them on its store thread.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from typing import TYPE_CHECKING, Any

from .lazy import lazy_module
from .sources.pgnotify import KEEPALIVES, SERVER_KEEPALIVES, libpq_url
from .store.dialect import transaction_pooled

if TYPE_CHECKING:
    import psycopg
else:
    psycopg = lazy_module("psycopg")  # PostgreSQL only: not imported on SQLite

log = logging.getLogger(__name__)

_TRY_LOCK = "SELECT pg_try_advisory_lock(hashtext('cronpilot-sources:' || current_schema()))"


class Leadership:
    """``lead()`` → True while this engine holds the lock (taking it when free); ``close()``
    lets it go."""

    def lead(self) -> bool:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class _Always(Leadership):
    def lead(self) -> bool:
        return True

    def close(self) -> None:
        return None


class _AdvisoryLock(Leadership):
    def __init__(self, conninfo: str) -> None:
        self._conninfo = conninfo
        self._conn: psycopg.Connection[Any] | None = None
        self._held = False

    def lead(self) -> bool:
        try:
            if self._conn is None or self._conn.closed:
                self._held = False
                self._conn = psycopg.connect(self._conninfo, autocommit=True, connect_timeout=10, **KEEPALIVES)
                for statement in SERVER_KEEPALIVES:  # a dead holder's lock is freed in ~1 min, not hours
                    self._conn.execute(statement)
            if self._held:
                self._conn.execute("SELECT 1")  # still connected, so still holding it
            else:
                row = self._conn.execute(_TRY_LOCK).fetchone()
                self._held = bool(row and row[0])
        except psycopg.Error as exc:
            log.warning("source leadership: %s", str(exc).strip().splitlines()[0] if str(exc).strip() else exc)
            self.close()
        return self._held

    def close(self) -> None:
        conn, held = self._conn, self._held
        self._conn, self._held = None, False
        if conn is not None:
            with contextlib.suppress(psycopg.Error):
                if held and not conn.closed:
                    # Let go now: the server frees a closed session's locks only once its
                    # backend has exited, a moment later (a dead process's, the same way).
                    conn.execute("SELECT pg_advisory_unlock_all()")
                conn.close()


class _FileLock(Leadership):
    def __init__(self, path: str) -> None:
        self._path = path
        self._fd: int | None = None

    def lead(self) -> bool:
        if self._fd is not None:
            return True
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def close(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # releases the lock


def leadership_for(store_url: str) -> Leadership:
    """The lock fitting the store at ``store_url``."""
    if store_url.startswith("postgres"):
        url, pooled = transaction_pooled(store_url)
        if pooled:
            log.warning("every engine runs reactive sources: a transaction pooler can't hold the "
                        "session lock that picks one")
            return _Always()
        return _AdvisoryLock(libpq_url(url))
    if store_url.startswith("sqlite"):
        path = store_url.split(":///", 1)[-1].split("?", 1)[0]
        if path and path != ":memory:" and not path.startswith("file:"):
            return _FileLock(f"{path}.sources.lock")
    return _Always()
