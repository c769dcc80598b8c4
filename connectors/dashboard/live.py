"""Live updates for open dashboards: one reader of the service's change feed, fanned out to
every open page through server-sent events.

The feed is read from the database (``Service.changes_since``: two indexed range reads), so a
run started by another process (``cronpilot run`` in a terminal, a second engine) shows up the
same as one started here. One reader polls for every subscriber together, every ``interval``
seconds and only while someone is watching; each browser holds one idle HTTP stream and does no
polling of its own. A change in this process (the page's own "run now") wakes the reader at once.

The fan-out runs on serve's event loop, which the engine shares, so its cost per open page is kept
to the unavoidable socket write: a poll's changes are coalesced (one entry per run, per task: the
newest status; a page only needs to know what to fetch again) and encoded once for every page
that may see the same things (every admin's page shares one message), not once per stream. A
poll that comes back full reads again at once rather than falling behind a busy engine.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from scheduler.access import Actor, Role
from scheduler.errors import CronpilotError
from scheduler.service import Service
from scheduler.service_views import Change, Cursor

log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class Message:
    """What one poll brings one page: the changes it may see and the same as the server-sent
    event a stream writes (encoded once, shared by every page that sees the same changes)."""

    changes: list[Change]
    frame: bytes


_CLOSING = Message([], b"")


def coalesced(items: list[Change]) -> list[Change]:
    """One entry per run (and per task, for task changes): the newest status, in the order of
    those newest changes. A page refetches what a change concerns; a run that went pending,
    running, completed within one poll is one reason to, not three."""
    newest: dict[tuple[int, int | None], Change] = {}
    for change in items:
        key = (change.task_id, change.run_id)
        newest.pop(key, None)
        newest[key] = change
    return list(newest.values())


def event_frame(changes: list[Change]) -> bytes:
    """``changes`` as one server-sent ``change`` event."""
    data = [{"task_id": c.task_id, "run_id": c.run_id, "status": c.status} for c in changes]
    return b"event: change\ndata: " + json.dumps(data, separators=(",", ":")).encode() + b"\n\n"


@dataclass(eq=False)
class Subscriber:
    actor: Actor
    queue: asyncio.Queue[Message] = field(default_factory=lambda: asyncio.Queue(maxsize=100))
    closed: bool = False  # the server is stopping: the stream ends (the browser reconnects later)


class LiveFeed:
    def __init__(self, service: Service, *, interval: float = 0.25, batch: int = 500) -> None:
        self.service = service
        self.interval = interval
        self.batch = batch  # changes read at most per poll (a fuller poll reads again at once)
        self._subscribers: set[Subscriber] = set()
        self._owners: dict[int, str | None] = {}  # task id → owner, for non-admin subscribers
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self.polls = 0  # feed reads so far (the benchmark reports them)
        # The cursor as of the last read, while the feed runs (None when it doesn't): a view
        # read before it moved may be stale (``shared_renders.py``).
        self.version: Cursor | None = None

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    def subscribe(self, actor: Actor) -> Subscriber:
        sub = Subscriber(actor)
        self._subscribers.add(sub)
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._run())
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        self._subscribers.discard(sub)

    def poke(self) -> None:
        """Read the feed now rather than at the next interval (a change made in this process)."""
        self._wake.set()

    async def close(self) -> None:
        """Stop reading and end every open stream (the server is stopping)."""
        for sub in list(self._subscribers):
            sub.closed = True
            with contextlib.suppress(asyncio.QueueFull):
                sub.queue.put_nowait(_CLOSING)
        self._subscribers.clear()
        self.version = None
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None

    async def _run(self) -> None:
        cursor: Cursor | None = None
        while self._subscribers:
            try:
                if cursor is None:
                    cursor = await asyncio.to_thread(self.service.change_cursor)
                    self.version = cursor
                else:
                    changes = await asyncio.to_thread(self.service.changes_since, cursor, limit=self.batch)
                    self.polls += 1
                    cursor = changes.cursor
                    self.version = cursor
                    if changes.items:
                        await self._fan_out(changes.items)
                    if changes.more:  # a busy engine: catch up now, not a batch per interval
                        continue
            except CronpilotError as exc:  # the database is away: keep trying, quietly
                log.warning("dashboard live feed: %s", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval)
            self._wake.clear()
        self.version = None  # no stream open: nothing tells a kept view it went stale

    async def _fan_out(self, items: list[Change]) -> None:
        items = coalesced(items)
        needs_owner = any(s.actor.role != Role.ADMIN for s in self._subscribers)
        if needs_owner:
            unknown = {c.task_id for c in items if c.task_id not in self._owners}
            if unknown:
                owners = await asyncio.to_thread(self._owners_of, unknown)
                self._owners.update(owners)
        # One message per reach (every admin, or one person), shared by all their pages.
        messages: dict[str | None, Message | None] = {}
        for sub in list(self._subscribers):
            reach = None if sub.actor.role == Role.ADMIN else sub.actor.user
            if reach not in messages:
                visible = items if reach is None else [c for c in items if self._owners.get(c.task_id) == reach]
                messages[reach] = Message(visible, event_frame(visible)) if visible else None
            message = messages[reach]
            if message is None:
                continue
            # A stalled page's queue may be full: it refetches its view on the next event anyway.
            with contextlib.suppress(asyncio.QueueFull):
                sub.queue.put_nowait(message)

    def _owners_of(self, task_ids: set[int]) -> dict[int, str | None]:
        found: dict[int, str | None] = {}
        for task_id in task_ids:
            try:
                found[task_id] = self.service.get_task(task_id).owner
            except CronpilotError:  # deleted: only admins hear of it
                found[task_id] = None
        return found


def waker(feed: LiveFeed, loop: asyncio.AbstractEventLoop) -> Callable[[], None]:
    """A thread-safe ``poke`` for the service's ``on_change`` hook (called from worker threads)."""

    def wake() -> None:
        with contextlib.suppress(RuntimeError):  # the loop closed: nothing is watching
            loop.call_soon_threadsafe(feed.poke)

    return wake
