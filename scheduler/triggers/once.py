"""One-off triggers: a single instant."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator


class OnceTrigger(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["once"] = "once"
    at: datetime

    @field_validator("at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("the time must carry a zone or UTC offset")
        return value.astimezone(UTC)


def next_fire_after(trigger: OnceTrigger, after: datetime) -> datetime | None:
    return trigger.at if trigger.at > after else None
