"""Engine throughput side by side: cronpilot (SQLite, PostgreSQL) against APScheduler 3.x.

One workload for every system: ``--tasks`` tasks (10,000) each firing every second with a no-op
action, anchors spread evenly over one second (task i at base + i/N s), for a window of 30 s
(``--quick``: 5 s). Each system runs in its own subprocess, so CPU seconds and peak RSS are its
own. Lateness is the instant the action starts (cronpilot: the ``on_run_start`` hook, called
just after the run row is committed; APScheduler: the job's first statement) minus the fire's
scheduled instant. Only fires scheduled inside the window count; a load and warm-up phase comes
before it and a drain after it.

    .venv/bin/python bench/engine.py                # full run, table
    .venv/bin/python bench/engine.py --quick --json
    .venv/bin/python bench/engine.py --tasks 25000 --systems cronpilot-sqlite --no-extras

The idle-CPU and 100,000-task load figures come from ``bench/engine_idle.py`` (run here too
unless ``--no-extras``).
"""

from __future__ import annotations

import argparse
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
from array import array
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
SYSTEMS = ("cronpilot-sqlite", "cronpilot-postgres", "apscheduler-memory", "apscheduler-sqlalchemy")
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
PG_BENCH_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/{db}"
ON_TIME = 0.5  # seconds: a fire later than this did not keep up
_SPAN = re.compile(r": (\d+)\+? fires? (?:between|at|beyond) ")
KEEPS = {
    "cronpilot-sqlite": "a run row per fire",
    "cronpilot-postgres": "a run row per fire",
    "apscheduler-memory": "nothing",
    "apscheduler-sqlalchemy": "job rows, no runs",
}


@dataclass(frozen=True)
class Workload:
    tasks: int
    window: int  # whole seconds, so every task has exactly ``window`` fires inside it
    warmup: float
    drain: float
    load_limit: float  # APScheduler's SQLAlchemy store adds one job per transaction


# --- shared by the children ---------------------------------------------------------------


class Recorder:
    """Lateness of the fires scheduled inside [t0, t1), as compact floats (seconds)."""

    def __init__(self) -> None:
        self.t0 = math.inf
        self.t1 = -math.inf
        self.late = array("d")
        self.at = array("d")  # each fire's scheduled instant, for --timeline
        self.missed = 0  # fires a system declared missed (APScheduler past its grace time)

    def record(self, scheduled: float, started: float) -> None:
        if self.t0 <= scheduled < self.t1:
            self.late.append(started - scheduled)
            self.at.append(scheduled)

    def stats(self, due: int) -> dict[str, Any]:
        late = sorted(self.late)
        fired = len(late)

        def pct(q: float) -> float | None:
            return round(late[min(fired - 1, int(q * fired))] * 1000, 2) if fired else None

        window = self.t1 - self.t0
        return {
            "due": due, "fired": fired, "executed_pct": round(100 * fired / due, 3) if due else None,
            "fires_per_s": round(fired / window, 1),
            "on_time_per_s": round(sum(1 for x in late if x <= ON_TIME) / window, 1),
            "lateness_p50_ms": pct(0.50), "lateness_p99_ms": pct(0.99),
            "lateness_max_ms": round(late[-1] * 1000, 2) if fired else None,
            "missed": self.missed,
        }


    def timeline(self, slot: float = 0.5) -> list[tuple[float, int, float]]:
        """(slot start from t0 in s, fires, worst lateness ms) per ``slot`` of the window."""
        slots: dict[int, list[float]] = {}
        for at, late in zip(self.at, self.late, strict=True):
            slots.setdefault(int((at - self.t0) / slot), []).append(late)
        return [(k * slot, len(v), round(max(v) * 1000, 1)) for k, v in sorted(slots.items())]


class CpuWindow:
    """Process CPU (all threads) between t0 and t1, sampled by a helper thread; optionally that
    of the PostgreSQL backends serving database ``server_db`` over the same window."""

    def __init__(self, t0: float, t1: float, *, server_db: str | None = None) -> None:
        self.samples: list[float] = []
        self.server: list[float] = []
        self._server_db = server_db
        self._thread = threading.Thread(target=self._run, args=(t0, t1), daemon=True)
        self._thread.start()

    def _run(self, t0: float, t1: float) -> None:
        for at in (t0, t1):
            time.sleep(max(0.0, at - time.time()))
            usage = resource.getrusage(resource.RUSAGE_SELF)
            self.samples.append(usage.ru_utime + usage.ru_stime)
            if self._server_db:
                self.server.append(_postgres_cpu(self._server_db))

    def result(self) -> dict[str, Any]:
        self._thread.join()
        out: dict[str, Any] = {"cpu_s": round(self.samples[1] - self.samples[0], 2)}
        if self.server:
            out["server_cpu_s"] = round(self.server[1] - self.server[0], 2)
        return out


