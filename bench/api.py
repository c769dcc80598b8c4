"""Latency of the HTTP API (``/api/v1``) with 10,000 tasks: list and show, as the admin who sees
every task and as a member who sees their own 100, over a real uvicorn server.

    .venv/bin/python bench/api.py                     # SQLite, 200 requests per route
    .venv/bin/python bench/api.py --burn 1            # the same with one core kept busy
    .venv/bin/python bench/api.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/api_bench
    .venv/bin/python bench/api.py --quick --json

The server runs in its own process (``--serve``), the client here sends one request at a time
(latency, not throughput) with a keep-alive connection; the load average is printed with the
figures, since the machine is shared. "first" is each route's first call (the server's cache of
listed tasks' next fires still empty); p50/p95 are over the ``--repeat`` calls after it.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
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

ADMIN, MEMBER = "bench", "member"


def _prepare(url: str, count: int) -> dict[str, str]:
    """``count`` hourly tasks for the admin, 100 for a member; a token each."""
    from scheduler.access import Actor, Role
    from scheduler.service import Service
    from scheduler.store import Store

    now = datetime.now(UTC)
    store = Store(url)
    store.add_identity("cli", ADMIN, role="admin", now=now, user_id=ADMIN)
    store.add_identity("cli", MEMBER, role="member", now=now, user_id=MEMBER)
    add_interval_tasks(store, count=count, every=timedelta(hours=1), now=now,
                       anchor_of=lambda i: now + timedelta(seconds=60 + i % 3600))
    from scheduler.models import NoopAction, TaskSpec
    from scheduler.triggers import CronTrigger

    store.add_tasks((TaskSpec(name=f"mine-{i}", action=NoopAction(),
                              triggers=[CronTrigger(expression=f"{i % 60} 9 * * 1-5")])
                     for i in range(100)), owner=MEMBER, actor=MEMBER, now=now)
    service = Service(store)
    boss = Actor(ADMIN, Role.ADMIN)
    tokens = {who: service.create_token(who, actor=boss)[1] for who in (ADMIN, MEMBER)}
    store.close()
    return tokens


def _serve(url: str, port: int) -> None:
    import asyncio

    from connectors.api import ApiLimits, api_router
    from connectors.web import HttpServer, build_api
    from scheduler.service import Service
    from scheduler.store import Store

    async def main() -> None:
        store = Store(url)
        server = HttpServer(build_api([api_router(Service(store), ApiLimits(rate="1000000/minute"))]),
                            host="127.0.0.1", port=port)
        await server.start()
        print(server.port, flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())


def _burn(stop_at: float) -> None:
    while time.time() < stop_at:
        pass


def _measure(base: str, tokens: dict[str, str], repeat: int) -> list[dict[str, Any]]:
    import httpx

    routes = [
        ("list 100 of 10,100 (admin)", ADMIN, "/tasks?limit=100"),
        ("list a later page (admin)", ADMIN, "/tasks?limit=100&offset=900"),
        ("list by name (admin)", ADMIN, "/tasks?name=bench-999&limit=100"),
        ("list own 100 (member)", MEMBER, "/tasks?limit=100"),
        ("show by id (admin)", ADMIN, "/tasks/500"),
        ("show by name (admin)", ADMIN, "/tasks/bench-500"),
        ("show own (member)", MEMBER, "/tasks/mine-7"),
        ("runs (admin)", ADMIN, "/runs?limit=50"),
        ("me (member)", MEMBER, "/me"),
    ]
    rows = []
    with httpx.Client(base_url=base, timeout=60) as client:
        for label, who, path in routes:
            headers = {"Authorization": f"Bearer {tokens[who]}"}
            started = time.perf_counter()  # the first call: nothing cached yet (next fires)
            client.get(path, headers=headers).raise_for_status()
            first = (time.perf_counter() - started) * 1000
            for _ in range(2):  # warm: connection, caches
                client.get(path, headers=headers).raise_for_status()
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                client.get(path, headers=headers).raise_for_status()
                times.append((time.perf_counter() - started) * 1000)
            times.sort()
            rows.append({"route": label, "path": path, "n": repeat, "first_ms": round(first, 2),
                         "p50_ms": round(statistics.median(times), 2),
                         "p95_ms": round(times[min(len(times) - 1, round(0.95 * (len(times) - 1)))], 2)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--database-url", help="default: SQLite in a temporary folder")
    parser.add_argument("--burn", type=int, default=0, help="CPU burner processes while measuring")
    parser.add_argument("--quick", action="store_true", help="1,000 tasks, 30 requests per route")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--serve", nargs=2, metavar=("URL", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        _serve(args.serve[0], int(args.serve[1]))
        return
    if args.quick:
        args.tasks, args.repeat = 1000, 30
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'api.db'}"
        if args.database_url and args.database_url.startswith("postgresql"):
            _reset_postgres(args.database_url)
        started = time.perf_counter()
        tokens = _prepare(url, args.tasks)
        prepared = time.perf_counter() - started
        server = subprocess.Popen([sys.executable, __file__, "--serve", url, "0"], stdout=subprocess.PIPE, text=True,
                                  env={**os.environ, "PYTHONPATH": str(ROOT)})
        burners: list[multiprocessing.Process] = []
        try:
            assert server.stdout is not None
            port = int(server.stdout.readline())
            burners = [multiprocessing.Process(target=_burn, args=(time.time() + 3600,)) for _ in range(args.burn)]
            for b in burners:
                b.start()
            load_before = os.getloadavg()[0]
            rows = _measure(f"http://127.0.0.1:{port}/api/v1", tokens, args.repeat)
            load_after = os.getloadavg()[0]
        finally:
            for b in burners:
                b.terminate()
                b.join()
            server.terminate()
            server.wait(10)
    summary = {"tasks": args.tasks + 100, "database": "postgresql" if "postgresql" in url else "sqlite",
               "burners": args.burn, "load_before": round(load_before, 2), "load_after": round(load_after, 2),
               "prepare_s": round(prepared, 1), "rows": rows}
    if args.json:
        print(json.dumps(summary, indent=2))
        return
    print(f"{summary['tasks']} tasks on {summary['database']}, {args.burn} CPU burner(s), "
          f"load average {summary['load_before']} → {summary['load_after']}")
    print("| route | request | first ms | p50 ms | p95 ms |")
    print("| --- | --- | --- | --- | --- |")
    for row in rows:
        print(f"| {row['route']} | `GET {row['path']}` | {row['first_ms']} | {row['p50_ms']} | {row['p95_ms']} |")


def _reset_postgres(url: str) -> None:
    """Start from an empty schema (the benchmark's own database)."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


if __name__ == "__main__":
    main()
