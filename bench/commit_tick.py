"""The store's share of a fire: ``Store.commit_tick`` recording N fires and ending the N of the
previous pass, round after round, on SQLite or PostgreSQL (a database of its own, dropped after).
Prints the median client CPU and wall time per fire; CPU time moves less with machine load.

    .venv/bin/python bench/commit_tick.py --db postgres --fires 1000 --rounds 10
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="postgres")
    parser.add_argument("--fires", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--no-gate", action="store_true",
                        help="fires without an overlap policy: not decided against the live runs (as before 0017)")
    args = parser.parse_args()

    import psycopg

    from bench.workload import add_interval_tasks
    from scheduler.models import OverlapPolicy, RunReason, RunStatus
    from scheduler.store import Store
    from scheduler.store.records import NewRun, RunOutcome

    db = None
    if args.db == "postgres":
        db = f"cronpilot_commit_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{db}"')
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{db}"
    else:
        url = f"sqlite:///{tempfile.mkdtemp()}/commit.db"
    try:
        store = Store(url)
        now = datetime.now(UTC)
        add_interval_tasks(store, count=args.fires, every=timedelta(seconds=1), anchor_of=lambda _i: now, now=now)
        ids = list(range(1, args.fires + 1))
        previous: list[NewRun] = []
        walls, cpus = [], []
        for r in range(args.rounds + 1):  # the first round warms up
            at = now + timedelta(seconds=r + 1)
            lease = at + timedelta(seconds=30)
            fires = [NewRun(task_id=i, status=RunStatus.RUNNING, reason=RunReason.SCHEDULE, due_at=at,
                            scheduled_for=at, started_at=at, lease_owner="w1", lease_expires_at=lease,
                            overlap=None if args.no_gate else OverlapPolicy.SKIP) for i in ids]
            outcomes = [RunOutcome(run_id=f.run_id or 0, task_id=f.task_id, status=RunStatus.COMPLETED,
                                   finished_at=at, attempt=1, scheduled_for=f.scheduled_for,
                                   reason=RunReason.SCHEDULE) for f in previous]
            cpu, wall = time.process_time(), time.perf_counter()
            kept, _released, previous, _ = store.commit_tick(outcomes, fires, owner="w1", now=at, lease_until=lease)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            assert len(previous) == len(fires) and len(kept) == len(outcomes)
            if r:
                walls.append(wall / args.fires * 1e6)
                cpus.append(cpu / args.fires * 1e6)
        store.close()
    finally:
        if db:
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    walls.sort()
    cpus.sort()
    print(f"{args.db}{' (no gate)' if args.no_gate else ''}, {args.fires} fires a pass: client CPU per fire {cpus[len(cpus) // 2]:.1f} us "
          f"(best {cpus[0]:.1f}), wall per fire {walls[len(walls) // 2]:.1f} us (best {walls[0]:.1f})")


if __name__ == "__main__":
    main()
