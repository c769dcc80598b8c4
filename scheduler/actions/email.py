"""Placeholder until the email action lands."""

from __future__ import annotations

from typing import Any

from .base import ActionContext, ActionFailed, ActionResult


async def run(action: Any, ctx: ActionContext) -> ActionResult:
    raise ActionFailed("the email action is not available yet")
