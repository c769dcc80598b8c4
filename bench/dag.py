"""Release and webhook latency: how soon a task starts once what it waits for has happened.

Three workloads, each on a fresh store (SQLite file; PostgreSQL schema unless ``--no-postgres``),
with a real engine on the system clock running ``run_forever`` in this process:

* chain   N tasks t0 → t1 → … (each waits for the one before); t0 is run by hand. Latency per
          edge: the successor's start (the engine's ``on_run_start`` hook, wall clock) minus
          the predecessor's ``finished_at`` as stored.
* fan-out one task → N dependents; latency per dependent, from the one predecessor's finish.
* webhook M signed ``POST /hooks/{event}`` one after another, through the real FastAPI app
          served by uvicorn on 127.0.0.1:0; latency from just before the POST to the listening
          task's ``on_run_start``.

Actions are no-ops, so the figures are the scheduler's own overhead.

    .venv/bin/python bench/dag.py                  # N=1000, M=200, table
    .venv/bin/python bench/dag.py --quick --json   # N=200, M=50
    .venv/bin/python bench/dag.py --profile chain  # time per store call during one chain
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx

from connectors.web import HttpServer, build_api
from connectors.webhooks import sign, webhook_router
from scheduler.actions.base import ActionConfig
from scheduler.engine import Engine, EngineOptions
from scheduler.models import DependencyCondition, RunStatus
from scheduler.service import Actor, Role, Service
from scheduler.store import Store

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test?options=-csearch_path%3D{schema}"
ADMIN = Actor("bench", Role.ADMIN)
EVENT = "bench.hook"


@dataclass
class Starts:
    """Wall-clock start of each run, from the engine's ``on_run_start`` hook."""

    at: dict[int, datetime] = field(default_factory=dict)
    perf: dict[int, float] = field(default_factory=dict)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    want: int = 0

    def __call__(self, run_id: int, scheduled_for: datetime | None) -> None:
        self.perf[run_id] = time.perf_counter()
        self.at[run_id] = datetime.now(UTC)
        if len(self.at) >= self.want:
            self.arrived.set()


def stats(values_s: list[float]) -> dict[str, Any]:
    ms = sorted(v * 1000 for v in values_s)
    n = len(ms)

    def pct(q: float) -> float:
        return round(ms[min(n - 1, int(q * n))], 2)

    return {"n": n, "p50_ms": pct(0.50), "p99_ms": pct(0.99), "max_ms": round(ms[-1], 2),
            "mean_ms": round(sum(ms) / n, 2)}


# --- stores ----------------------------------------------------------------------------------


@contextlib.contextmanager
def fresh_store(backend: str, tmp: Path) -> Iterator[Store]:
    if backend == "sqlite":
        store = Store(f"sqlite:///{tmp / f'dag-{uuid.uuid4().hex[:8]}.db'}")
        try:
            yield store
        finally:
            store.close()
        return
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    store = Store(PG_URL.format(schema=schema))
    try:
        yield store
    finally:
        store.close()
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def postgres_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return True
    except Exception:
        return False


def add_noop_tasks(service: Service, names: list[str], *, triggers: list[dict[str, Any]] | None = None) -> list[int]:
    ids = []
    now = service.clock.now()
    for name in names:
        spec = service.build_spec({"name": name, "triggers": triggers or [], "action": {"kind": "noop"}})
        # Straight to the store: the service's per-create checks walk every task (setup only).
        ids.append(service.store.add_task(spec, owner=ADMIN.user, actor=ADMIN.user, now=now).task_id)
    return ids


# --- running an engine -------------------------------------------------------------------------


StoreTimes = dict[str, list[float]]


@contextlib.asynccontextmanager
async def running_engine(store: Store, service: Service, tmp: Path, starts: Starts,
                         times: StoreTimes | None = None) -> AsyncIterator[Engine]:
    engine = Engine(store, config=ActionConfig(data_dir=tmp / "data"), options=EngineOptions(),
                    on_run_start=starts)
    if times is not None:
        time_store_calls(engine, times)
    service.on_change = engine.wake
    await engine.start()
    stop = asyncio.Event()
    job = asyncio.ensure_future(engine.run_forever(stop))
    try:
        yield engine
    finally:
        stop.set()
        await job
        await engine.shutdown(grace=timedelta(seconds=10))


def time_store_calls(engine: Engine, times: StoreTimes) -> None:
    """Record how long each store call takes on the engine's store thread, by method name."""
    loop_call = engine._store

    async def timed(fn: Any, *args: Any, **kwargs: Any) -> Any:
        def run() -> Any:
            began = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                times.setdefault(fn.__name__, []).append(time.perf_counter() - began)

        return await loop_call(run)

    engine._store = timed  # type: ignore[method-assign]


async def release_latency(store: Store, tmp: Path, *, shape: str, n: int,
                          times: StoreTimes | None = None) -> dict[str, Any]:
    service = Service(store, default_timezone="UTC")
    if shape == "chain":
        ids = add_noop_tasks(service, [f"step-{i}" for i in range(n)])
        edges = list(itertools.pairwise(ids))
    else:
        ids = add_noop_tasks(service, ["root", *[f"leaf-{i}" for i in range(n)]])
        edges = [(ids[0], leaf) for leaf in ids[1:]]
    now = service.clock.now()
    for pred, succ in edges:
        store.add_dependency(pred, succ, condition=DependencyCondition.SUCCESS, now=now)
    starts = Starts(want=len(ids))
    async with running_engine(store, service, tmp, starts, times):
        began = time.perf_counter()
        service.run_now(str(ids[0]), actor=ADMIN)
        await asyncio.wait_for(starts.arrived.wait(), timeout=600)
        elapsed = time.perf_counter() - began
    finished: dict[int, datetime] = {}
    run_of: dict[int, int] = {}
    for run in store.list_runs(limit=10 * len(ids)):
        if run.status != RunStatus.COMPLETED:
            raise RuntimeError(f"run {run.run_id} ended {run.status}: {run.error}")
        finished[run.task_id] = run.finished_at  # type: ignore[assignment]
        run_of[run.task_id] = run.run_id
    latencies = [(starts.at[run_of[succ]] - finished[pred]).total_seconds() for pred, succ in edges]
    return {**stats(latencies), "total_s": round(elapsed, 2)}


