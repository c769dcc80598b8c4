"""AI action: hands the prompt to the plugged-in ``AIRunner`` (the agent) and keeps its transcript."""

from __future__ import annotations

from ..models import AIAction
from ..ports import AIRequest
from .base import ActionContext, ActionFailed, ActionResult


async def run(action: AIAction, ctx: ActionContext) -> ActionResult:
    if ctx.ai_runner is None:
        raise ActionFailed("no model configured: set OPENAI_API_KEY (and OPENAI_BASE_URL) to run AI tasks")
    result = await ctx.ai_runner.run(
        AIRequest(
            run_id=ctx.run_id,
            task_id=ctx.task_id,
            owner=ctx.owner,
            prompt=action.prompt,
            template=action.template,
            inputs=dict(action.inputs),
        )
    )
    ctx.output.write("stdout", result.text.encode())
    return ActionResult(
        ok=True,
        summary=result.text.splitlines()[0][:120] if result.text else "",
        data={"transcript": result.transcript, "tokens_used": result.tokens_used},
    )
