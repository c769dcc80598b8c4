"""Several engines on one PostgreSQL database: do they share the scheduling work?

For each engine count (``--engines 1,2,4``) and mode (``--modes shared,repeated``: partitions
under leases, ``scheduler/sharing.py``, or every engine computing every fire as before), a fresh
database gets ``--tasks`` no-op tasks firing every second (anchors spread over the second), and
that many engine processes run on it. Over a ``--window`` of whole seconds (after the engines
have started and divided the partitions) it measures:

- fires: distinct fires scheduled in the window that have a row (their own, or an overload row
  standing for N fires of a task: "missed: engine overloaded: N fires between A and B"), against offered;
  duplicates (rows beyond one per fire: must be 0) and fires with no row when the engines were
  stopped 6 s after the window (an engine that far behind hadn't computed them yet: a restart
  catches them up from the stored cursor; 0 whenever the engines keep up);
- on time: fires whose action started within 0.5 s (each engine's ``on_run_start`` hook),
  lateness p50/p99;
- computed: fires the engines handed to the store (several per fire when they repeat the work);
- CPU: the engine processes' and the PostgreSQL backends' over the window, per fire.

    .venv/bin/python bench/engines.py                              # 1, 2, 4 engines, both modes
    .venv/bin/python bench/engines.py --tasks 2000 --window 15 --json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.engine import PG_BENCH_URL, _loadavg, _pg_admin, _postgres_cpu

ON_TIME = 0.5


# --- one engine process --------------------------------------------------------------------


async def _child(url: str, shared: bool, t0: float, t1: float, drain: float) -> dict[str, Any]:
    from scheduler.actions.base import ActionConfig
    from scheduler.clock import SystemClock
    from scheduler.engine import Engine, EngineOptions, tune_gc_for_serving
    from scheduler.store import Store

    store = Store(url, migrate=False)
    late: list[float] = []
    computed = [0]
    original = store.commit_tick
    lo, hi = datetime.fromtimestamp(t0, UTC), datetime.fromtimestamp(t1, UTC)

    passes = [0]

    def commit_tick(outcomes: Any, fires: Any, **kwargs: Any) -> Any:
        computed[0] += sum(1 for f in fires if f.scheduled_for is not None and lo <= f.scheduled_for < hi)
        if t0 <= time.time() < t1:
            passes[0] += 1
        return original(outcomes, fires, **kwargs)

    store.commit_tick = commit_tick

    def on_run_start(_run_id: int, scheduled_for: datetime | None) -> None:
        if scheduled_for is not None and lo <= scheduled_for < hi:
            late.append(time.time() - scheduled_for.timestamp())

    tune_gc_for_serving()
    engine = Engine(store, config=ActionConfig(data_dir=Path(tempfile.mkdtemp(prefix="bench-engines-"))),
                    clock=SystemClock(), on_run_start=on_run_start,
                    options=EngineOptions(share_work=shared, listen_for_changes=True))
    await engine.start()
    stop = asyncio.Event()
    runner = asyncio.ensure_future(engine.run_forever(stop))
    await asyncio.sleep(max(0.0, t0 - time.time()))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu0 = usage.ru_utime + usage.ru_stime
    await asyncio.sleep(max(0.0, t1 - time.time()))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu1 = usage.ru_utime + usage.ru_stime
    partitions = engine.partitions
    await asyncio.sleep(drain)
    stop.set()
    await runner
    await engine.shutdown(grace=timedelta(seconds=5))
    store.close()
    return {"worker_id": engine.worker_id, "cpu_s": round(cpu1 - cpu0, 3), "computed": computed[0],
            "partitions": None if partitions is None else len(partitions), "late": late,
            "commits": passes[0]}


# --- the parent ---------------------------------------------------------------------------


_SPAN = re.compile(r": (\d+) fires? (?:between|at) ")


def _fires_covered(found: Sequence[Any], lo: datetime, hi: datetime) -> tuple[int, int]:
    """(rows, distinct fires) of the window: a row stands for its own fire, or, shed under
    overload as "missed: engine overloaded: N fires between A and B", for the N fires of its
    task up to its own (these tasks fire every second). A fire two rows stand for is counted
    among the rows, so rows - distinct is the duplicates."""
    fires: set[tuple[int, datetime]] = set()
    rows = 0
    for task_id, at, error in found:
        at = at if at.tzinfo else at.replace(tzinfo=UTC)
        span = _SPAN.search(error or "")
        for k in range(int(span.group(1)) if span else 1):
            fire = at - timedelta(seconds=k)
            if lo <= fire < hi:
                rows += 1
                fires.add((task_id, fire))
    return rows, len(fires)


def _pct(values: list[float], q: float) -> float | None:
    return round(values[min(len(values) - 1, int(q * len(values)))] * 1000, 1) if values else None


def run(engines: int, shared: bool, tasks: int, window: int) -> dict[str, Any]:
    import sqlalchemy as sa

    from bench.workload import add_interval_tasks
    from scheduler.store import Store
    from scheduler.store.tables import runs
    from scheduler.store.tables import tasks as task_table

    db = f"cronpilot_engines_{uuid.uuid4().hex[:8]}"
    _pg_admin(f'CREATE DATABASE "{db}"')
    url = PG_BENCH_URL.format(db=db)
    try:
        store = Store(url)
        base = float(math.floor(time.time()))
        add_interval_tasks(store, count=tasks, every=timedelta(seconds=1),
                           anchor_of=lambda i: datetime.fromtimestamp(base + i / tasks, UTC), now=datetime.now(UTC))
        with store.engine.begin() as conn:
            conn.execute(task_table.update().values(last_fire_at=datetime.now(UTC)))
        t0 = float(math.ceil(time.time() + 8 + 2 * engines))  # start-up, then the partitions divided
        t1, drain = t0 + window, 6.0
        server: list[float] = []

        def sample_server() -> None:
            for at in (t0, t1):
                time.sleep(max(0.0, at - time.time()))
                server.append(_postgres_cpu(db))

        sampler = threading.Thread(target=sample_server, daemon=True)
        sampler.start()
        procs = [subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--child", url,
                                   "shared" if shared else "repeated", str(t0), str(t1), str(drain)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
                 for _ in range(engines)]
        children = []
        for proc in procs:
            out, err = proc.communicate(timeout=t1 - time.time() + 120)
            lines = [line for line in out.splitlines() if line.startswith("{")]
            if proc.returncode != 0 or not lines:
                raise RuntimeError(f"engine exit {proc.returncode}: {err.strip().splitlines()[-3:]}")
            children.append(json.loads(lines[-1]))
        sampler.join()
        lo, hi = datetime.fromtimestamp(t0, UTC), datetime.fromtimestamp(t1, UTC)
        with store.engine.connect() as conn:
            found = conn.execute(
                sa.select(runs.c.task_id, runs.c.scheduled_for, runs.c.error)
                .where(runs.c.scheduled_for >= lo, runs.c.scheduled_for < hi + timedelta(seconds=60))
            ).all()
        rows, distinct = _fires_covered(found, lo, hi)
        store.close()
    finally:
        _pg_admin(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    offered = tasks * window
    late = sorted(x for c in children for x in c["late"])
    engine_cpu = sum(c["cpu_s"] for c in children)
    server_cpu = server[1] - server[0] if len(server) == 2 else 0.0
    computed = sum(c["computed"] for c in children)
    return {
        "engines": engines, "mode": "shared" if shared else "repeated", "offered": offered,
        "fires": distinct, "duplicates": rows - distinct, "no_row_at_stop": offered - distinct,
        "started": len(late), "on_time_per_s": round(sum(1 for x in late if x <= ON_TIME) / window, 1),
        "lateness_p50_ms": _pct(late, 0.5), "lateness_p99_ms": _pct(late, 0.99),
        "computed_per_fire": round(computed / distinct, 2) if distinct else None,
        "partitions": [c["partitions"] for c in children],
        "commits_per_s": round(sum(c["commits"] for c in children) / window),
        "engine_cpu_s": round(engine_cpu, 2), "server_cpu_s": round(server_cpu, 2),
        "cpu_ms_per_fire": round(1000 * (engine_cpu + server_cpu) / distinct, 3) if distinct else None,
        "engine_cpu_ms_per_fire": round(1000 * engine_cpu / distinct, 3) if distinct else None,
        "load": _loadavg(),
    }


def render(rows: list[dict[str, Any]], tasks: int, window: int) -> str:
    head = ("| engines | mode | fires/s offered | on time/s | p50 / p99 ms | duplicates | no row at stop | computed per fire "
            "| partitions | commits/s (all engines) | engine CPU ms/fire | +PG CPU ms/fire | load |")
    lines = [head, "|" + "---|" * 13]
    for r in rows:
        lines.append(
            f"| {r['engines']} | {r['mode']} | {tasks} | {r['on_time_per_s']} | {r['lateness_p50_ms']} / "
            f"{r['lateness_p99_ms']} | {r['duplicates']} | {r['no_row_at_stop']} | {r['computed_per_fire']} | "
            f"{'/'.join(str(p) for p in r['partitions'])} | {r['commits_per_s']} | {r['engine_cpu_ms_per_fire']} | {r['cpu_ms_per_fire']} | "
            f"{r['load']} |")
    return "\n".join(lines) + f"\n\n{tasks} tasks every second, window {window} s, 1-min load shown per row.\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", default="1,2,4")
    parser.add_argument("--modes", default="shared,repeated")
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--window", type=int, default=15)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("rest", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        mode, t0, t1, drain = args.rest
        result = asyncio.run(_child(args.child, mode == "shared", float(t0), float(t1), float(drain)))
        sys.stdout.write(json.dumps(result) + "\n")
        sys.stdout.flush()
        os._exit(0)
    rows = []
    for count in (int(n) for n in args.engines.split(",")):
        for mode in args.modes.split(","):
            if count == 1 and mode == "repeated" and "shared" in args.modes:
                continue  # one engine: the same work either way
            rows.append(run(count, mode == "shared", args.tasks, args.window))
            if not args.json:
                print(json.dumps({k: v for k, v in rows[-1].items()}), file=sys.stderr)
    print(json.dumps(rows) if args.json else render(rows, args.tasks, args.window))


if __name__ == "__main__":
    main()
