"""The JSON the API speaks: tasks as ``cronpilot task show --json`` prints them, runs, and the
body a task is created from (that same shape, so a shown task can be sent back)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime
from typing import Any

from pydantic import ConfigDict, create_model

from scheduler.models import Run, RunEvent, Task, TaskSpec, TaskStatus
from scheduler.service import Service

# Fields `task show --json` prints that the server decides: accepted in a create body (so a
# shown task can be posted back) and ignored, refused in an edit.
READ_ONLY = frozenset(Task.model_fields) - frozenset(TaskSpec.model_fields) - {"status"} | {
    "next_fires", "next_fire_at",
}
# Where a run's files live on the server is nobody's business over HTTP.
_RUN_HIDDEN = {"log_path"}
_RUN_BULKY = {"stdout", "stderr", "traceback", "context", "result"}

# TaskSpec's fields, the shown task's read-only ones (ignored), ``status`` (active or paused)
# and ``deliver_to``: what POST /tasks takes; extra keys are refused, as typos.
TaskBody = create_model(  # type: ignore[call-overload]
    "TaskBody",
    __base__=TaskSpec,
    __config__=None,
    status=(TaskStatus | None, None),
    deliver_to=(dict[str, str] | None, None),
    **{name: (Any, None) for name in sorted(READ_ONLY)},
)
TaskBody.model_config = ConfigDict(extra="forbid")


def task_json(service: Service, task: Task, *, fires: int = 5) -> dict[str, Any]:
    """``task show --json``: the task and its next ``fires`` fire times (UTC, ISO 8601)."""
    data = task.model_dump(mode="json")
    data["next_fires"] = [f.isoformat() for f in service.next_fires(task, count=fires)]
    return data


class NextFires:
    """Each listed task's next fire, remembered while it is still ahead. Trigger maths cost ~1 ms
    a cron task (holiday and DST rules included), most of a page of 100; a dashboard lists the
    same page again and again. The key holds what the answer depends on besides the clock (the
    revision changes with any edit, pause or resume; ``last_fire_at`` with each fire), and an
    entry is used only while its fire is still after now, so a hit is what computing would give."""

    def __init__(self, size: int = 20_000) -> None:
        self.size = size
        self._known: OrderedDict[tuple[int, int, datetime | None], datetime] = OrderedDict()
        self._lock = threading.Lock()  # routes run in FastAPI's thread pool

    def next_fire(self, service: Service, task: Task) -> datetime | None:
        key = (task.task_id, task.revision, task.last_fire_at)
        with self._lock:
            known = self._known.get(key)
            if known is not None:
                self._known.move_to_end(key)
        if known is not None and known > service.clock.now():
            return known
        upcoming = service.next_fires(task, count=1)
        if not upcoming:  # "no next fire" may change with the clock (a window ahead): not kept
            return None
        with self._lock:
            self._known[key] = upcoming[0]
            while len(self._known) > self.size:
                self._known.popitem(last=False)
        return upcoming[0]


def task_summary(service: Service, task: Task, fires: NextFires | None = None) -> dict[str, Any]:
    """A task in a listing: the same fields, with only its next fire."""
    data = task.model_dump(mode="json")
    if fires is not None:
        upcoming = fires.next_fire(service, task)
    else:
        found = service.next_fires(task, count=1)
        upcoming = found[0] if found else None
    data["next_fire_at"] = upcoming.isoformat() if upcoming else None
    return data


def run_json(run: Run, *, full: bool = True) -> dict[str, Any]:
    return run.model_dump(mode="json", exclude=_RUN_HIDDEN if full else _RUN_HIDDEN | _RUN_BULKY)


def event_json(event: RunEvent) -> dict[str, Any]:
    return event.model_dump(mode="json", exclude={"run_id"})


def create_fields(body: dict[str, Any]) -> tuple[dict[str, Any], TaskStatus, dict[str, str] | None]:
    """(TaskSpec fields, status to create in, deliver_to) from a create body."""
    fields = {k: v for k, v in body.items() if k not in READ_ONLY and k not in ("status", "deliver_to")}
    status = TaskStatus.PAUSED if body.get("status") == TaskStatus.PAUSED else TaskStatus.ACTIVE
    return fields, status, body.get("deliver_to")
