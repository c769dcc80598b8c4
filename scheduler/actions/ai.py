"""AI action: hands the prompt to the plugged-in ``AIRunner`` (the agent) and keeps its
transcript. A page the run may read (a template's ``url`` input) is fetched here, through the
http action with its network guard and allowlist: the agent gets the fetcher, not the action."""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

from ..models import AIAction, HttpAction
from ..ports import AIRequest
from . import http
from .base import ActionContext, ActionFailed, ActionResult, OutputCapture

FETCH_TIMEOUT = timedelta(seconds=30)


async def run(action: AIAction, ctx: ActionContext) -> ActionResult:
    if ctx.ai_runner is None:
        raise ActionFailed("no model configured: set OPENAI_API_KEY (and OPENAI_BASE_URL) to run AI tasks")

    async def fetch(url: str, *, max_bytes: int) -> str:
        return await fetch_page(url, ctx, max_bytes=max_bytes)

    result = await ctx.ai_runner.run(
        AIRequest(
            run_id=ctx.run_id,
            task_id=ctx.task_id,
            owner=ctx.owner,
            prompt=action.prompt,
            template=action.template,
            inputs=dict(action.inputs),
            fetch=fetch,
            delivery_key=ctx.delivery_key,
        )
    )
    ctx.output.write("stdout", result.text.encode())
    return ActionResult(
        ok=True,
        summary=result.text.splitlines()[0][:120] if result.text else "",
        data={"transcript": result.transcript, "tokens_used": result.tokens_used,
              "model_calls": result.model_calls},
    )


async def fetch_page(url: str, ctx: ActionContext, *, max_bytes: int) -> str:
    """GET ``url`` as an http task of this run would (same guard, allowlist and identity), within
    min(the task's timeout, 30 s); its body, or why not as one line the prompt can carry."""
    with tempfile.TemporaryDirectory() as folder:
        output = OutputCapture(Path(folder) / "fetch.log", limit=max_bytes)
        fetch_ctx = ActionContext(run_id=ctx.run_id, task_id=ctx.task_id, task_name=ctx.task_name,
                                  owner=ctx.owner, attempt=1, timeout=min(ctx.timeout, FETCH_TIMEOUT),
                                  config=ctx.config, output=output)
        try:
            result = await http.run(HttpAction(url=url), fetch_ctx)
        except ActionFailed as exc:
            return f"(fetching {url} failed: {exc})"
        finally:
            output.close()
        body = output.text("stdout") or ""
    return body if result.ok else f"(fetching {url} failed: {result.error})\n{body[:2000]}"
