"""The engine at rest and at scale: idle CPU with 1,000 tasks whose next fire is an hour away,
and the time ``Engine.start()`` takes to load 100,000 scheduled tasks, with the RSS after it.

    .venv/bin/python bench/engine_idle.py            # idle over 20 s, 100,000 tasks
    .venv/bin/python bench/engine_idle.py --quick --json

Each measurement runs in its own subprocess (SQLite in a temporary folder), so its CPU and RSS
are the engine's alone. The 100,000 tasks are written before the measuring process starts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.workload import add_interval_tasks

HOUR = timedelta(hours=1)


def _rss_mb() -> float:
    import psutil

    return round(psutil.Process().memory_info().rss / 2**20, 1)


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _create(path: Path, count: int) -> None:
    """``count`` hourly no-op tasks, anchored just ahead so the first fire is an hour away."""
    from scheduler.store import Store

    now = datetime.now(UTC)
    store = Store(f"sqlite:///{path}")
    add_interval_tasks(store, count=count, every=HOUR, now=now,
                       anchor_of=lambda i: now + timedelta(seconds=60 + i / count))
    store.close()


async def _engine(path: Path) -> Any:
    from scheduler.actions.base import ActionConfig
    from scheduler.engine import Engine
    from scheduler.store import Store

    return Engine(Store(f"sqlite:///{path}"), config=ActionConfig(data_dir=path.parent))


async def idle_child(path: Path, seconds: float) -> dict[str, Any]:
    engine = await _engine(path)
    await engine.start()
    stop = asyncio.Event()
    runner = asyncio.ensure_future(engine.run_forever(stop))
    await asyncio.sleep(1.0)  # past the first tick and its imports
    cpu0, t0 = _cpu_s(), time.perf_counter()
    await asyncio.sleep(seconds)
    cpu, elapsed = _cpu_s() - cpu0, time.perf_counter() - t0
    stop.set()
    await runner
    next_fire = min(engine.next_fire_at(t) or datetime.max.replace(tzinfo=UTC) for t in engine.task_ids())
    await engine.shutdown()
    return {
        "tasks": len(engine.task_ids()), "seconds": round(elapsed, 1), "cpu_s": round(cpu, 3),
        "cpu_pct_of_core": round(100 * cpu / elapsed, 3),
        "next_fire_in_s": round((next_fire - datetime.now(UTC)).total_seconds()),
    }


async def load_child(path: Path) -> dict[str, Any]:
    engine = await _engine(path)
    rss_before = _rss_mb()
    started, cpu0 = time.perf_counter(), _cpu_s()
    await engine.start()
    start_s, start_cpu_s = time.perf_counter() - started, _cpu_s() - cpu0
    rss = _rss_mb()
    tasks = len(engine.task_ids())
    await engine.shutdown()
    return {"tasks": tasks, "start_s": round(start_s, 2), "start_cpu_s": round(start_cpu_s, 2),
            "rss_mb": rss, "rss_before_mb": rss_before,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def _run_child(kind: str, path: Path, seconds: float) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", kind, "--db", str(path),
           "--seconds", str(seconds)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 300, cwd=ROOT, check=False)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        return {"error": f"{kind}: exit {proc.returncode}: {' | '.join(tail)}"}
    return json.loads(lines[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="idle over 5 s instead of 20 s")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--idle-tasks", type=int, default=1_000)
    parser.add_argument("--load-tasks", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, help="idle measurement length (default 20, --quick 5)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        path = Path(args.db)
        coro = idle_child(path, args.seconds) if args.child == "idle" else load_child(path)
        sys.stdout.write(json.dumps(asyncio.run(coro)) + "\n")
        sys.stdout.flush()
        os._exit(0)
    seconds = args.seconds or (5.0 if args.quick else 20.0)
    with tempfile.TemporaryDirectory(prefix="cronpilot-idle-") as tmp:
        idle_db, load_db = Path(tmp) / "idle" / "cronpilot.db", Path(tmp) / "load" / "cronpilot.db"
        _create(idle_db, args.idle_tasks)
        idle = _run_child("idle", idle_db, seconds)
        started = time.perf_counter()
        _create(load_db, args.load_tasks)
        create_s = time.perf_counter() - started
        load = _run_child("load", load_db, 0)
        load["create_s"] = round(create_s, 1)
    report = {"idle": idle, "load": load}
    print(json.dumps(report) if args.json else "\n".join(describe(report)))


def describe(report: dict[str, Any]) -> list[str]:
    """One line per measurement, for people."""
    idle, load = report["idle"], report["load"]
    lines = [idle["error"] if "error" in idle else
             f"Idle: {idle['tasks']:,} tasks, next fire {idle['next_fire_in_s']} s away: {idle['cpu_s']} CPU s "
             f"over {idle['seconds']} s = {idle['cpu_pct_of_core']} % of a core"]
    lines.append(load["error"] if "error" in load else
                 f"Load: {load['tasks']:,} tasks: engine.start() {load['start_s']} s ({load['start_cpu_s']} CPU s), "
                 f"RSS {load['rss_mb']} MB after it (before {load['rss_before_mb']} MB, peak {load['peak_rss_mb']} MB)")
    return lines


if __name__ == "__main__":
    main()
