"""The benchmarks' shared workload: many no-op interval tasks, loaded through the store's public
bulk API (``Store.add_tasks``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any


def add_interval_tasks(
    store: Any, *, count: int, every: timedelta, anchor_of: Callable[[int], datetime], now: datetime,
    prefix: str = "bench", batch: int = 5000,
) -> None:
    """Create ``count`` no-op tasks firing every ``every`` from ``anchor_of(i)``, named
    ``{prefix}-{i}``, ``batch`` to a transaction."""
    from scheduler.models import NoopAction, TaskSpec
    from scheduler.triggers import IntervalTrigger

    def specs() -> Iterator[TaskSpec]:
        for i in range(count):
            yield TaskSpec(name=f"{prefix}-{i}", action=NoopAction(),
                           triggers=[IntervalTrigger(every=every, anchor_at=anchor_of(i))])

    store.add_tasks(specs(), owner="bench", actor="bench", now=now, batch=batch)