def _postgres_cpu(db: str) -> float:
    """CPU seconds of the backends connected to ``db`` (their title names it)."""
    import psutil

    total = 0.0
    for proc in psutil.process_iter(["cmdline"]):
        if any(f" {db} " in part for part in proc.info["cmdline"] or ()):
            try:
                cpu = proc.cpu_times()
                total += cpu.user + cpu.system
            except psutil.Error:
                pass
    return total


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _window_after(ready: float, warmup: float, window: int) -> tuple[float, float]:
    t0 = float(math.ceil(ready + warmup))
    return t0, t0 + window


# --- children -----------------------------------------------------------------------------


def cronpilot_child(url: str, w: Workload, tmp: Path) -> dict[str, Any]:
    import asyncio

    return asyncio.run(_cronpilot(url, w, tmp))


async def _cronpilot(url: str, w: Workload, tmp: Path) -> dict[str, Any]:
    import asyncio

    import sqlalchemy as sa

    from scheduler.actions.base import ActionConfig
    from scheduler.clock import SystemClock
    from scheduler.engine import Engine, EngineOptions, tune_gc_for_serving
    from scheduler.store import Store
    from scheduler.store.tables import runs, tasks

    rec = Recorder()
    store = Store(url if url else f"sqlite:///{tmp / 'cronpilot.db'}")
    base = float(math.floor(time.time()))
    started = time.perf_counter()
    from bench.workload import add_interval_tasks

    add_interval_tasks(
        store, count=w.tasks, every=timedelta(seconds=1),
        anchor_of=lambda i: datetime.fromtimestamp(base + i / w.tasks, UTC), now=datetime.now(UTC),
    )
    load_s = time.perf_counter() - started
    with store.engine.begin() as conn:  # the schedule starts now: no catch-up of the load time
        conn.execute(tasks.update().values(last_fire_at=datetime.now(UTC)))

    def on_run_start(_run_id: int, scheduled_for: datetime | None) -> None:
        if scheduled_for is not None:
            rec.record(scheduled_for.timestamp(), time.time())

    tune_gc_for_serving()  # as `cronpilot serve` runs it, with its options
    observer = None
    if os.environ.get("CRONPILOT_BENCH_METRICS"):  # --metrics: serve's /metrics observer attached
        from connectors.metrics import Metrics

        observer = Metrics()
    options = EngineOptions(background_checkpoints=True)
    if os.environ.get("CRONPILOT_BENCH_NO_SHED"):  # --no-shed
        options = EngineOptions(background_checkpoints=True, shed_late_after=None)
    engine = Engine(store, config=ActionConfig(data_dir=tmp), clock=SystemClock(),
                    options=options, on_run_start=on_run_start,
                    observer=observer)
    started = time.perf_counter()
    await engine.start()
    start_s = time.perf_counter() - started
    rec.t0, rec.t1 = _window_after(time.time(), w.warmup, w.window)
    cpu = CpuWindow(rec.t0, rec.t1, server_db=None if store.is_sqlite else store.engine.url.database)
    stop = asyncio.Event()
    runner = asyncio.ensure_future(engine.run_forever(stop))
    await asyncio.sleep(rec.t1 + w.drain - time.time())
    stop.set()
    await runner
    await engine.shutdown(grace=timedelta(seconds=10))
    lo, hi = datetime.fromtimestamp(rec.t0, UTC), datetime.fromtimestamp(rec.t1, UTC)
    with store.engine.connect() as conn:
        by_status: dict[str, int] = dict(conn.execute(
            sa.select(runs.c.status, sa.func.count())
            .where(runs.c.scheduled_for >= lo, runs.c.scheduled_for < hi)
            .group_by(runs.c.status)
        ).all())
        skipped_by_reason: dict[str | None, int] = dict(conn.execute(  # shed under overload, overlaps, misfires
            sa.select(runs.c.error, sa.func.count())
            .where(runs.c.scheduled_for >= lo, runs.c.scheduled_for < hi, runs.c.status == "skipped")
            .group_by(runs.c.error)
        ).all())
        # One skipped row may stand for several fires of its task, up to its own ("...: 3 fires
        # between A and B"; these tasks fire every second), written after the window.
        fires_recorded = conn.execute(
            sa.select(sa.func.count()).where(runs.c.scheduled_for >= lo, runs.c.scheduled_for < hi,
                                             runs.c.status != "skipped")
        ).scalar_one()
        for at, reason in conn.execute(
            sa.select(runs.c.scheduled_for, runs.c.error).where(runs.c.scheduled_for >= lo, runs.c.status == "skipped")
        ):
            span = _SPAN.search(reason or "")
            at = at if at.tzinfo else at.replace(tzinfo=UTC)
            fires_recorded += sum(1 for k in range(int(span.group(1)) if span else 1)
                                  if lo <= at - timedelta(seconds=k) < hi)
    store.close()
    by_kind: dict[str, int] = {}  # the reasons by kind
    for reason, rows in skipped_by_reason.items():
        span = _SPAN.search(reason or "")
        kind = (reason or "")[:span.start()] + " (N fires in one row)" if span else str(reason)
        by_kind[kind] = by_kind.get(kind, 0) + rows
    result = rec.stats(due=w.tasks * w.window)
    if os.environ.get("CRONPILOT_BENCH_TIMELINE"):  # --timeline
        result["timeline"] = rec.timeline()
    result.update(cpu.result())
    result.update(
        loaded=w.tasks, load_s=round(load_s, 2), engine_start_s=round(start_s, 2),
        durable_rows=sum(by_status.values()), rows_by_status=by_status, skipped_by_reason=by_kind,
        fires_recorded=fires_recorded,
        peak_rss_mb=peak_rss_mb(),
    )
    return result


