"""The head run of a workflow: it only marks the start; its completion releases the root steps."""

from __future__ import annotations

from ..models import WorkflowAction
from .base import ActionContext, ActionResult


async def run(action: WorkflowAction, ctx: ActionContext) -> ActionResult:
    return ActionResult(ok=True, summary="workflow started")
