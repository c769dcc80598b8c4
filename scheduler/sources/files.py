"""File triggers: one watchfiles watcher per distinct folder (or file), shared by every trigger
on it, dispatching created and modified files to the triggers whose glob matches the name.

Each watched path holds one worker thread (watchfiles waits for the OS in a thread from anyio's
pool, 40 by default, which FastAPI's sync handlers share). A path that does not exist, or that
disappears while watched, is looked for again with backoff; the engine never stops for it.
Timing here is real time (``time.monotonic``): file changes happen in the real world, not on the
engine's clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import logging
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from watchfiles import Change, DefaultFilter, awatch

from ..models import RunReason
from ..triggers import FileTrigger
from .subscription import Fire, Subscription, bounded_event_name

log = logging.getLogger(__name__)

RETRY_FIRST = 2.0  # seconds before looking again for a missing path; doubles up to RETRY_MAX
RETRY_MAX = 60.0
# watchfiles often reports one new file as "added" and then "modified" (create, write, close):
# a modify of a path this soon after its create is the same event.
CREATE_WINDOW = 1.0
_KINDS = {Change.added: "create", Change.modified: "modify"}


def watched_path(trigger: FileTrigger) -> str:
    """The absolute path a trigger watches (``~`` expanded; symlinks kept as written, so the
    paths in payloads look like the owner's)."""
    return os.path.abspath(os.path.expanduser(trigger.path))


def file_changes(
    changes: Iterable[tuple[Change, str]], created: dict[str, float], *, at: float,
    window: float = CREATE_WINDOW,
) -> list[tuple[str, str]]:
    """(path, "create" | "modify") for one batch from watchfiles, deletions dropped and a modify
    that follows its path's create within ``window`` seconds suppressed. ``created`` remembers
    recent creates across batches (path → monotonic seconds) and is pruned here."""
    for path, when in list(created.items()):
        if at - when > window:
            del created[path]
    result: list[tuple[str, str]] = []
    # Creates first: a batch is a set, and "added" must be seen before its "modified".
    for change, path in sorted(changes, key=lambda c: (c[0] != Change.added, c[1])):
        kind = _KINDS.get(change)
        if kind is None:
            continue
        if kind == "create":
            created[path] = at
        elif path in created:
            continue
        result.append((path, kind))
    return result


def matches(trigger: FileTrigger, root: str, path: str, kind: str) -> bool:
    if kind not in trigger.on:
        return False
    if path != root and not path.startswith(root.rstrip(os.sep) + os.sep):
        return False
    return fnmatch.fnmatch(os.path.basename(path), trigger.glob)


@dataclass
class _PathWatcher:
    root: str
    stop_event: asyncio.Event = field(default_factory=asyncio.Event)
    started: asyncio.Event = field(default_factory=asyncio.Event)  # watching, or found missing
    job: asyncio.Task[None] | None = None


class FileWatchers:
    """The file-trigger source: ``reconcile`` with the wanted triggers, ``stop`` at the end."""

    def __init__(self, fire: Fire) -> None:
        self._fire = fire
        self._subs: dict[Subscription, FileTrigger] = {}
        self._watchers: dict[str, _PathWatcher] = {}
        self._retiring: set[asyncio.Task[None]] = set()
        self._created: dict[str, float] = {}

    async def reconcile(self, wanted: dict[Subscription, FileTrigger]) -> None:
        self._subs = dict(wanted)
        paths = {watched_path(t) for t in wanted.values()}
        for root in set(self._watchers) - paths:
            self._retire(self._watchers.pop(root))  # not awaited: the engine's tick goes on
        for root in sorted(paths - set(self._watchers)):
            watcher = _PathWatcher(root)
            watcher.job = asyncio.ensure_future(self._watch(watcher))
            self._watchers[root] = watcher

    async def ready(self) -> None:
        """Wait until every watcher is listening (or has found its path missing)."""
        for watcher in list(self._watchers.values()):
            await watcher.started.wait()

    @property
    def paths(self) -> list[str]:
        return sorted(self._watchers)

    async def stop(self) -> None:
        """Stop every watcher and wait for their threads to let go."""
        watchers, self._watchers = list(self._watchers.values()), {}
        for watcher in watchers:
            self._retire(watcher)
        if self._retiring:
            await asyncio.gather(*self._retiring, return_exceptions=True)

    def _retire(self, watcher: _PathWatcher) -> None:
        watcher.stop_event.set()  # the watch thread sees it within watchfiles' step (50 ms)
        if watcher.job is not None and not watcher.job.done():
            self._retiring.add(watcher.job)
            watcher.job.add_done_callback(self._retiring.discard)

    async def _watch(self, watcher: _PathWatcher) -> None:
        delay = RETRY_FIRST
        while not watcher.stop_event.is_set():
            if not os.path.exists(watcher.root):  # noqa: ASYNC240 - one stat, not worth a thread
                # Warn once per absence; the retries after that are routine.
                level = logging.WARNING if delay == RETRY_FIRST else logging.DEBUG
                log.log(level, "file trigger: %s does not exist; looking again in %.0f s", watcher.root,
                        delay, extra={"path": watcher.root})
                watcher.started.set()
                await self._pause(watcher, delay)
                delay = min(delay * 2, RETRY_MAX)
                continue
            try:
                if await self._follow(watcher):
                    delay = RETRY_FIRST
                    continue  # the path went away: look for it again
            except Exception:
                log.warning("file trigger: watching %s failed; retrying in %.0f s", watcher.root, delay,
                            extra={"path": watcher.root}, exc_info=True)
                watcher.started.set()
                await self._pause(watcher, delay)
                delay = min(delay * 2, RETRY_MAX)

    async def _follow(self, watcher: _PathWatcher) -> bool:
        """Watch until stopped (False) or until the root itself is deleted (True)."""
        # awatch registers the OS watch synchronously on its first step, before it first
        # suspends; a callback queued now runs after that, so ``started`` means "listening".
        asyncio.get_running_loop().call_soon(watcher.started.set)
        async for batch in awatch(watcher.root, stop_event=watcher.stop_event, recursive=True,
                                  watch_filter=DefaultFilter()):
            await self._dispatch(watcher.root, batch)
            if any(c == Change.deleted and p == watcher.root for c, p in batch):
                return True
        return False

    async def _dispatch(self, root: str, batch: set[tuple[Change, str]]) -> None:
        for path, kind in file_changes(batch, self._created, at=time.monotonic()):
            if os.path.isdir(path):  # noqa: ASYNC240 - one stat per change, not worth a thread
                continue  # a new folder is not a file; files created inside it arrive on their own
            for sub, trigger in list(self._subs.items()):
                if watched_path(trigger) != root or not matches(trigger, root, path, kind):
                    continue
                try:
                    await self._fire(sub.task_id, reason=RunReason.EVENT,
                                     event=bounded_event_name("file", trigger.path),
                                     payload={"path": path, "change": kind}, debounce=trigger.debounce)
                except Exception:
                    log.warning("file trigger: could not fire task %s for %s", sub.task_id, path,
                                extra={"task_id": sub.task_id, "path": path}, exc_info=True)

    @staticmethod
    async def _pause(watcher: _PathWatcher, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(watcher.stop_event.wait(), seconds)
