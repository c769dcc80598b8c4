"""The web dashboard with a big database: first-byte time per page, and how soon a change made
by another process reaches an open page's event stream.

Lays down ``--tasks`` tasks (10,000, daily schedules so the engine idles) and ``--runs`` ended
runs (1,000,000, spread over the last 100 days, one history row each) plus a diamond workflow,
then starts a real ``cronpilot serve`` on that database, signs in through a one-time link, and:

- requests every page ``--repeat`` times one after another (after one warm-up request each),
  timing the first byte (headers in: the pages are rendered whole before sending);
- with ``--streams`` event streams open, adds a run from this process (as ``cronpilot run`` in a
  terminal would) ``--changes`` times and times the commit → the event arriving on a stream.

    .venv/bin/python bench/dashboard.py                       # SQLite, 10k tasks, 1M runs
    .venv/bin/python bench/dashboard.py --postgres            # the same on PostgreSQL
    .venv/bin/python bench/dashboard.py --tasks 1000 --runs 50000 --repeat 10   # quick look

With ``--engine`` instead: does a room of open dashboards slow a busy engine (500 tasks firing
every second, 0 then ``--streams`` streams open, lateness and live latency)? Streams are read by
one niced process (``bench/sse_readers.py``; ``--readers threads`` reads them here instead),
``--refetch PATH`` makes each page fetch PATH again on each change as the page script does, and
``--code old=DIR --code new=DIR --rounds 2`` alternates serve's source tree in one run:

    .venv/bin/python bench/dashboard.py --engine --streams 100 --code old=/tmp/old --code new=. --rounds 2
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def populate(url: str, *, tasks: int, runs: int) -> dict[str, int]:
    """Tasks through the store's bulk API, runs straight into the tables in bulk (SQLite:
    ``executemany`` on the driver, PostgreSQL: ``COPY``): the store has no bulk path for ended
    runs, since nothing but a benchmark makes a million at once."""
    from scheduler.models import TaskSpec
    from scheduler.service import Actor, Role, Service
    from scheduler.store import Store

    store = Store(url)
    now = datetime.now(UTC)

    def specs() -> Any:
        for i in range(tasks):
            yield TaskSpec.model_validate({
                "name": f"task-{i:05d}", "action": {"kind": "noop"},
                "triggers": [{"kind": "cron", "expression": f"{i % 60} {i % 24} * * *"}],
            })

    started = time.monotonic()
    store.add_tasks(specs(), owner="bench", actor="bench", now=now)
    service = Service(store, local_user="bench")
    owner = Actor("bench", Role.ADMIN)
    workflow = service.create_workflow("diamond", [
        {"name": "A", "action": {"kind": "noop"}},
        {"name": "B", "action": {"kind": "noop"}, "after": ["A"]},
        {"name": "C", "action": {"kind": "noop"}, "after": ["A"]},
        {"name": "D", "action": {"kind": "noop"}, "after": ["B", "C"]},
    ], actor=owner)
    task_ids = store.task_ids()
    bulk_runs(store, task_ids, runs=runs, now=now)
    service.run_now("diamond", actor=owner)  # the workflow page has a run to draw
    print(f"laid down {tasks:,} tasks and {runs:,} runs in {time.monotonic() - started:.0f} s", file=sys.stderr)
    sample = store.list_runs(limit=1)[0].run_id
    store.close()
    return {"workflow": workflow.head.task_id, "task": task_ids[len(task_ids) // 2], "run": sample}


RUN_COLUMNS = ("run_id", "task_id", "status", "reason", "attempt", "due_at", "created_at", "started_at",
               "finished_at", "cancel_requested", "chain_depth", "error")


def bulk_runs(store: Any, task_ids: list[int], *, runs: int, now: datetime, seed: int = 7) -> None:
    """``runs`` ended runs over the 100 days before ``now`` (oldest first, so run ids grow with
    time as they do in life), 5% failed, one history row each, round-robin over ``task_ids``."""
    import sqlalchemy as sa

    from scheduler.store.tables import runs as runs_table

    rng = random.Random(seed)
    span = timedelta(days=100).total_seconds()
    with store.engine.begin() as conn:
        first_id = int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(runs_table.c.run_id), 0))).scalar_one()) + 1
    base = now.replace(tzinfo=None)  # the tables hold naive UTC

    def rows(start: int, count: int) -> Any:
        for k in range(start, start + count):
            created = base - timedelta(seconds=span * (1 - k / runs))
            finished = created + timedelta(seconds=rng.uniform(0.05, 30))
            failed = rng.random() < 0.05
            yield (first_id + k, task_ids[k % len(task_ids)], "failed" if failed else "completed", "schedule", 1,
                   created, created, created, finished, False, 0, "exit code 1" if failed else None)

    batch = 50_000
    raw = store.engine.raw_connection()
    try:
        cursor = raw.cursor()
        for start in range(0, runs, batch):
            chunk = list(rows(start, min(batch, runs - start)))
            events = [(r[0], r[2], r[8]) for r in chunk]
            if store.is_sqlite:
                text = [tuple(_sqlite_text(v) for v in r) for r in chunk]
                cursor.executemany(f"INSERT INTO runs ({', '.join(RUN_COLUMNS)}) VALUES "
                                   f"({', '.join('?' * len(RUN_COLUMNS))})", text)
                cursor.executemany("INSERT INTO run_events (run_id, status, at) VALUES (?, ?, ?)",
                                   [tuple(_sqlite_text(v) for v in e) for e in events])
            else:
                with cursor.copy(f"COPY runs ({', '.join(RUN_COLUMNS)}) FROM STDIN") as copy:
                    for r in chunk:
                        copy.write_row(r)
                with cursor.copy("COPY run_events (run_id, status, at) FROM STDIN") as copy:
                    for e in events:
                        copy.write_row(e)
            raw.commit()
        if not store.is_sqlite:
            # Rows given their ids by COPY leave the sequence behind; life's inserts must go on after them.
            cursor.execute("SELECT setval(pg_get_serial_sequence('runs', 'run_id'), (SELECT max(run_id) FROM runs))")
            raw.commit()
            raw.driver_connection.autocommit = True  # as autovacuum does after a big load: statistics, visibility map
            cursor.execute("VACUUM ANALYZE runs")
            cursor.execute("VACUUM ANALYZE run_events")
            cursor.execute("VACUUM ANALYZE tasks")
            raw.driver_connection.autocommit = False
        cursor.close()
    finally:
        raw.close()


def _sqlite_text(value: Any) -> Any:
    """A value as the store writes it on SQLite (timestamps: naive UTC text, microseconds always)."""
    if isinstance(value, datetime):
        return value.isoformat(" ", "microseconds")
    if isinstance(value, bool):
        return int(value)
    return value


def add_page_data(url: str) -> int:
    """What the approvals, audit, people and AI-run pages show, at a size a busy install has:
    50 tasks waiting for approval, 10,000 audit entries (through the store: the hash chain stays
    whole), 500 people (25 admins), and one AI run with a 60-step transcript. Added once (a task
    named ``ai-transcript`` marks it); the AI run's id comes back."""
    import sqlalchemy as sa

    from scheduler.models import TaskSpec
    from scheduler.store import Store
    from scheduler.store.tables import runs as runs_table
    from scheduler.store.tables import tasks as tasks_table

    store = Store(url)
    try:
        marker = store.page_tasks(name_contains="ai-transcript", limit=1)[1]
        if not marker:
            now = datetime.now(UTC)
            started = time.monotonic()

            def spec(name: str) -> TaskSpec:
                return TaskSpec.model_validate({"name": name, "action": {"kind": "noop"}})

            store.add_tasks((spec(f"approve-{i:03d}") for i in range(50)), owner="bench", actor="bench", now=now)
            store.add_tasks([spec("ai-transcript")], owner="bench", actor="bench", now=now)
            with store.engine.begin() as conn:
                conn.execute(tasks_table.update().where(tasks_table.c.name.like("approve-%"))
                             .values(status="pending_approval"))
            for i in range(500):
                store.add_identity("slack", f"U{i:05d}", role="admin" if i % 20 == 0 else "member", now=now,
                                   display_name=f"Person {i}")
            for i in range(10_000):
                store.add_audit(at=now - timedelta(seconds=10_000 - i), actor=f"slack:U{i % 500:05d}",
                                action="update_task", decision="allowed", target=f"task-{i % 10_000:05d}",
                                before={"status": "active"}, after={"status": "paused"})
            print(f"laid down approvals, audit, people in {time.monotonic() - started:.0f} s", file=sys.stderr)
            marker = store.page_tasks(name_contains="ai-transcript", limit=1)[1]
            transcript: list[dict[str, Any]] = [{"role": "system", "content": "You run a scheduled task. " * 40},
                                                {"role": "user", "content": "Summarize today's support tickets."}]
            for step in range(29):
                transcript.append({"role": "assistant", "content": f"Looking at batch {step}.", "tokens": 350,
                                   "tool_calls": [{"name": "list_runs", "args": {"task": "tickets", "limit": 50}}]})
                transcript.append({"role": "tool", "name": "list_runs", "content": "ticket line\n" * 40})
            transcript.append({"role": "assistant", "content": "Summary: " + "all quiet. " * 100, "tokens": 900})
            with store.engine.begin() as conn:
                conn.execute(runs_table.insert().values(
                    task_id=marker[0].task_id, status="completed", reason="manual", attempt=1, due_at=now,
                    created_at=now, started_at=now, finished_at=now + timedelta(seconds=42), cancel_requested=False,
                    chain_depth=0, stdout="summary written\n" * 200,
                    result={"transcript": transcript, "tokens_used": 11_050, "model_calls": 30}))
        with store.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.max(runs_table.c.run_id))
                                    .where(runs_table.c.task_id == marker[0].task_id)).scalar_one())
    finally:
        store.close()