def _noop() -> float:
    return time.time()


def apscheduler_child(kind: str, w: Workload, tmp: Path) -> dict[str, Any]:
    from apscheduler.events import EVENT_JOB_EXECUTED, EVENT_JOB_MISSED, JobExecutionEvent
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.jobstores.base import BaseJobStore
    from apscheduler.jobstores.memory import MemoryJobStore
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.triggers.interval import IntervalTrigger

    rec = Recorder()
    store: BaseJobStore
    if kind == "memory":
        store = MemoryJobStore()
    else:
        from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

        store = SQLAlchemyJobStore(engine=_sqlite_engine_like_cronpilot(tmp / "jobs.db"))

    def on_event(event: JobExecutionEvent) -> None:
        if event.code == EVENT_JOB_MISSED:
            if rec.t0 <= event.scheduled_run_time.timestamp() < rec.t1:
                rec.missed += 1
            return
        rec.record(event.scheduled_run_time.timestamp(), event.retval)

    # UTC: APScheduler 3 loops forever on an interval job across a DST change in a local zone.
    scheduler = BackgroundScheduler(
        jobstores={"default": store}, executors={"default": ThreadPoolExecutor(20)},
        job_defaults={"coalesce": False, "misfire_grace_time": 3600, "max_instances": 10},
        timezone=UTC,
    )
    scheduler.add_listener(on_event, EVENT_JOB_EXECUTED | EVENT_JOB_MISSED)
    scheduler.start(paused=True)
    base = float(math.floor(time.time()))
    started = time.perf_counter()
    deadline = started + w.load_limit
    loaded = 0
    for i in range(w.tasks):
        if time.perf_counter() > deadline:
            break
        scheduler.add_job(
            _noop, IntervalTrigger(seconds=1, start_date=datetime.fromtimestamp(base + i / w.tasks, UTC),
                                   timezone=UTC),
            id=f"bench-{i}",
        )
        loaded += 1
    load_s = time.perf_counter() - started
    scheduler.resume()
    rec.t0, rec.t1 = _window_after(time.time(), w.warmup, w.window)
    cpu = CpuWindow(rec.t0, rec.t1)
    time.sleep(rec.t1 + w.drain - time.time())
    result = rec.stats(due=w.tasks * w.window)
    if os.environ.get("CRONPILOT_BENCH_TIMELINE"):  # --timeline
        result["timeline"] = rec.timeline()
    result.update(cpu.result())
    result.update(loaded=loaded, load_s=round(load_s, 2), durable_rows=None, peak_rss_mb=peak_rss_mb())
    return result  # the caller exits without waiting for the scheduler: it may be far behind


def _sqlite_engine_like_cronpilot(path: Path) -> Any:
    """The same durability settings as cronpilot's SQLite (WAL, synchronous=NORMAL)."""
    import sqlalchemy as sa

    engine = sa.create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False})

    @sa.event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine


def child_main(system: str, w: Workload, url: str, tmp: Path) -> None:
    if system.startswith("cronpilot"):
        result = cronpilot_child(url, w, tmp)
    else:
        result = apscheduler_child(system.removeprefix("apscheduler-"), w, tmp)
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()
    os._exit(0)


