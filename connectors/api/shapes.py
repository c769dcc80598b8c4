"""The JSON the API speaks: tasks as ``cronpilot task show --json`` prints them, runs, and the
body a task is created from (that same shape, so a shown task can be sent back)."""

from __future__ import annotations

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


def task_summary(service: Service, task: Task) -> dict[str, Any]:
    """A task in a listing: the same fields, with only its next fire."""
    data = task.model_dump(mode="json")
    upcoming = service.next_fires(task, count=1)
    data["next_fire_at"] = upcoming[0].isoformat() if upcoming else None
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
