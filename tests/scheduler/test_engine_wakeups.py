"""On PostgreSQL an engine hears other processes' changes (LISTEN/NOTIFY, migration 0012) and
acts at once; its poll is only the safety net. Here the poll is two minutes away, so a run that
starts within seconds was started by the notification."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from scheduler.actions.base import ActionConfig
from scheduler.clock import SystemClock
from scheduler.engine import Engine, EngineOptions
from scheduler.models import NoopAction, RunStatus, TaskSpec
from scheduler.store import Store
from scheduler.triggers import IntervalTrigger

NEVER = timedelta(minutes=2)  # the poll and the heartbeat: longer than the test waits


async def _wait_for(check, *, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if check():
            return True
        await asyncio.sleep(0.05)
    return check()


async def test_a_run_asked_for_by_the_cli_in_another_process_starts_without_waiting_for_the_poll(
    pg_schema_url, tmp_path: Path
):
    store = Store(pg_schema_url)
    clock = SystemClock()
    store.add_tasks([TaskSpec(name="ping", action=NoopAction(), triggers=[IntervalTrigger(every=timedelta(days=1))])],
                    owner="alice", actor="alice", now=clock.now())
    engine = Engine(store, config=ActionConfig(data_dir=tmp_path / "data"), clock=clock,
                    options=EngineOptions(poll_interval=NEVER, heartbeat_interval=NEVER, listen_for_changes=True))
    stop = asyncio.Event()
    runner = asyncio.ensure_future(engine.run_forever(stop))
    try:
        assert await _wait_for(lambda: engine._listener is not None and engine._listener.listening.is_set(), within=20)
        env = {**os.environ, "CRONPILOT_DATABASE_URL": pg_schema_url, "CRONPILOT_DATA_DIR": str(tmp_path / "cli"),
               "CRONPILOT_TIMEZONE": "UTC"}
        cli = await asyncio.to_thread(
            subprocess.run, [sys.executable, "-m", "cronpilot", "run", "ping"], env=env, capture_output=True,
            text=True, timeout=60,
        )
        assert cli.returncode == 0, cli.stderr
        asked = time.monotonic()

        def done() -> bool:
            return any(r.status == RunStatus.COMPLETED for r in store.list_runs())

        assert await _wait_for(done, within=15)
        assert time.monotonic() - asked < NEVER.total_seconds() / 4
    finally:
        stop.set()
        await runner
        await engine.shutdown(grace=timedelta(seconds=1))
        store.close()