# --- the parent ---------------------------------------------------------------------------


def run_system(system: str, w: Workload) -> dict[str, Any]:
    url, db = "", None
    if system == "cronpilot-postgres":
        db = f"cronpilot_bench_{uuid.uuid4().hex[:8]}"
        _pg_admin(f'CREATE DATABASE "{db}"')
        url = PG_BENCH_URL.format(db=db)
    budget = w.load_limit + w.warmup + w.window + w.drain + 120
    try:
        with tempfile.TemporaryDirectory(prefix=f"{system}-") as tmp:
            cmd = [sys.executable, str(Path(__file__).resolve()), "--child", system,
                   "--workload", json.dumps(asdict(w)), "--url", url, "--dir", tmp]
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=budget, cwd=ROOT, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"no result within {budget:.0f} s (killed)"}
    finally:
        if db:
            _pg_admin(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        return {"error": f"exit {proc.returncode}: {' | '.join(tail)}"}
    return json.loads(lines[-1])


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)


def run_extras(quick: bool) -> dict[str, Any]:
    cmd = [sys.executable, str(ROOT / "bench" / "engine_idle.py"), "--json"] + (["--quick"] if quick else [])
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=ROOT, check=False)
    if proc.returncode != 0:
        return {"error": " | ".join((proc.stderr or proc.stdout).strip().splitlines()[-3:])}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _loadavg() -> float:
    """The 1-minute load average: other work on the machine skews every figure here."""
    return round(os.getloadavg()[0], 2)


