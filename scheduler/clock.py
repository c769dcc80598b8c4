"""Injected time. ``Clock.now()`` is aware UTC; tests use ``FakeClock`` and travel instead of sleeping."""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, aware, in UTC."""
        ...

    async def sleep_until(self, when: datetime, wake: asyncio.Event) -> None:
        """Return at ``when`` or as soon as ``wake`` is set, whichever comes first."""
        ...

    def call_at(self, when: datetime, callback: Callable[[], None]) -> None:
        """Call ``callback`` on the running event loop at ``when`` (at once if it has passed)."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never steps (for telling a wall-clock step from elapsed time)."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep_until(self, when: datetime, wake: asyncio.Event) -> None:
        delay = (when - self.now()).total_seconds()
        if delay <= 0 or wake.is_set():
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), timeout=delay)

    def call_at(self, when: datetime, callback: Callable[[], None]) -> None:
        loop = asyncio.get_running_loop()
        loop.call_at(loop.time() + (when - self.now()).total_seconds(), callback)


class FakeClock:
    """A clock that moves only when told; ``advance`` wakes every sleeper whose time has come."""

    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = start.astimezone(UTC)
        self._mono = 0.0
        self._sleepers: set[asyncio.Event] = set()
        self._timers: list[tuple[datetime, int, asyncio.AbstractEventLoop, Callable[[], None]]] = []
        self._order = itertools.count()

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def set(self, when: datetime) -> None:
        """Travel to ``when`` (time passes: not a step of the wall clock)."""
        when = when.astimezone(UTC)
        self._mono += max(0.0, (when - self._now).total_seconds())
        self._now = when
        self._notify()

    def advance(self, delta: timedelta | float) -> datetime:
        if not isinstance(delta, timedelta):
            delta = timedelta(seconds=delta)
        self._now += delta
        self._mono += max(0.0, delta.total_seconds())
        self._notify()
        return self._now

    def step(self, delta: timedelta) -> datetime:
        """The wall clock jumps by ``delta`` (NTP, an admin) while no time passes."""
        self._now += delta
        self._notify()
        return self._now

    def _notify(self) -> None:
        for event in list(self._sleepers):
            event.set()
        while self._timers and self._timers[0][0] <= self._now:
            _when, _n, loop, callback = heapq.heappop(self._timers)
            if not loop.is_closed():
                loop.call_soon(callback)

    def call_at(self, when: datetime, callback: Callable[[], None]) -> None:
        loop = asyncio.get_running_loop()
        if when <= self._now:
            loop.call_soon(callback)
        else:
            heapq.heappush(self._timers, (when, next(self._order), loop, callback))

    async def sleep_until(self, when: datetime, wake: asyncio.Event) -> None:
        tick = asyncio.Event()
        self._sleepers.add(tick)
        try:
            while self._now < when and not wake.is_set():
                waiter = asyncio.ensure_future(wake.wait())
                ticker = asyncio.ensure_future(tick.wait())
                try:
                    await asyncio.wait({waiter, ticker}, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    waiter.cancel()
                    ticker.cancel()
                tick.clear()
        finally:
            self._sleepers.discard(tick)


class StepWatch:
    """Tells a step of the wall clock from time passing (R9): between two looks, the wall clock
    moved by more (or less) than the monotonic clock, by over ``threshold``."""

    def __init__(self, clock: Clock, *, threshold: timedelta = timedelta(seconds=2)) -> None:
        self.clock = clock
        self.threshold = threshold.total_seconds()
        self._last: tuple[datetime, float] | None = None

    def check(self) -> timedelta | None:
        """The step since the last look (positive: forward), or None."""
        monotonic = getattr(self.clock, "monotonic", None)
        if monotonic is None:
            return None
        wall, mono = self.clock.now(), monotonic()
        last, self._last = self._last, (wall, mono)
        if last is None:
            return None
        step = (wall - last[0]).total_seconds() - (mono - last[1])
        return timedelta(seconds=step) if abs(step) > self.threshold else None


def ensure_utc(value: datetime, *, what: str = "time") -> datetime:
    """Refuse naive datetimes at the edge; return the same instant in UTC."""
    if value.tzinfo is None or value.utcoffset() is None:
        from .errors import InvalidRequest

        raise InvalidRequest(f"{what} must carry a time zone or UTC offset: {value.isoformat()}")
    return value.astimezone(UTC)


__all__ = ["Clock", "FakeClock", "SystemClock", "ensure_utc", "timedelta"]