async def webhook_latency(store: Store, tmp: Path, *, m: int) -> dict[str, Any]:
    service = Service(store, default_timezone="UTC")
    secret = service.create_webhook(EVENT, actor=ADMIN)
    add_noop_tasks(service, ["hooked"], triggers=[{"kind": "event", "event": EVENT}])
    starts = Starts(want=10**9)
    latencies, answered = [], []
    async with running_engine(store, service, tmp, starts):
        server = HttpServer(build_api(extra_routers=[webhook_router(service)]), host="127.0.0.1", port=0)
        await server.start()
        try:
            async with httpx.AsyncClient(base_url=server.url) as client:
                for i in range(m + 5):  # the first 5 warm up connections and caches
                    body = json.dumps({"i": i}).encode()
                    stamp = int(time.time())
                    headers = {"X-Cronpilot-Timestamp": str(stamp), "X-Cronpilot-Signature": sign(secret, stamp, body),
                               "X-Cronpilot-Delivery": uuid.uuid4().hex, "Content-Type": "application/json"}
                    sent = time.perf_counter()
                    response = await client.post(f"/hooks/{EVENT}", content=body, headers=headers)
                    response.raise_for_status()
                    replied = time.perf_counter()
                    [run_id] = response.json()["runs"]
                    async with asyncio.timeout(30):
                        while run_id not in starts.perf:
                            await asyncio.sleep(0.0005)
                    if i >= 5:
                        latencies.append(starts.perf[run_id] - sent)
                        answered.append(replied - sent)
        finally:
            await server.stop()
    # The run often starts before the 202 is back: the engine is woken inside the request.
    return {**stats(latencies), "answered_p50_ms": stats(answered)["p50_ms"]}


# --- main --------------------------------------------------------------------------------------


async def bench(backends: list[str], n: int, m: int) -> list[dict[str, Any]]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="cronpilot-dag-") as name:
        tmp = Path(name)
        for backend in backends:
            for shape in ("chain", "fan-out"):
                with fresh_store(backend, tmp) as store:
                    result = await release_latency(store, tmp, shape=shape, n=n)
                rows.append({"backend": backend, "workload": f"{shape} {n}", **result})
            with fresh_store(backend, tmp) as store:
                result = await webhook_latency(store, tmp, m=m)
            rows.append({"backend": backend, "workload": f"webhook {m}", **result})
    return rows


async def profile_one(backend: str, shape: str, n: int) -> str:
    """Where the time goes: each store call the engine made during one run of ``shape``."""
    times: StoreTimes = {}
    with tempfile.TemporaryDirectory(prefix="cronpilot-dag-") as name, fresh_store(backend, Path(name)) as store:
        result = await release_latency(store, Path(name), shape=shape, n=n, times=times)
    lines = [f"{backend} {shape} {n}: {result}", "| store call | calls | total ms | p50 ms | max ms |",
             "| --- | --- | --- | --- | --- |"]
    for call, spent in sorted(times.items(), key=lambda kv: -sum(kv[1])):
        ordered = sorted(spent)
        lines.append(f"| {call} | {len(spent)} | {sum(spent) * 1000:.1f} | "
                     f"{ordered[len(ordered) // 2] * 1000:.2f} | {ordered[-1] * 1000:.1f} |")
    return "\n".join(lines)


def table(rows: list[dict[str, Any]]) -> str:
    lines = ["| backend | workload | n | p50 ms | p99 ms | max ms | mean ms | total s | 202 p50 ms |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        lines.append(f"| {r['backend']} | {r['workload']} | {r['n']} | {r['p50_ms']} | {r['p99_ms']} | "
                     f"{r['max_ms']} | {r['mean_ms']} | {r.get('total_s', '')} | {r.get('answered_p50_ms', '')} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="N=200 tasks, M=50 webhooks")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--n", type=int, help="tasks in the chain and dependents in the fan-out")
    parser.add_argument("--m", type=int, help="webhook deliveries")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--profile", choices=["chain", "fan-out"],
                        help="instead: time the engine's store calls during one run (SQLite, or PostgreSQL with --postgres)")
    parser.add_argument("--postgres", action="store_true", help="with --profile: on PostgreSQL")
    args = parser.parse_args()
    n = args.n or (200 if args.quick else 1000)
    m = args.m or (50 if args.quick else 200)
    if args.profile:
        print(asyncio.run(profile_one("postgres" if args.postgres else "sqlite", args.profile, n)))
        return
    backends = ["sqlite"]
    if not args.no_postgres:
        if postgres_reachable():
            backends.append("postgres")
        else:
            print("PostgreSQL unreachable: SQLite only", file=sys.stderr)
    rows = asyncio.run(bench(backends, n, m))
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print(table(rows))


if __name__ == "__main__":
    main()
