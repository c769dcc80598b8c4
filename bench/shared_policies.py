"""Overlap policies across engines: ``--engines`` engines in one process (each its own store
connection, so their transactions interleave on the database) fire ``--tasks`` tasks every
second whose runs take 1.5 s, policy ``skip``, for ``--seconds``; then all stop and start again
(a restart). Prints, from the run rows' [started, finished] intervals: runs that started while
another run of their task was running (should be 0), the most at once of one task, the fires
booked as overlaps, and the runs that completed.

    .venv/bin/python bench/shared_policies.py --db postgres --engines 3
    .venv/bin/python bench/shared_policies.py --db sqlite --engines 2 --root /path/to/other/checkout
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="postgres")
    parser.add_argument("--engines", type=int, default=3)
    parser.add_argument("--tasks", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--root", default=str(Path(__file__).resolve().parent.parent),
                        help="the checkout whose code to measure")
    args = parser.parse_args()
    sys.path.insert(0, args.root)
    asyncio.run(_measure(args))


async def _measure(args: Any) -> None:
    import psycopg

    from scheduler import actions
    from scheduler.actions.base import ActionConfig, ActionResult
    from scheduler.clock import SystemClock
    from scheduler.engine import Engine, EngineOptions
    from scheduler.models import NoopAction, OverlapPolicy, TaskSpec
    from scheduler.store import Store
    from scheduler.triggers.interval import IntervalTrigger

    async def slow(action: Any, ctx: Any) -> ActionResult:
        await asyncio.sleep(1.5)
        return ActionResult(ok=True)

    actions.runners()["noop"] = slow
    db = None
    folder = Path(tempfile.mkdtemp())
    if args.db == "postgres":
        db = f"cronpilot_overlap_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{db}"')
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{db}"
    else:
        url = f"sqlite:///{folder}/overlap.db"
    try:
        store = Store(url)
        now = datetime.now(UTC)
        every = IntervalTrigger(every=timedelta(seconds=1), anchor_at=now)
        store.add_tasks([TaskSpec(name=f"t{i}", action=NoopAction(), triggers=[every], overlap=OverlapPolicy.SKIP)
                         for i in range(args.tasks)], owner="bench", actor="bench", now=now)
        for _phase in ("first start", "restart"):
            stores = [Store(url) for _ in range(args.engines)]
            engines = [Engine(s, config=ActionConfig(data_dir=folder / f"d{i}"), clock=SystemClock(),
                              options=EngineOptions()) for i, s in enumerate(stores)]
            stop = asyncio.Event()
            loops = [asyncio.ensure_future(e.run_forever(stop)) for e in engines]
            await asyncio.sleep(args.seconds)
            stop.set()
            await asyncio.gather(*loops)
            await asyncio.gather(*(e.shutdown(grace=timedelta(seconds=5)) for e in engines))
            for each in stores:
                each.close()
        runs = [r for r in store.list_runs(limit=100_000)]
        store.close()
    finally:
        if db:
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    ran = [r for r in runs if r.started_at and r.finished_at and r.status.value in ("completed", "failed")]
    by_task: dict[int, list[Any]] = {}
    for run in ran:
        by_task.setdefault(run.task_id, []).append(run)
    overlapping, most = 0, 0
    for task_runs in by_task.values():
        edges = sorted([(r.started_at, 1) for r in task_runs] + [(r.finished_at, -1) for r in task_runs],
                       key=lambda e: (e[0], e[1]))
        level = 0
        for _at, step in edges:
            level += step
            if step == 1 and level > 1:
                overlapping += 1
            most = max(most, level)
    overlaps = sum(1 for r in runs if "overlap" in (r.error or ""))
    print(f"{args.db}, {args.engines} engines, {args.tasks} tasks every 1 s, runs of 1.5 s, 2 x {args.seconds:g} s: "
          f"runs started beside another of their task {overlapping}, most at once {most}, "
          f"completed {len(ran)}, booked as overlaps {overlaps}, rows {len(runs)}")


if __name__ == "__main__":
    main()
