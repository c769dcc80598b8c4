from __future__ import annotations

from ..models import NoopAction
from .base import ActionContext, ActionResult


async def run(action: NoopAction, ctx: ActionContext) -> ActionResult:
    return ActionResult(ok=True)
