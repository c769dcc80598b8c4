"""Big run logs in Supabase Storage (docs/supabase.md).

Runs write their whole log to a file in the data folder while they run (the database keeps the
head and tail of stdout and stderr). With ``SUPABASE_URL`` and ``SUPABASE_SERVICE_KEY`` set,
``serve`` moves every log of ``CRONPILOT_LOG_ARCHIVE_BYTES`` or more, once its run has ended, to
a private bucket through the ``supabase`` client, and the run row then names the stored copy
(``supabase-storage://BUCKET/runs/ID.log``): several engines on several machines share one
place for logs, and `cronpilot logs`, the chat and the API read it back from there. Without
Supabase, logs stay in files.

The upload happens off the engine's path: the engine's observer only queues the ids of runs that
ended with a log file, and one background task moves them, a thread at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from scheduler.ports import EngineObserver, EnginePass

log = logging.getLogger(__name__)

SCHEME = "supabase-storage://"


class _Archiving(Protocol):
    def archive_log(self, run_id: int, *, min_bytes: int) -> str | None: ...


class SupabaseLogArchive:
    """A private Storage bucket holding run logs, reached with the ``supabase`` client."""

    def __init__(self, url: str, key: str, *, bucket: str = "cronpilot-logs", client: Any = None) -> None:
        if client is None:
            from supabase import create_client

            client = create_client(url, key)
        self.storage = client.storage
        self.bucket = bucket

    def prepare(self) -> None:
        """Create the bucket (private) unless it exists."""
        from storage3.exceptions import StorageApiError

        try:
            self.storage.get_bucket(self.bucket)
        except StorageApiError:
            self.storage.create_bucket(self.bucket, options={"public": False})

    def owns(self, ref: str) -> bool:
        return ref.startswith(f"{SCHEME}{self.bucket}/")

    def put(self, run_id: int, path: Path) -> str:
        key = f"runs/{run_id}.log"
        self.storage.from_(self.bucket).upload(
            key, path, {"content-type": "text/plain; charset=utf-8", "upsert": "true"}
        )
        return f"{SCHEME}{self.bucket}/{key}"

    def get(self, ref: str) -> bytes:
        if not self.owns(ref):
            raise ValueError(f"{ref} is not in bucket {self.bucket}")
        data: bytes = self.storage.from_(self.bucket).download(ref.removeprefix(f"{SCHEME}{self.bucket}/"))
        return data


class LogArchiver:
    """The engine's observer that moves big logs of ended runs to the archive, in the background."""

    def __init__(self, service: _Archiving, *, min_bytes: int) -> None:
        self.service = service
        self.min_bytes = min_bytes
        self._queue: asyncio.Queue[int] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self.moved = 0
        self.failed = 0

    def engine_pass(self, report: EnginePass) -> None:
        for outcome in report.outcomes:  # counting only: the file is looked at by the worker
            if outcome.log_path:
                self._queue.put_nowait(outcome.run_id)

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._work())

    async def drain(self) -> None:
        """Wait until every queued log has been handled (tests, and stopping)."""
        await self._queue.join()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _work(self) -> None:
        while True:
            run_id = await self._queue.get()
            try:
                ref = await asyncio.to_thread(self.service.archive_log, run_id, min_bytes=self.min_bytes)
                self.moved += ref is not None
            except Exception as exc:  # Storage down: the log stays in its file, readable as before
                self.failed += 1
                log.warning("could not archive the log: %s", exc, extra={"run_id": run_id})
            finally:
                self._queue.task_done()


class Observers:
    """Several engine observers as one."""

    def __init__(self, observers: Sequence[EngineObserver]) -> None:
        self.observers = tuple(observers)

    def engine_pass(self, report: EnginePass) -> None:
        for observer in self.observers:
            observer.engine_pass(report)
