"""Live updates for open dashboards: one reader of the service's change feed, fanned out to
every open page through server-sent events.

The feed is read from the database (``Service.changes_since``: two indexed range reads), so a
run started by another process (``cronpilot run`` in a terminal, a second engine) shows up the
same as one started here. One reader polls for every subscriber together, every ``interval``
seconds and only while someone is watching; each browser holds one idle HTTP stream and does no
polling of its own. A change in this process (the page's own "run now") wakes the reader at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from scheduler.access import Actor, Role
from scheduler.errors import CronpilotError
from scheduler.service import Service
from scheduler.service_views import Change, Cursor

log = logging.getLogger(__name__)


@dataclass(eq=False)
class Subscriber:
    actor: Actor
    queue: asyncio.Queue[list[Change]] = field(default_factory=lambda: asyncio.Queue(maxsize=100))
    closed: bool = False  # the server is stopping: the stream ends (the browser reconnects later)


class LiveFeed:
    def __init__(self, service: Service, *, interval: float = 0.25) -> None:
        self.service = service
        self.interval = interval
        self._subscribers: set[Subscriber] = set()
        self._owners: dict[int, str | None] = {}  # task id → owner, for non-admin subscribers
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self.polls = 0  # feed reads so far (the benchmark reports them)

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
                sub.queue.put_nowait([])
        self._subscribers.clear()
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
                else:
                    changes = await asyncio.to_thread(self.service.changes_since, cursor)
                    self.polls += 1
                    cursor = changes.cursor
                    if changes.items:
                        await self._fan_out(changes.items)
            except CronpilotError as exc:  # the database is away: keep trying, quietly
                log.warning("dashboard live feed: %s", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval)
            self._wake.clear()

    async def _fan_out(self, items: list[Change]) -> None:
        needs_owner = any(s.actor.role != Role.ADMIN for s in self._subscribers)
        if needs_owner:
            unknown = {c.task_id for c in items if c.task_id not in self._owners}
            if unknown:
                owners = await asyncio.to_thread(self._owners_of, unknown)
                self._owners.update(owners)
        for sub in list(self._subscribers):
            visible = items if sub.actor.role == Role.ADMIN else [
                c for c in items if self._owners.get(c.task_id) == sub.actor.user
            ]
            if not visible:
                continue
            # A stalled page's queue may be full: it refetches its view on the next event anyway.
            with contextlib.suppress(asyncio.QueueFull):
                sub.queue.put_nowait(visible)

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
