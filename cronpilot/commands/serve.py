"""``cronpilot serve``: the engine in the foreground; Ctrl-C stops it cleanly."""

from __future__ import annotations

import asyncio
import signal
from datetime import timedelta

import typer

from .. import render
from .context import current_app


def serve(
    grace: int = typer.Option(30, "--grace", help="Seconds to let running tasks finish on stop."),
) -> None:
    """Run the scheduler engine until Ctrl-C (a second Ctrl-C stops at once)."""
    asyncio.run(_serve(timedelta(seconds=grace)))


async def _serve(grace: timedelta) -> None:
    app = current_app()
    engine = app.engine()
    await engine.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def on_signal() -> None:
        if stop.is_set():  # second signal: leave now; leases let the next start recover
            raise SystemExit(130)
        render.console.print("stopping: letting running tasks finish (Ctrl-C again to stop at once)…")
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal)
    tasks = app.service.list_tasks()
    render.console.print(
        f"cronpilot engine running: {len(tasks)} task(s), database "
        f"{render.escape(_where(app.settings.effective_database_url))}. Ctrl-C to stop."
    )
    try:
        await engine.run_forever(stop)
    finally:
        await engine.shutdown(grace=grace)
        render.console.print("stopped cleanly")


def _where(url: str) -> str:
    from scheduler.store.dialect import redact

    return redact(url)