def existing(url: str) -> dict[str, int]:
    """The ids ``populate`` returns, read back from a kept database."""
    from scheduler.store import Store

    store = Store(url)
    try:
        workflow = store.page_tasks(action_kind="workflow", limit=1)[1][0].task_id
        task_ids = store.task_ids()
        return {"workflow": workflow, "task": task_ids[len(task_ids) // 2], "run": store.list_runs(limit=1)[0].run_id}
    finally:
        store.close()


def start_serve(env: dict[str, str], log: Path, *, cwd: Path | None = None) -> subprocess.Popen[bytes]:
    mark = log.stat().st_size if log.exists() else 0
    with log.open("ab") as out:
        process = subprocess.Popen([sys.executable, "-m", "cronpilot", "serve", "--grace", "2"], env=env,
                                   stdout=out, stderr=subprocess.STDOUT, cwd=cwd)
    deadline = time.monotonic() + 300
    while "http: on" not in log.read_bytes()[mark:].decode(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("serve did not start:\n" + log.read_text(errors="replace"))
        time.sleep(0.2)
    return process


def sign_in(base: str, url: str) -> httpx.Client:
    from scheduler.store import Store
    from scheduler.web_access import WebAccess

    store = Store(url)
    token = WebAccess(store, local_user="bench").issue_local_link()
    store.close()
    client = httpx.Client(base_url=base, timeout=60)
    response = client.post("/dashboard/signin", data={"token": token}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return client


def first_bytes(client: httpx.Client, path: str, repeat: int) -> list[float]:
    times = []
    for i in range(repeat + 1):
        start = time.perf_counter()
        with client.stream("GET", path) as response:
            elapsed = time.perf_counter() - start
            assert response.status_code == 200, (path, response.status_code)
            response.read()
        if i:  # the first request warms caches and the template
            times.append(elapsed * 1000)
    return times


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def live_latency(client: httpx.Client, url: str, *, streams: int, changes: int, task_id: int) -> list[float]:
    """Open ``streams`` event streams; add ``changes`` runs from here; time commit → arrival on
    the first stream (all streams are read, so none backs up)."""
    from scheduler.service import Actor, Role, Service
    from scheduler.store import Store

    arrived: dict[int, float] = {}
    ready = threading.Barrier(streams + 1)
    stop = threading.Event()
    cookies = dict(client.cookies)

    def reader(index: int) -> None:
        with httpx.Client(base_url=str(client.base_url), cookies=cookies, timeout=None) as c, \
                c.stream("GET", "/dashboard/events") as response:
            ready.wait()
            for line in response.iter_lines():
                if stop.is_set():
                    return
                if index == 0 and line.startswith("data: "):
                    now = time.perf_counter()
                    for change in json.loads(line[6:]):
                        if change.get("run_id"):
                            arrived.setdefault(int(change["run_id"]), now)

    threads = [threading.Thread(target=reader, args=(i,), daemon=True) for i in range(streams)]
    for t in threads:
        t.start()
    ready.wait()
    time.sleep(1.0)  # the server's reader takes its starting cursor
    store = Store(url)
    service = Service(store)
    actor = Actor("bench", Role.ADMIN)
    latencies = []
    for _ in range(changes):
        committed = time.perf_counter()
        run = service.run_now(str(task_id), actor=actor)
        deadline = committed + 10
        while run.run_id not in arrived and time.perf_counter() < deadline:
            time.sleep(0.002)
        if run.run_id in arrived:
            latencies.append((arrived[run.run_id] - committed) * 1000)
        time.sleep(0.3)
    stop.set()
    store.close()
    return latencies


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def engine_under_streams(*, postgres: bool, tasks: int, window: float, streams: int, readers: str = "process",
                         trees: dict[str, Path] | None = None, rounds: int = 1,
                         refetch: str | None = None) -> dict[str, Any]:
    """Does a room full of open dashboards slow the engine? A fresh database with ``tasks`` no-op
    tasks each firing every second, a real ``cronpilot serve`` on it; fires per second and their
    lateness (a run's ``started_at`` minus its ``scheduled_for``, as recorded) and serve's CPU,
    over ``window`` seconds with no event stream open, then ``window`` seconds with ``streams``
    streams open (each read to the end, as a browser would).

    ``readers``: ``process`` reads the streams in one niced process of one thread
    (``bench/sse_readers.py``), so the readers can't take the server's CPU; ``threads`` reads
    each with httpx in a thread of this process (how round two measured). Either way one more
    stream, read here, times each change from its recorded status change (``run_events.at``)
    to its arrival: the live-update latency under that load.

    ``trees``: label → source tree to run serve from (e.g. the old code unpacked from main and
    this branch); each round starts serve from each tree in turn, alternating, on the same
    database (the schedule restarts from now each time).

    ``refetch``: with ``readers="process"``, each stream's page also fetches this path again on
    each change, as the page script does on a page that watches every task."""
    from bench.workload import add_interval_tasks
    from scheduler.store import Store
    from scheduler.store.tables import tasks as tasks_table

    trees = trees or {"this tree": ROOT}
    tmp = Path(tempfile.mkdtemp(prefix="cronpilot-dash-engine-"))
    db = None
    if postgres:
        import psycopg

        db = f"dash_engine_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{db}"')
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{db}"
    else:
        url = f"sqlite:///{tmp / 'cronpilot.db'}"
    process = None
    phases: list[dict[str, Any]] = []
    try:
        store = Store(url)
        now = datetime.now(UTC)
        add_interval_tasks(store, count=tasks, every=timedelta(seconds=1),
                           anchor_of=lambda i: now + timedelta(seconds=i / tasks), now=now)
        for round_no in range(1, rounds + 1):
            for label, tree in trees.items():
                with store.engine.begin() as conn:  # the schedule starts now: no catch-up of the load time
                    conn.execute(tasks_table.update().values(last_fire_at=datetime.now(UTC)))
                port = _free_port()
                env = {**os.environ, "CRONPILOT_DATA_DIR": str(tmp / "data"), "CRONPILOT_DATABASE_URL": url,
                       "CRONPILOT_HTTP_PORT": str(port), "CRONPILOT_USER": "bench", "CRONPILOT_TIMEZONE": "UTC",
                       "CRONPILOT_LOG_LEVEL": "WARNING",
                       "PYTHONPATH": os.pathsep.join(p for p in (str(tree), os.environ.get("PYTHONPATH")) if p)}
                process = start_serve(env, tmp / "serve.log", cwd=tree)
                try:
                    client = sign_in(f"http://127.0.0.1:{port}", url)
                    time.sleep(5)  # the engine settles into its rhythm
                    for name, open_streams in (("no streams", 0), (f"{streams} streams", streams)):
                        phase = _engine_phase(store, process.pid, client, port, open_streams=open_streams,
                                              window=window, readers=readers, refetch=refetch)
                        phase.update({"round": round_no, "code": label, "phase": name})
                        phases.append(phase)
                        print(f"{label:8} {name:12} {phase}", file=sys.stderr)
                finally:
                    _stop_serve(process)
                    process = None
        store.close()
        return {"database": "postgresql" if postgres else "sqlite", "tasks": tasks, "window_s": window,
                "readers": readers + (f", each page fetching {refetch} on each change" if refetch else ""),
                "phases": phases}
    finally:
        _clean_up(process, db, tmp)


def _engine_phase(store: Any, pid: int, client: httpx.Client, port: int, *, open_streams: int, window: float,
                  readers: str, refetch: str | None = None) -> dict[str, Any]:
    """One measured window with ``open_streams`` streams open (see ``engine_under_streams``)."""
    import sqlalchemy as sa

    from scheduler.store.tables import run_events
    from scheduler.store.tables import runs as runs_table

    stop = threading.Event()
    cookies = dict(client.cookies)
    received = [0] * open_streams
    arrivals: dict[tuple[int, str], float] = {}  # (run id, status) → wall time it arrived (the timed stream)

    def reader(index: int, timed: bool) -> None:
        with httpx.Client(base_url=str(client.base_url), cookies=cookies, timeout=None) as c, \
                c.stream("GET", "/dashboard/events") as response:
            for line in response.iter_lines():
                if stop.is_set():
                    return
                if line.startswith("data: "):
                    received[index] += 1
                    if timed:
                        at = time.time()
                        for change in json.loads(line[6:]):
                            if change.get("run_id"):
                                arrivals.setdefault((int(change["run_id"]), str(change["status"])), at)

    threads: list[threading.Thread] = []
    helper: subprocess.Popen[str] | None = None
    if open_streams:
        # The timed stream is always read here; the rest by threads here or by the niced process.
        threads.append(threading.Thread(target=reader, args=(0, True), daemon=True))
        if readers == "threads":
            threads += [threading.Thread(target=reader, args=(i, False), daemon=True) for i in range(1, open_streams)]
        else:
            cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
            helper = subprocess.Popen(
                [sys.executable, str(ROOT / "bench" / "sse_readers.py"), "--port", str(port), "--cookie", cookie,
                 "--streams", str(open_streams - 1), *(["--refetch", refetch] if refetch else [])],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, preexec_fn=lambda: os.nice(19))
            assert helper.stdout is not None
            if helper.stdout.readline().strip() != "ready":
                raise SystemExit("the stream readers did not start")
        for t in threads:
            t.start()
        time.sleep(2)  # all connected
    before = sum(received)
    cpu = _cpu_seconds(pid)
    mine = time.process_time()
    t0 = datetime.now(UTC)
    time.sleep(window)
    t1 = datetime.now(UTC)
    cpu = _cpu_seconds(pid) - cpu
    mine = time.process_time() - mine
    load = os.getloadavg()[0]
    events = sum(received) - before
    stop.set()  # readers return at their next line (a keepalive at the latest)
    helper_cpu = 0.0
    fetches = 0
    if helper is not None:
        out, _ = helper.communicate("", timeout=30)
        report = json.loads(out.strip().splitlines()[-1])
        events += report["messages"]  # its whole life: a little more than the window
        helper_cpu = report["cpu_s"]
        fetches = report.get("fetches", 0)
    for t in threads:
        t.join(timeout=20)
    time.sleep(2)  # the runs scheduled inside the window have their rows
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(runs_table.c.scheduled_for, runs_table.c.started_at)
            .where(runs_table.c.scheduled_for >= t0, runs_table.c.scheduled_for < t1)
        ).all()
        changed = conn.execute(
            sa.select(run_events.c.run_id, run_events.c.status, run_events.c.at)
            .where(run_events.c.at >= t0, run_events.c.at < t1)
        ).all() if arrivals else []
    late = sorted((r.started_at - r.scheduled_for).total_seconds() * 1000 for r in rows if r.started_at)
    live = sorted((arrivals[(e.run_id, e.status)] - e.at.replace(tzinfo=UTC).timestamp()) * 1000
                  for e in changed if (e.run_id, e.status) in arrivals)
    seconds = (t1 - t0).total_seconds()

    def q(values: list[float], p: float) -> float | None:
        return round(pct(values, p), 1) if values else None

    return {
        "streams": open_streams, "fires_per_s": round(len(rows) / seconds, 1),
        "late_p50_ms": q(late, 0.5), "late_p95_ms": q(late, 0.95), "late_p99_ms": q(late, 0.99),
        "serve_cpu_percent": round(100 * cpu / seconds, 1),
        "readers_cpu_percent": round(100 * (mine + helper_cpu) / seconds, 1),
        "stream_messages_per_s": round(events / seconds, 1),
        "page_fetches_per_s": round(fetches / seconds, 1),
        "live_p50_ms": q(live, 0.5), "live_p95_ms": q(live, 0.95), "live_seen": len(live),
        "load_average": round(load, 1),
    }


def _stop_serve(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _clean_up(process: subprocess.Popen[bytes] | None, db: str | None, tmp: Path) -> None:
    """Stop the serve this bench started (SIGINT, then kill), drop its database, remove its folder."""
    if process is not None and process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
    if db is not None:
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    shutil.rmtree(tmp, ignore_errors=True)


def render_engine(report: dict[str, Any]) -> str:
    lines = [f"{report['database']}: {report['tasks']:,} tasks firing every second, {report['window_s']:.0f} s per "
             f"phase, stream readers: {report['readers']}", "",
             "| round | code | phase | fires/s | late p50 (ms) | late p95 (ms) | late p99 (ms) | serve CPU % "
             "| readers CPU % | stream messages/s | page fetches/s | live p50 (ms) | live p95 (ms) | load |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    lines += [f"| {p['round']} | {p['code']} | {p['phase']} | {p['fires_per_s']} | {p['late_p50_ms']} "
              f"| {p['late_p95_ms']} | {p['late_p99_ms']} | {p['serve_cpu_percent']} | {p['readers_cpu_percent']} "
              f"| {p['stream_messages_per_s']} | {p.get('page_fetches_per_s', 0)} | {p['live_p50_ms'] or '–'} | {p['live_p95_ms'] or '–'} "
              f"| {p['load_average']} |" for p in report["phases"]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--streams", type=int, default=100)
    parser.add_argument("--changes", type=int, default=40)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--keep", type=Path, metavar="FILE",
                        help="SQLite file to keep the data in; reused as it is when it exists (skips the load)")
    parser.add_argument("--keep-db", metavar="NAME",
                        help="with --postgres: database to keep the data in; reused as it is when it exists")
    parser.add_argument("--engine", action="store_true",
                        help="instead of the pages: engine fires and lateness with 0 and --streams streams open")
    parser.add_argument("--engine-tasks", type=int, default=500, help="with --engine: tasks firing every second")
    parser.add_argument("--window", type=float, default=20.0, help="with --engine: seconds per phase")
    parser.add_argument("--readers", choices=("process", "threads"), default="process",
                        help="with --engine: read the streams in one niced process (default) or in threads here")
    parser.add_argument("--refetch", metavar="PATH",
                        help="with --engine --readers process: each page fetches PATH again on each change (app.js)")
    parser.add_argument("--code", action="append", default=[], metavar="LABEL=DIR",
                        help="with --engine: run serve from this source tree (repeat to alternate trees)")
    parser.add_argument("--rounds", type=int, default=1, help="with --engine: rounds over the --code trees")
    parser.add_argument("--load-only", action="store_true", help="lay the data down (--keep/--keep-db) and stop")
    parser.add_argument("--pages", default="", help="only pages whose name contains this")
    parser.add_argument("--settle", type=float, default=15.0,
                        help="seconds to let serve's engine finish starting before measuring")
    args = parser.parse_args(argv)
    if args.engine:
        trees = {label: Path(tree).resolve() for label, tree in (c.split("=", 1) for c in args.code)}
        report = engine_under_streams(postgres=args.postgres, tasks=args.engine_tasks, window=args.window,
                                      streams=args.streams, readers=args.readers, trees=trees or None,
                                      rounds=args.rounds, refetch=args.refetch)
        print(json.dumps(report, indent=2) if args.json else render_engine(report))
        return

    tmp = Path(tempfile.mkdtemp(prefix="cronpilot-dash-bench-"))
    db = None
    reuse = bool(args.keep and args.keep.exists())
    if args.keep:
        url = f"sqlite:///{args.keep.resolve()}"
    elif args.postgres:
        import psycopg

        name = args.keep_db or f"dash_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            reuse = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None
            if not reuse:
                conn.execute(f'CREATE DATABASE "{name}"')
        db = None if args.keep_db else name  # dropped at the end unless kept
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    else:
        url = f"sqlite:///{tmp / 'cronpilot.db'}"
    process = None
    try:
        ids = existing(url) if reuse else populate(url, tasks=args.tasks, runs=args.runs)
        ids["ai_run"] = add_page_data(url)
        if args.load_only:
            return
        port = _free_port()
        env = {**os.environ, "CRONPILOT_DATA_DIR": str(tmp / "data"), "CRONPILOT_DATABASE_URL": url,
               "CRONPILOT_HTTP_PORT": str(port), "CRONPILOT_USER": "bench", "CRONPILOT_TIMEZONE": "UTC",
               "CRONPILOT_LOG_LEVEL": "WARNING"}
        process = start_serve(env, tmp / "serve.log")
        time.sleep(args.settle)  # the engine loads every schedule at start: measure the steady state
        base = f"http://127.0.0.1:{port}"
        client = sign_in(base, url)
        pages = {
            "tasks, page 1": "/dashboard/",
            "tasks, page 150": "/dashboard/?page=150",
            "tasks, search": "/dashboard/?q=task-099",
            "task": f"/dashboard/tasks/{ids['task']}",
            "runs": "/dashboard/runs",
            "runs, failed": "/dashboard/runs?status=failed",
            "runs, completed": "/dashboard/runs?status=completed",
            "run": f"/dashboard/runs/{ids['run']}",
            "run, AI transcript": f"/dashboard/runs/{ids['ai_run']}",
            "workflows": "/dashboard/workflows",
            "workflow": f"/dashboard/workflows/{ids['workflow']}",
            "stats, 24h": "/dashboard/stats?since=24h",
            "stats, 7d": "/dashboard/stats?since=7d",
            "stats, 30d": "/dashboard/stats?since=30d",
            "approvals": "/dashboard/approvals",
            "audit": "/dashboard/audit",
            "people": "/dashboard/people",
        }
        rows = []
        for name, path in pages.items():
            if args.pages not in name:
                continue
            times = first_bytes(client, path, args.repeat)
            rows.append({"page": name, "path": path, "p50_ms": round(pct(times, 0.5), 1),
                         "p95_ms": round(pct(times, 0.95), 1)})
            print(f"{name:18} p50 {rows[-1]['p50_ms']:7.1f} ms  p95 {rows[-1]['p95_ms']:7.1f} ms", file=sys.stderr)
        latencies = live_latency(client, url, streams=args.streams, changes=args.changes, task_id=ids["task"])
        report = {
            "database": "postgresql" if args.postgres else "sqlite", "tasks": args.tasks, "runs": args.runs,
            "repeat": args.repeat, "pages": rows, "streams": args.streams, "changes": args.changes,
            "live_received": len(latencies),
            "live_p50_ms": round(pct(latencies, 0.5), 1) if latencies else None,
            "live_p95_ms": round(pct(latencies, 0.95), 1) if latencies else None,
            "live_mean_ms": round(statistics.fmean(latencies), 1) if latencies else None,
            "load_average": round(os.getloadavg()[0], 1),
        }
        if args.json:
            print(json.dumps(report, indent=2))
        else:
            print(render(report))
    finally:
        _clean_up(process, db, tmp)


def render(report: dict[str, Any]) -> str:
    lines = [f"{report['database']}: {report['tasks']:,} tasks, {report['runs']:,} runs, "
             f"{report['repeat']} requests per page, load average {report['load_average']}", "",
             "| page | p50 first byte (ms) | p95 first byte (ms) |", "| --- | --- | --- |"]
    lines += [f"| {r['page']} (`{re.sub(r'/dashboard', '', r['path']) or '/'}`) | {r['p50_ms']} | {r['p95_ms']} |"
              for r in report["pages"]]
    lines += ["", f"Live update, commit in another process → event on an open stream, {report['streams']} streams "
              f"open, {report['live_received']}/{report['changes']} received: p50 {report['live_p50_ms']} ms, "
              f"p95 {report['live_p95_ms']} ms."]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
