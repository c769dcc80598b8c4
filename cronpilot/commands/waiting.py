"""Waiting for runs (and what they release downstream) to finish, from a CLI process: by
looking again when an engine runs elsewhere, or by running the work here when none does."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable

from scheduler.engine import Engine, EngineOptions
from scheduler.errors import NotFound
from scheduler.models import Run, RunStatus

from ..wiring import App

POLL_SECONDS = 0.2


def engine_running(app: App) -> bool:
    return app.service.engine_running()


def _open(app: App, run_ids: Iterable[int], downstream: set[int], after_run_id: int) -> tuple[list[Run], bool]:
    """(the runs to report, whether any is still going)."""
    runs = [app.service.get_run(r) for r in run_ids]
    if downstream:
        runs += [r for r in app.service.list_runs(limit=10_000)
                 if r.task_id in downstream and r.run_id > after_run_id and r.run_id not in run_ids]
    going = any(not r.status.is_terminal for r in runs)
    # A run that ended 'retrying' is followed by its retry: wait for that one instead.
    going = going or any(r.status == RunStatus.RETRYING and not _has_retry(app, r) for r in runs)
    return sorted(runs, key=lambda r: r.run_id), going


def _has_retry(app: App, run: Run) -> bool:
    try:
        recent = app.service.list_runs(task=str(run.task_id), limit=50)
    except NotFound:  # the task was deleted meanwhile: its retry was cancelled with it
        return False
    return any(r.retry_of == run.run_id for r in recent)


def wait_for(app: App, run_ids: list[int], *, downstream: set[int] | None = None, quiet: bool = False) -> list[Run]:
    """Wait until ``run_ids`` and the runs of ``downstream`` tasks after them have finished."""
    downstream = downstream or set()
    first = min(run_ids) if run_ids else 0
    if not engine_running(app):
        asyncio.run(_run_here(app, run_ids, downstream, first))
    else:
        from .. import render

        status = render.console.status("waiting for the runs to finish…", spinner="dots")
        with status if not quiet else _Quiet():
            while True:
                _runs, going = _open(app, run_ids, downstream, first)
                if not going:
                    break
                time.sleep(POLL_SECONDS)
    return _open(app, run_ids, downstream, first)[0]


async def _run_here(app: App, run_ids: list[int], downstream: set[int], first: int) -> None:
    """No engine is up: run the asked-for work in this process (no schedules, no watchers)."""
    engine: Engine = app.engine(options=EngineOptions(schedules=False, notify_failures=True))
    await engine.start()
    try:
        while True:
            await engine.run_until_idle()
            _runs, going = await asyncio.to_thread(_open, app, run_ids, downstream, first)
            if not going:
                return
            due = await asyncio.to_thread(app.service.next_pending_due)
            delay = (due - app.clock.now()).total_seconds() if due else POLL_SECONDS
            await asyncio.sleep(min(max(delay, 0.0), 5.0))  # a retry's backoff, in real time
            engine.wake()
    finally:
        await engine.shutdown()


class _Quiet:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None
