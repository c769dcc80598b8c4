"""Sources under test run for real (watchfiles, LISTEN, actions) inside a real engine; tests
wait for what a source fires with a bounded timeout, never for a schedule."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from scheduler.engine import Engine
from scheduler.models import RunReason

WAIT = 15.0  # seconds: a generous bound for the OS to report a change


@dataclass(frozen=True)
class Fired:
    task_id: int
    reason: RunReason
    event: str
    payload: dict[str, Any]
    run_id: int | None


class FireLog:
    """What sources asked the engine to fire, in order (``engine.sources.fire``, spied on)."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[Fired] = asyncio.Queue()
        self.seen: list[Fired] = []

    async def next(self, timeout: float = WAIT) -> Fired:
        fired = await asyncio.wait_for(self.queue.get(), timeout)
        return fired

    async def until(self, predicate: Callable[[Fired], bool], timeout: float = WAIT) -> list[Fired]:
        """Everything fired up to and including the first one matching ``predicate``."""
        got: list[Fired] = []
        async with asyncio.timeout(timeout):
            while True:
                fired = await self.queue.get()
                got.append(fired)
                if predicate(fired):
                    return got


@pytest.fixture
def watch_fires(monkeypatch: pytest.MonkeyPatch) -> Callable[[Engine], FireLog]:
    def watch(engine: Engine) -> FireLog:
        log = FireLog()
        original = engine.sources.fire

        async def spy(task_id: int, **kwargs: Any) -> int | None:
            run_id = await original(task_id, **kwargs)
            fired = Fired(task_id, kwargs["reason"], kwargs["event"], kwargs.get("payload") or {}, run_id)
            log.seen.append(fired)
            log.queue.put_nowait(fired)
            return run_id

        monkeypatch.setattr(engine.sources, "fire", spy)
        return log

    return watch


@pytest.fixture
async def started_engine(make_engine: Callable[..., Engine]) -> AsyncIterator[Callable[..., Awaitable[Engine]]]:
    """``await started_engine(**options)``: an engine that has started (and its sources); they
    are stopped at the end of the test."""
    engines: list[Engine] = []

    async def start(prepare: Callable[[Engine], Any] | None = None, **options: Any) -> Engine:
        engine = make_engine(**options)
        if prepare is not None:
            prepare(engine)
        engines.append(engine)
        await engine.start()
        return engine

    yield start
    for engine in engines:
        await engine.sources.stop()
