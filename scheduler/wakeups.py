"""Wake-ups across processes on PostgreSQL: ``LISTEN cronpilot_changes``.

Triggers installed by migration 0012 send ``NOTIFY cronpilot_changes`` (payload: the schema of
the table) when a task is created, edited or deleted, when a pending run is inserted (a manual
run, an emitted event, a retry) and when a cancel is requested, whichever process did it (the
CLI, the API, the chat in another ``serve``). The engine looks again at once instead of at its
next poll; the poll stays as the safety net for a notification lost while the connection was
down (each reconnect also wakes the engine once, for what it may have missed).

``LISTEN`` needs a session of its own: behind a transaction pooler there is none to keep, so
the engine does not listen there and says so once (the poll still picks changes up).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from .lazy import lazy_module
from .sources.pgnotify import KEEPALIVES, libpq_url
from .store.dialect import transaction_pooled

if TYPE_CHECKING:
    import psycopg
else:
    psycopg = lazy_module("psycopg")  # PostgreSQL only: not imported on SQLite

log = logging.getLogger(__name__)

CHANNEL = "cronpilot_changes"
RETRY_FIRST = 1.0  # seconds before reconnecting; doubles up to RETRY_MAX
RETRY_MAX = 30.0


class ChangeListener:
    """Calls ``on_change`` (on the event loop) for every change notification of this store's
    schema. ``start`` once the loop runs, ``stop`` at shutdown."""

    def __init__(self, store_url: str, on_change: Callable[[], None]) -> None:
        url, self.pooled = transaction_pooled(store_url)
        self._conninfo = libpq_url(url)
        self._on_change = on_change
        self._job: asyncio.Task[None] | None = None
        self.listening = asyncio.Event()

    def start(self) -> None:
        if self.pooled:
            log.warning("not listening for changes: LISTEN needs a session connection and this "
                        "database URL is a transaction pooler's; other processes' changes are "
                        "seen at the next poll")
            return
        self._job = asyncio.ensure_future(self._listen())

    async def stop(self) -> None:
        job, self._job = self._job, None
        if job is not None:
            job.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await job

    async def _listen(self) -> None:
        delay = RETRY_FIRST
        first = True
        while True:
            try:
                conn = await psycopg.AsyncConnection.connect(
                    self._conninfo, autocommit=True, connect_timeout=10, **KEEPALIVES)
                async with conn:
                    row = await (await conn.execute("SELECT current_schema()")).fetchone()
                    schema = row[0] if row else None
                    await conn.execute(f"LISTEN {CHANNEL}")
                    self.listening.set()
                    if not first:
                        self._on_change()  # what changed while we were away
                    first, delay = False, RETRY_FIRST
                    async for note in conn.notifies():
                        # The channel is the database's; the payload names the schema changed.
                        if note.payload == schema:
                            self._on_change()
            except psycopg.Error as exc:
                self.listening.clear()
                log.warning("change listener: %s; reconnecting in %.0f s",
                            str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX)
