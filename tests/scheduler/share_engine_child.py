"""One engine process for tests/scheduler/test_engine_shares.py's kill -9 test:
``python share_engine_child.py URL SHARE_LEASE_SECONDS``. Says "ready" once started; SIGTERM
stops it gracefully (its partitions released)."""

from __future__ import annotations

import asyncio
import signal
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

from scheduler.actions.base import ActionConfig
from scheduler.clock import SystemClock
from scheduler.engine import Engine, EngineOptions
from scheduler.store import Store


async def main(url: str, lease: float) -> None:
    store = Store(url, migrate=False)
    engine = Engine(store, config=ActionConfig(data_dir=Path(tempfile.mkdtemp(prefix="share-child-"))),
                    clock=SystemClock(), options=EngineOptions(share_lease=timedelta(seconds=lease)))
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await engine.start()
    print("ready", engine.worker_id, flush=True)
    await engine.run_forever(stop)
    await engine.shutdown(grace=timedelta(seconds=5))
    store.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], float(sys.argv[2])))
