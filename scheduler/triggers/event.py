"""Reactive triggers: a named event, a file appearing or changing, a PostgreSQL NOTIFY, a
condition turning true. They have no fire times; the engine fires them when their source speaks.

Built-in events: ``task.completed``, ``task.failed`` (any task's outcome) and
``task.completed:<task id>`` / ``task.failed:<task id>`` (one task's outcome). A task never
fires on its own outcome.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from ..actionspec import CheckAction

FileChange = Literal["create", "modify"]
FILE_CHANGES: tuple[FileChange, ...] = ("create", "modify")

EVENT_NAME = re.compile(r"^[a-z0-9][a-z0-9._:\-/]{0,99}$")
OUTCOME_EVENTS = ("task.completed", "task.failed")


_NOT_EVENTS = {
    "pg": "a PostgreSQL NOTIFY channel is a pg_notify trigger, not an event (CLI: --on-pg CHANNEL)",
    "file": "a folder to watch is a file trigger, not an event (CLI: --on-file DIR)",
    "http": "a URL to check is a condition trigger, not an event (CLI: --when-true URL)",
    "https": "a URL to check is a condition trigger, not an event (CLI: --when-true URL)",
}


def not_another_kind(name: str) -> str:
    """Refuse an event name that means another trigger kind: "pg:new_tickets" would be a plain
    event nobody ever emits, so the person is told what they meant instead."""
    prefix = name.strip().lower().partition(":")[0]
    if ":" in name and prefix in _NOT_EVENTS:
        raise ValueError(f"event name {name.strip().lower()!r}: {_NOT_EVENTS[prefix]}")
    return name


def check_event_name(name: str) -> str:
    name = name.strip().lower()
    if not EVENT_NAME.match(name):
        raise ValueError(
            f"event name {name!r}: use lowercase letters, digits and . _ : - / (at most 100), "
            "e.g. 'deploy.finished'"
        )
    return name


def outcome_source(event: str) -> tuple[str, str | None] | None:
    """('task.completed', '12') for 'task.completed:12' (a name until the service resolves it
    to an id); ('task.completed', None) for any task; None for other events."""
    base, _, target = event.partition(":")
    if base not in OUTCOME_EVENTS:
        return None
    return base, target or None


class _Reactive(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    debounce: timedelta | None = None  # fire at most once per this window

    @field_validator("debounce")
    @classmethod
    def _window(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and not timedelta(0) <= value <= timedelta(days=7):
            raise ValueError("the debounce window must be between 0 and 7 days")
        return value


class EventTrigger(_Reactive):
    kind: Literal["event"] = "event"
    event: str

    @field_validator("event")
    @classmethod
    def _name(cls, event: str, info: ValidationInfo) -> str:
        if info.context and info.context.get("trusted"):
            return check_event_name(event)  # read back from the store: kept as it was written
        return check_event_name(not_another_kind(event))


class FileTrigger(_Reactive):
    """Fires when a file matching ``glob`` is created or modified under ``path``."""

    kind: Literal["file"] = "file"
    path: str = Field(min_length=1, max_length=4096)
    glob: str = Field(default="*", min_length=1, max_length=200)
    on: list[FileChange] = Field(default_factory=lambda: list(FILE_CHANGES), min_length=1)


class PgNotifyTrigger(_Reactive):
    """Fires on PostgreSQL ``NOTIFY channel``; ``database`` names one from settings (None: the
    store's own database)."""

    kind: Literal["pg_notify"] = "pg_notify"
    channel: str = Field(pattern=r"^[a-z_][a-z0-9_]{0,62}$")
    database: str | None = None


class ConditionTrigger(BaseModel):
    """Evaluates ``check`` every ``every``; fires when it turns true (not on every true poll).
    True means: exit 0 (shell), a 2xx status (http), a first cell that is truthy (sql)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["condition"] = "condition"
    check: CheckAction
    every: timedelta

    @field_validator("every")
    @classmethod
    def _every(cls, every: timedelta) -> timedelta:
        if every < timedelta(seconds=5):
            raise ValueError("a condition is checked at most every 5 seconds")
        return every
