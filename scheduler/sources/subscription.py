"""What every source shares: the key of one reactive trigger of one task, and how a source fires.

A subscription is keyed by (task id, trigger index, the trigger's JSON), so a trigger that
changes becomes a different subscription and its watcher is restarted, while one that stays the
same keeps running across ``reconcile`` calls.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from ..models import RunReason

EVENT_NAME_LIMIT = 100  # the runs.event column


@dataclass(frozen=True, slots=True)
class Subscription:
    task_id: int
    index: int  # position of the trigger in the task's list
    spec: str  # the trigger as JSON: a changed trigger is a new subscription


class Fire(Protocol):
    async def __call__(
        self, task_id: int, *, reason: RunReason, event: str, payload: dict[str, Any],
        debounce: timedelta | None,
    ) -> int | None:
        """Record and start a run of ``task_id``; the run id, or None (debounced, task gone)."""
        ...


def bounded_event_name(prefix: str, detail: str) -> str:
    """``prefix:detail``, kept within the runs.event column: a long detail keeps its end (the
    most telling part of a path) behind a short hash, so different long details stay distinct
    and the same detail always gives the same name (debounce compares names)."""
    name = f"{prefix}:{detail}"
    if len(name) <= EVENT_NAME_LIMIT:
        return name
    digest = hashlib.sha256(detail.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    head = f"{prefix}:{digest}…"
    return head + detail[-(EVENT_NAME_LIMIT - len(head)):]
