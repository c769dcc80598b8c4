"""Running one pending run in the calling process, when no engine is there to pick it up
(``cronpilot run TASK`` without ``serve``). The schedule is not touched."""

from __future__ import annotations

import os

from .actions.base import ActionConfig
from .clock import Clock
from .execution import execute_run
from .models import Run
from .ports import AIRunner, Notifier
from .store import Store

ONESHOT_LEASE_SECONDS = 3600


async def run_pending_now(
    store: Store,
    run_id: int,
    *,
    config: ActionConfig,
    clock: Clock,
    notifier: Notifier | None = None,
    ai_runner: AIRunner | None = None,
) -> Run:
    """Claim run ``run_id``, execute it here, record the outcome and return the finished run.
    If someone else claimed it first, return it as it is."""
    import asyncio
    from datetime import timedelta

    owner = f"cli-{os.getpid()}"
    now = clock.now()
    claimed = store.claim_run(
        run_id, owner=owner, now=now, lease_until=now + timedelta(seconds=ONESHOT_LEASE_SECONDS)
    )
    if claimed is None:
        return store.get_run(run_id)
    task = store.get_task(claimed.task_id)
    outcome = await execute_run(
        task, run_id=claimed.run_id, attempt=claimed.attempt, scheduled_for=claimed.scheduled_for,
        reason=claimed.reason, config=config, now=clock.now, notifier=notifier, ai_runner=ai_runner,
    )
    await asyncio.to_thread(store.finish_runs, [outcome], owner=owner, now=clock.now())
    return store.get_run(run_id)
