"""What the engine keeps of every task between its fires.

A validated ``Task`` is about 5 KB of pydantic objects; an engine following 100,000 tasks held
650 MB of them, and validating them was most of its start-up. To schedule a task the engine
needs its triggers, zone and policies; the whole task (action, origin, ...) only when a run
starts, and then it comes from a bounded cache (engine.py). A ``Schedule`` is read straight from
the stored definition, validating only the fields it keeps.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, create_model

from .models import MisfirePolicy, OverlapPolicy, RetryPolicy, Task, TaskSpec, TaskStatus
from .triggers import ConditionTrigger, FileTrigger, PgNotifyTrigger, Trigger

_REACTIVE = (FileTrigger, PgNotifyTrigger, ConditionTrigger)


@dataclass(slots=True)
class Schedule:
    task_id: int
    name: str
    owner: str
    timezone: str
    triggers: tuple[Trigger, ...]
    misfire_policy: MisfirePolicy
    misfire_grace: timedelta
    overlap: OverlapPolicy
    retry: RetryPolicy
    is_schedulable: bool
    workflow_id: int | None
    max_parallel: int  # of a workflow's steps at once, when this task is a workflow head
    cursor: datetime  # fires at or before this instant are already recorded (as stored)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)  # ZoneInfo keeps one object per key

    @property
    def reactive(self) -> bool:
        """Has triggers that need a watcher (files, NOTIFY channels, condition checks)."""
        return any(isinstance(t, _REACTIVE) for t in self.triggers)


# The definition fields a schedule keeps, with TaskSpec's own types and defaults.
_KEPT = ("triggers", "misfire_policy", "misfire_grace", "overlap", "retry")
_Fields: type[BaseModel] = create_model(  # type: ignore[call-overload]
    "_ScheduleFields", **{name: (TaskSpec.model_fields[name].annotation, TaskSpec.model_fields[name]) for name in _KEPT}
)
_shared_sets: dict[tuple[type, frozenset[str]], frozenset[str]] = {}
M = TypeVar("M", bound=BaseModel)
_shared_values: dict[Any, Any] = {}  # equal immutable values (retry policies, durations): one copy


def _shared(value: Any) -> Any:
    return _shared_values.setdefault(value, value)


def _compact(model: M) -> M:
    """Let ``model`` share its set of explicitly given field names with every equal one (the
    set is most of a small model's memory). Frozen, so an assignment fails loudly instead of
    changing the others; schedules are never assigned to."""
    names = frozenset(model.__pydantic_fields_set__)
    key = (type(model), names)
    object.__setattr__(model, "__pydantic_fields_set__", _shared_sets.setdefault(key, names))
    return model


def _max_parallel(action: Any) -> int:
    if isinstance(action, dict):
        value = action.get("max_parallel") if action.get("kind") == "workflow" else None
    else:
        value = getattr(action, "max_parallel", None)
    return int(value) if value else 4


def schedule_from_row(row: Any) -> Schedule:
    """A schedule from a ``tasks`` row (its definition was validated when it was stored)."""
    fields = _Fields.model_validate(row.definition, context={"trusted": True})
    return Schedule(
        task_id=row.task_id, name=row.name, owner=sys.intern(row.owner), timezone=sys.intern(row.timezone),
        triggers=tuple(_compact(t) for t in fields.triggers),  # type: ignore[attr-defined]
        misfire_policy=fields.misfire_policy, misfire_grace=_shared(fields.misfire_grace),  # type: ignore[attr-defined]
        overlap=fields.overlap, retry=_shared(_compact(fields.retry)),  # type: ignore[attr-defined]
        is_schedulable=bool(row.enabled) and row.status == TaskStatus.ACTIVE.value,
        workflow_id=row.workflow_id, max_parallel=_max_parallel(row.definition.get("action")),
        cursor=row.last_fire_at or row.created_at,
    )


def schedule_of(task: Task) -> Schedule:
    return Schedule(
        task_id=task.task_id, name=task.name, owner=task.owner, timezone=task.timezone,
        triggers=tuple(task.triggers), misfire_policy=task.misfire_policy, misfire_grace=task.misfire_grace,
        overlap=task.overlap, retry=task.retry, is_schedulable=task.is_schedulable,
        workflow_id=task.workflow_id, max_parallel=_max_parallel(task.action),
        cursor=task.last_fire_at or task.created_at,
    )
