"""The store's share of a fire: ``Store.commit_tick`` recording N fires and ending the N of the
previous pass, round after round, on SQLite or PostgreSQL (a database of its own, dropped after).
Prints the median client CPU and wall time per fire; CPU time moves less with machine load.

    .venv/bin/python bench/commit_tick.py --db postgres --fires 1000 --rounds 10
    .venv/bin/python bench/commit_tick.py --db sqlite --without-index ix_runs_status_run --preload 200000

``--without-index NAME`` measures two databases side by side, rounds interleaved so machine load
falls on both alike: one as migrated, one with index ``NAME`` dropped (what that index costs the
engine). ``--preload N`` lays down N ended runs first (an index's depth grows with the table).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"


def rounds(store: Any, *, fires: int, count: int, now: datetime, gate: bool = True) -> Iterator[tuple[float, float]]:
    """(wall µs, client CPU µs) per fire of each round after a warm-up round."""
    from bench.workload import add_interval_tasks
    from scheduler.models import OverlapPolicy, RunReason, RunStatus
    from scheduler.store.records import NewRun, RunOutcome

    add_interval_tasks(store, count=fires, every=timedelta(seconds=1), anchor_of=lambda _i: now, now=now,
                       prefix=f"tick-{uuid.uuid4().hex[:6]}")
    ids = store.task_ids()[-fires:]
    previous: list[NewRun] = []
    for r in range(count + 1):  # the first round warms up
        at = now + timedelta(seconds=r + 1)
        lease = at + timedelta(seconds=30)
        batch = [NewRun(task_id=i, status=RunStatus.RUNNING, reason=RunReason.SCHEDULE, due_at=at,
                        scheduled_for=at, started_at=at, lease_owner="w1", lease_expires_at=lease,
                        overlap=OverlapPolicy.SKIP if gate else None) for i in ids]
        outcomes = [RunOutcome(run_id=f.run_id or 0, task_id=f.task_id, status=RunStatus.COMPLETED,
                               finished_at=at, attempt=1, scheduled_for=f.scheduled_for,
                               reason=RunReason.SCHEDULE) for f in previous]
        cpu, wall = time.process_time(), time.perf_counter()
        kept, _released, previous, _ = store.commit_tick(outcomes, batch, owner="w1", now=at, lease_until=lease)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        assert len(previous) == len(batch) and len(kept) == len(outcomes)
        if r:
            yield wall / fires * 1e6, cpu / fires * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="postgres")
    parser.add_argument("--fires", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--without-index", metavar="NAME", help="also measure a database without this index")
    parser.add_argument("--preload", type=int, default=0, metavar="N", help="ended runs laid down first")
    parser.add_argument("--no-gate", action="store_true",
                        help="fires without an overlap policy: not decided against the live runs (as before 0017)")
    args = parser.parse_args()

    import psycopg
    import sqlalchemy as sa

    from bench.dashboard import bulk_runs
    from scheduler.models import TaskSpec
    from scheduler.store import Store

    variants = ["as migrated"] + ([f"without {args.without_index}"] if args.without_index else [])
    dbs: list[str] = []
    stores = []
    try:
        for variant in variants:
            if args.db == "postgres":
                dbs.append(f"cronpilot_commit_{uuid.uuid4().hex[:8]}")
                with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
                    conn.execute(f'CREATE DATABASE "{dbs[-1]}"')
                url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{dbs[-1]}"
            else:
                url = f"sqlite:///{tempfile.mkdtemp()}/commit.db"
            store = Store(url)
            if variant != "as migrated":
                with store.engine.begin() as conn:
                    conn.execute(sa.text(f"DROP INDEX {args.without_index}"))
            now = datetime.now(UTC)
            if args.preload:
                store.add_tasks((TaskSpec.model_validate({"name": f"old-{i}", "action": {"kind": "noop"}})
                                 for i in range(1000)), owner="bench", actor="bench", now=now)
                bulk_runs(store, store.task_ids(), runs=args.preload, now=now)
            stores.append((variant, store, rounds(store, fires=args.fires, count=args.rounds, now=now, gate=not args.no_gate)))
        measured: dict[str, tuple[list[float], list[float]]] = {v: ([], []) for v in variants}
        for _ in range(args.rounds):
            for variant, _store, gen in stores:  # interleaved: load falls on each alike
                wall, cpu = next(gen)
                measured[variant][0].append(wall)
                measured[variant][1].append(cpu)
        for _variant, store, _gen in stores:
            store.close()
    finally:
        for db in dbs:
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    for variant, (walls, cpus) in measured.items():
        walls.sort()
        cpus.sort()
        print(f"{args.db} ({variant}, {args.preload:,} runs before), {args.fires} fires a pass: client CPU per fire "
              f"{cpus[len(cpus) // 2]:.1f} us (best {cpus[0]:.1f}), wall per fire {walls[len(walls) // 2]:.1f} us "
              f"(best {walls[0]:.1f})")


if __name__ == "__main__":
    main()