def render(report: dict[str, Any], w: Workload) -> str:
    def cell(value: Any) -> str:
        if value is None:
            return "-"
        if isinstance(value, float):
            return f"{value:,.1f}" if value >= 100 else f"{value:g}"
        return f"{value:,}" if isinstance(value, int) else str(value)

    head = ("system", "loaded", "due", "fired", "executed %", "fires/s", "on time/s", "p50 ms",
            "p99 ms", "max ms", "CPU s", "peak RSS MB", "keeps", "durable rows")
    keys = ("loaded", "due", "fired", "executed_pct", "fires_per_s", "on_time_per_s",
            "lateness_p50_ms", "lateness_p99_ms", "lateness_max_ms", "cpu_s", "peak_rss_mb",
            "durable_rows")
    load = report.get("loadavg", {})
    title = (f"{w.tasks:,} tasks, each every 1 s with a no-op action; window {w.window} s "
             f"(warm-up {w.warmup:g} s, drain {w.drain:g} s); {os.cpu_count()} cores, "
             f"Python {sys.version.split()[0]}; load average {load.get('before', '?')} before, "
             f"{load.get('after', '?')} after")
    lines = [title, "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    notes = []
    for name, row in report["systems"].items():
        if "error" in row:
            lines.append(f"| {name} | " + row["error"] + " |")
            continue
        cells = [cell(row.get(k)) for k in keys]
        cells.insert(-1, KEEPS[name])
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
        if row.get("loaded", w.tasks) < w.tasks:
            notes.append(f"{name} added only {row['loaded']:,} of {w.tasks:,} jobs in "
                         f"{row['load_s']:g} s (one transaction per job); the rest were never offered")
        if row.get("server_cpu_s") is not None:
            notes.append(f"{name}: its PostgreSQL backends used another {row['server_cpu_s']:g} CPU s")
    notes += [
        ("cronpilot: every fire is a durable run row, committed before the action starts "
         "(durable rows = run rows for fires scheduled inside the window, counted after shutdown)."),
        "apscheduler-memory keeps nothing: no run history, and its schedule is gone with the process.",
        "apscheduler-sqlalchemy persists jobs (next run time), not runs: it writes no run history.",
        f"on time/s: fires started at most {ON_TIME * 1000:.0f} ms late, per second of window.",
    ]
    lines += ["", *(f"- {n}" for n in notes)]
    sq, aps = report["systems"].get("cronpilot-sqlite", {}), report["systems"].get("apscheduler-sqlalchemy", {})
    for key, what in (("fires_per_s", "fires per second"), ("on_time_per_s", "fires on time per second")):
        if sq.get(key) is not None and aps.get(key):
            lines.append(f"- cronpilot-sqlite / apscheduler-sqlalchemy, {what}: {sq[key] / aps[key]:.2f}x")
    extras = report.get("extras")
    if extras and "error" not in extras:
        from bench.engine_idle import describe

        lines += ["", *describe(extras)]
    elif extras:
        lines += ["", f"Idle/load: {extras['error']}"]
    return "\n".join(lines)


def sustained(row: dict[str, Any], *, p99_ms: float = 20) -> bool:
    """The target's bar: at least 99.9 % of due fires executed, p99 lateness under 20 ms.
    With ``p99_ms=1000``: it kept up, if not on time."""
    return (row.get("executed_pct") or 0) >= 99.9 and (row.get("lateness_p99_ms") or math.inf) < p99_ms


def sweep(w: Workload, counts: list[int], *, system: str, as_json: bool) -> None:
    rows = {}
    for count in counts:
        load = _loadavg()
        row = run_system(system, Workload(**{**asdict(w), "tasks": count}))
        ok = "error" not in row
        rows[count] = {**row, "loadavg": load, "sustained": ok and sustained(row),
                       "kept_up": ok and sustained(row, p99_ms=1000)}
        if not as_json:
            print(f"{count:>7,} fires/s offered: " + (row["error"] if "error" in row else
                  f"{row['executed_pct']} % executed, p99 {row['lateness_p99_ms']} ms, "
                  f"CPU {row['cpu_s']} s, load average {load} -> "
                  f"{'sustained' if rows[count]['sustained'] else 'not sustained'}"
                  f"{', kept up (p99 < 1 s)' if rows[count]['kept_up'] else ''}"), flush=True)
    best = max((n for n, r in rows.items() if r["sustained"]), default=None)
    kept = max((n for n, r in rows.items() if r["kept_up"]), default=None)
    if as_json:
        print(json.dumps({"sweep": rows, "highest_sustained": best, "highest_kept_up": kept}, indent=2))
        return
    print(f"highest sustained (>= 99.9 % executed, p99 < 20 ms): {f'{best:,}/s' if best else 'none'}; "
          f"highest kept up (p99 < 1 s): {f'{kept:,}/s' if kept else 'none'}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a 5 s window instead of 30 s")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--window", type=int, help="seconds (default 30, --quick 5)")
    parser.add_argument("--systems", default=",".join(SYSTEMS), help="comma-separated subset")
    parser.add_argument("--no-extras", action="store_true", help="skip the idle and 100k-load figures")
    parser.add_argument("--metrics", action="store_true", help="attach serve's metrics observer to cronpilot")
    parser.add_argument("--no-shed", action="store_true",
                        help="cronpilot never sheds late fires under overload (to compare)")
    parser.add_argument("--timeline", action="store_true",
                        help="with --json: each half second's fires and worst lateness (where the tail comes from)")
    parser.add_argument("--sweep", help="task counts for one system (cronpilot-sqlite unless --systems "
                        "names another), e.g. 2000,5000,10000: the highest rate it sustains")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--workload", help=argparse.SUPPRESS)
    parser.add_argument("--url", default="", help=argparse.SUPPRESS)
    parser.add_argument("--dir", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.metrics:
        os.environ["CRONPILOT_BENCH_METRICS"] = "1"  # the children inherit it
    if args.no_shed:
        os.environ["CRONPILOT_BENCH_NO_SHED"] = "1"
    if args.timeline:
        os.environ["CRONPILOT_BENCH_TIMELINE"] = "1"
    if args.child:
        child_main(args.child, Workload(**json.loads(args.workload)), args.url, Path(args.dir))
        return
    window = args.window or (5 if args.quick else 30)
    w = Workload(tasks=args.tasks, window=window, warmup=2.0 if args.quick else 3.0,
                 drain=2.0 if args.quick else 5.0, load_limit=20.0 if args.quick else 90.0)
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    unknown = set(systems) - set(SYSTEMS)
    if unknown:
        parser.error(f"unknown systems: {', '.join(sorted(unknown))}")
    if args.sweep:
        system = args.systems if args.systems in SYSTEMS else "cronpilot-sqlite"
        sweep(w, [int(n) for n in args.sweep.split(",")], system=system, as_json=args.json)
        return
    report: dict[str, Any] = {"workload": asdict(w), "systems": {}, "loadavg": {"before": _loadavg()}}
    for system in systems:
        if not args.json:
            print(f"running {system} ...", file=sys.stderr, flush=True)
        report["systems"][system] = run_system(system, w)
    if not args.no_extras:
        if not args.json:
            print("measuring idle CPU and the 100,000-task load ...", file=sys.stderr, flush=True)
        report["extras"] = run_extras(args.quick)
    report["loadavg"]["after"] = _loadavg()
    print(json.dumps(report, indent=2) if args.json else render(report, w))


if __name__ == "__main__":
    main()
