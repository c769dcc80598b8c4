"""Chaos suite (issue 14): what a hostile or unlucky day does to a running cronpilot.

Each scenario drives a real ``cronpilot serve`` (or, for the clock step, an in-process engine on
a fake clock: the machine's clock is never touched) and prints the same figures:

- lost        fires that should have a run row and have none
- duplicated  fires whose side effect happened twice (an orphan finishing beside its retry);
              a retry after a killed attempt is not a duplicate
- stuck       runs still ``running`` or ``pending`` long after their time, once all settled
- recovery_s  the worst time from the fault's end (restart, database back) to normal work; for
              kill -9, from the restart command to the dead engine's runs all ended, of which
              ``restart_to_ready_s`` is the new process starting up
- orphans     (kill -9 only) processes of the dead engine's shell runs still alive
              ``ORPHAN_GRACE_S`` after the kill (how long the sweep took: ``orphans_gone_after_s``)

Scenarios: ``kill9-none`` and ``kill9-bwrap`` (kill -9 loops of serve running shell tasks,
without and with bubblewrap), ``pg-terminate`` (PostgreSQL connections killed with
pg_terminate_backend), ``sqlite-lock`` (the database file held under an exclusive lock),
``logs-full`` (the logs folder on a full 64 KiB tmpfs: needs root to mount, else skipped),
``clock-step`` (R9: the wall clock stepped back 1 h and forward 15 min), ``overload``
(``bench/engine.py``: long mode only).

    .venv/bin/python bench/chaos.py --short          # CI: a minute or two
    .venv/bin/python bench/chaos.py                  # by hand; figures in bench/RESULTS.md
    .venv/bin/python bench/chaos.py --only kill9-none,clock-step --json

Exit status 1 when any scenario lost, duplicated or left stuck a run, or left an orphan.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scheduler.access import Actor, Role
from scheduler.models import RunStatus
from scheduler.service import Service
from scheduler.store import Store

PG_ADMIN = os.environ.get("CHAOS_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_DB = "engine_guard_chaos"
# A run's supervisor sweeps its processes when the death signal reaches it; under load the
# signal and the /proc walk take a moment. Measured 0.0x s quiet; CI (two test workers beside
# this) once saw two processes still alive 0.5 s after the kill.
ORPHAN_GRACE_S = 5.0
ADMIN = Actor("chaos", Role.ADMIN)


@dataclass
class Figures:
    scenario: str
    lost: int = 0
    duplicated: int = 0
    stuck: int = 0
    recovery_s: float | None = None
    orphans: int | None = None
    runs: int = 0
    note: str = ""
    skipped: bool = False
    error: str | None = None  # the scenario itself broke (its harness, not cronpilot): why
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def bad(self) -> bool:
        return not self.skipped and bool(self.lost or self.duplicated or self.stuck or self.orphans or self.error)


# --- a serve process and its database -------------------------------------------------------


class Site:
    """A data folder, a database and the tasks of one scenario; serve processes over it."""

    def __init__(self, root: Path, *, url: str | None = None, sandbox: str = "none") -> None:
        self.root = root
        self.data = root / "data"
        self.work = root / "work"  # shell tasks run here: open to the unprivileged user
        self.work.mkdir(parents=True, exist_ok=True)
        self.work.chmod(0o777)
        root.chmod(0o755)
        self.url = url or f"sqlite:///{self.data / 'cronpilot.db'}"
        self.env = {**os.environ, "CRONPILOT_DATA_DIR": str(self.data), "CRONPILOT_TIMEZONE": "UTC",
                    "CRONPILOT_DATABASE_URL": self.url, "CRONPILOT_SHELL_SANDBOX": sandbox,
                    "CRONPILOT_LOG_LEVEL": "WARNING"}
        for name in ("OPENAI_API_KEY", "SLACK_BOT_TOKEN", "TELEGRAM_BOT_TOKEN"):
            self.env.pop(name, None)
        self.data.mkdir(parents=True, exist_ok=True)
        self.store = Store(self.url)
        # Tasks every second or two: the chaos wants many fires (below the default minimum interval).
        self.service = Service(self.store, default_timezone="UTC", min_interval=timedelta(seconds=1))
        self.server: subprocess.Popen[str] | None = None
        self.kill_times: list[float] = []  # wall clock, for the kill -9 ledger

    def add_interval_task(self, name: str, every: float, action: dict[str, Any], *, retries: int = 1) -> int:
        spec = self.service.build_spec({
            "name": name, "triggers": [{"kind": "interval", "every": every}], "action": action,
            "misfire_policy": "run_all", "misfire_grace": 600,
            "retry": {"max_attempts": retries, "delay": 1},
        })
        return self.service.create_task(spec, actor=ADMIN).task_id

    def serve(self) -> float:
        """Start serve; seconds until it said it runs."""
        began = time.monotonic()
        self.server = subprocess.Popen([sys.executable, "-m", "cronpilot", "serve"], env=self.env, cwd=self.work,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                       start_new_session=True)
        assert self.server.stdout is not None
        # Its first line says the engine runs; anything printed before it (a warning) is skipped.
        seen = []
        for line in self.server.stdout:
            seen.append(line)
            if "engine running" in line:
                break
        else:
            raise RuntimeError(f"serve did not start: {''.join(seen)}{self.server.stderr.read() if self.server.stderr else ''}")
        # Keep reading its output so a full pipe never blocks it.
        for stream in (self.server.stdout, self.server.stderr):
            _drain(stream)
        return time.monotonic() - began

    def kill9(self) -> None:
        assert self.server is not None
        os.kill(self.server.pid, signal.SIGKILL)
        self.kill_times.append(time.time())
        self.server.wait(timeout=30)
        self.server = None

    def stop(self) -> None:
        if self.server is None:
            return
        self.server.send_signal(signal.SIGINT)
        try:
            self.server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.server.kill()
            self.server.wait()
        self.server = None

    def close(self) -> None:
        self.stop()
        self.store.close()

    def runs(self) -> list[Any]:
        return self.store.list_runs(limit=10_000)


def _drain(stream: Any) -> None:
    import threading

    def read() -> None:
        for _ in stream:
            pass

    threading.Thread(target=read, daemon=True).start()


def _wait_until(predicate: Callable[[], bool], seconds: float) -> float | None:
    began = time.monotonic()
    while not predicate():
        if time.monotonic() - began > seconds:
            return None
        time.sleep(0.05)
    return time.monotonic() - began


def _alive_with(marker: str) -> list[int]:
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            cmd = Path(f"/proc/{entry.name}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = Path(f"/proc/{entry.name}/stat").read_text().rpartition(")")[2].split()[0]
        except (OSError, IndexError):
            continue
        if marker in cmd and state != "Z" and int(entry.name) != os.getpid():
            found.append(int(entry.name))
    return found


def _lost_and_stuck(site: Site, every: float, *, until: datetime) -> tuple[int, int]:
    """Fires of interval tasks missing between each task's first fire and ``until``; runs left
    running or pending that were due well before it."""
    by_task: dict[int, set[datetime]] = {}
    stuck = 0
    for run in site.runs():
        if run.scheduled_for is not None:
            by_task.setdefault(run.task_id, set()).add(run.scheduled_for)
        if run.status in (RunStatus.RUNNING, RunStatus.PENDING) and run.due_at < until - timedelta(seconds=30):
            stuck += 1
    lost = 0
    step = timedelta(seconds=every)
    for fires in by_task.values():
        first, slot = min(fires), min(fires)
        while slot <= until - timedelta(seconds=5):
            if slot not in fires:
                lost += 1
            slot += step
        del first
    return lost, stuck


@contextlib.contextmanager
def _tempdir(prefix: str) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


# --- scenarios ------------------------------------------------------------------------------


def kill9(sandbox: str, *, kills: int) -> Figures:
    """kill -9 of serve while shell tasks run: each task sleeps, then appends its run id to a
    ledger; a fire whose effect appears twice was executed twice."""
    name = f"kill9-{sandbox}"
    if sandbox == "bwrap" and shutil.which("bwrap") is None:
        return Figures(name, skipped=True, note="bubblewrap not installed")
    marker = f"{random.randint(100_000, 999_999)}.{random.randint(100, 999)}"
    with _tempdir("chaos-kill9-") as root:
        site = Site(root, sandbox=sandbox)
        ledger = site.work / "ledger"
        ledger.touch()
        ledger.chmod(0o666)
        # The effect: the run id (one per attempt) and when it was written.
        script = (f"sleep {marker} 2>/dev/null & sleep 1.5; echo $CRONPILOT_RUN_ID $(date +%s.%N) >> {ledger}; "
                  "kill $! 2>/dev/null")
        for i in range(4):
            site.add_interval_task(f"work{i}", 2, {"kind": "shell", "argv": [script], "use_shell": True,
                                                   "cwd": str(site.work)}, retries=3)
        figures = Figures(name, orphans=0)
        recoveries: list[float] = []
        try:
            site.serve()
            for _ in range(kills):
                time.sleep(random.uniform(2.5, 4.0))
                held = {r.run_id for r in site.runs() if r.status == RunStatus.RUNNING}
                site.kill9()
                # Each run's supervisor notices its engine's death by a signal and then sweeps its
                # session; on a loaded machine that takes a moment. An orphan is a process still
                # alive after the grace period; how long the sweep took is reported beside it.
                swept = _wait_until(lambda: not _alive_with(f"sleep {marker}"), ORPHAN_GRACE_S)
                if swept is None:
                    figures.orphans = (figures.orphans or 0) + len(_alive_with(f"sleep {marker}"))
                else:
                    figures.extra.setdefault("orphans_gone_after_s", []).append(round(swept, 2))
                began = time.monotonic()
                ready = site.serve()  # the restart: a new process importing cronpilot, then starting
                def recovered(held: set[int] = held) -> bool:
                    return not any(r.run_id in held and r.status == RunStatus.RUNNING for r in site.runs())

                waited = _wait_until(recovered, 120)
                recoveries.append((time.monotonic() - began) if waited is not None else float("inf"))
                figures.extra.setdefault("restart_to_ready_s", []).append(round(ready, 2))
            time.sleep(4)
            site.stop()
            end = datetime.now(UTC)
            figures.lost, figures.stuck = _lost_and_stuck(site, 2, until=end - timedelta(seconds=4))
            runs = site.runs()
            figures.duplicated, ledger_figures = count_duplicates(runs, _effects(ledger), site.kill_times)
            figures.extra.update(ledger_figures)
            figures.runs = len(runs)
            figures.recovery_s = round(max(recoveries), 2) if recoveries else None
            figures.extra.update({"kills": kills, "recoveries_s": [round(r, 2) for r in recoveries],
                                  "worker_lost": sum(1 for r in runs if (r.error or "").startswith("worker lost"))})
        finally:
            site.close()
            for pid in _alive_with(marker):
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
    return figures


def _effects(ledger: Path) -> list[tuple[int, float]]:
    """The ledger's lines: (run id, when its effect was written, epoch seconds)."""
    found = []
    for line in ledger.read_text().splitlines():
        run_id, _, at = line.strip().partition(" ")
        if run_id.isdigit():
            found.append((int(run_id), float(at) if at else float("nan")))
    return found


def count_duplicates(runs: list[Any], effects: list[tuple[int, float]],
                     kills: list[float]) -> tuple[int, dict[str, int]]:
    """Fires executed twice, from a ledger of (run id, time) effects. Each attempt is its own
    run (a retry is a new run of the same fire, attempt + 1), so the ledger tells apart:

    - a real duplicate: the same attempt's effect twice, or an attempt's effect written once a
      later attempt of the same fire had started (the two ran beside each other: an orphan);
    - an at-least-once retry: an attempt killed after its effect and before its outcome was
      recorded, then retried; its effect came before the kill and before the retry started.

    Returns the real duplicates and, for the figures, how many fires were retried after an
    effect (and of those, how many had the effect written before a kill)."""
    by_id = {r.run_id: r for r in runs}
    per_fire: dict[tuple[int, Any], dict[int, list[float]]] = {}
    for run_id, at in effects:
        run = by_id.get(run_id)
        if run is not None:
            per_fire.setdefault((run.task_id, run.scheduled_for), {}).setdefault(run_id, []).append(at)
    duplicated = retried = effect_then_killed = 0
    for attempts in per_fire.values():
        duplicated += sum(len(times) - 1 for times in attempts.values())
        ordered = sorted(attempts, key=lambda run_id: by_id[run_id].attempt)
        beside = False
        for earlier, later in pairwise(ordered):
            started = by_id[later].started_at
            if started is not None and any(at >= started.timestamp() for at in attempts[earlier]):
                beside = True
                duplicated += 1
            elif started is not None and any(min(attempts[earlier]) < k < started.timestamp() for k in kills):
                effect_then_killed += 1
        retried += len(ordered) > 1 and not beside
    return duplicated, {"retried_after_effect": retried, "effect_then_killed": effect_then_killed}


def pg_terminate(*, rounds: int) -> Figures:
    """serve on PostgreSQL; every connection of its database killed ``rounds`` times."""
    try:
        import psycopg
    except ImportError:
        return Figures("pg-terminate", skipped=True, note="psycopg not installed")
    try:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {PG_DB}")
    except psycopg.Error as exc:
        return Figures("pg-terminate", skipped=True, note=f"PostgreSQL unreachable: {exc}".splitlines()[0])
    url = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{PG_DB}"
    figures = Figures("pg-terminate")
    with _tempdir("chaos-pg-") as root:
        site = Site(root, url=url)
        for i in range(4):
            site.add_interval_task(f"tick{i}", 1, {"kind": "noop"})
        site.store.close()  # the scenario's own connections must not be among the killed
        recoveries = []
        try:
            site.serve()
            for _ in range(rounds):
                time.sleep(3)
                with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                    killed = conn.execute(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE datname = %s AND pid <> pg_backend_pid()", (PG_DB,)).fetchone()
                began = time.monotonic()
                mark = datetime.now(UTC)
                probe = Store(url, migrate=False)
                try:
                    def working(probe: Store = probe, mark: datetime = mark) -> bool:
                        return any(r.started_at is not None and r.started_at > mark
                                   and r.status == RunStatus.COMPLETED for r in probe.list_runs(limit=20))

                    waited = _wait_until(working, 60)
                finally:
                    probe.close()
                recoveries.append(waited if waited is not None else float("inf"))
                figures.extra.setdefault("connections_killed", []).append(killed[0] if killed else 0)
                del began
            time.sleep(3)
            site.stop()
            site.store = Store(url, migrate=False)
            end = datetime.now(UTC)
            figures.lost, figures.stuck = _lost_and_stuck(site, 1, until=end - timedelta(seconds=3))
            figures.runs = len(site.runs())
            figures.recovery_s = round(max(recoveries), 2)
            figures.extra["server_alive_throughout"] = True
        finally:
            site.close()
            with contextlib.suppress(Exception), psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
    return figures


def sqlite_lock(*, hold: float) -> Figures:
    """serve on SQLite while another process holds the file under an exclusive lock."""
    figures = Figures("sqlite-lock")
    with _tempdir("chaos-lock-") as root:
        site = Site(root)
        for i in range(4):
            site.add_interval_task(f"tick{i}", 1, {"kind": "noop"})
        try:
            site.serve()
            time.sleep(3)
            locker = sqlite3.connect(str(site.data / "cronpilot.db"), timeout=30, isolation_level=None)
            locker.execute("BEGIN EXCLUSIVE")
            time.sleep(hold)
            mark = datetime.now(UTC)
            locker.execute("COMMIT")
            locker.close()
            waited = _wait_until(lambda: any(r.started_at is not None and r.started_at > mark
                                             for r in site.store.list_runs(limit=20)), 60)
            figures.recovery_s = round(waited, 2) if waited is not None else float("inf")
            time.sleep(3)
            alive = site.server is not None and site.server.poll() is None
            site.stop()
            end = datetime.now(UTC)
            figures.lost, figures.stuck = _lost_and_stuck(site, 1, until=end - timedelta(seconds=3))
            figures.runs = len(site.runs())
            figures.extra = {"held_s": hold, "serve_alive": alive}
        finally:
            site.close()
    return figures


def logs_full(*, seconds: float) -> Figures:
    """Shell runs whose output goes to a log on a full 64 KiB tmpfs (ENOSPC)."""
    figures = Figures("logs-full")
    with _tempdir("chaos-disk-") as root:
        site = Site(root)
        logs = site.data / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs", str(logs)],
                                 check=False, capture_output=True, text=True)
        if mounted.returncode != 0:
            site.close()
            return Figures("logs-full", skipped=True, note="can't mount a small tmpfs here (needs root)")
        try:
            with contextlib.suppress(OSError), open(logs / "filler", "wb") as f:
                f.write(b"x" * 200_000)  # fills it: ENOSPC from here on
            big = "head -c 300000 /dev/zero | tr '\\0' x"  # over the row's 64 KiB: a log file is needed
            for i in range(3):
                site.add_interval_task(f"noisy{i}", 2, {"kind": "shell", "argv": [big], "use_shell": True,
                                                        "cwd": str(site.work)})
            site.serve()
            time.sleep(seconds)
            alive = site.server is not None and site.server.poll() is None
            site.stop()
            end = datetime.now(UTC)
            figures.lost, figures.stuck = _lost_and_stuck(site, 2, until=end - timedelta(seconds=4))
            runs = site.runs()
            figures.runs = len(runs)
            figures.extra = {"serve_alive": alive, "statuses": dict(Counter(r.status.value for r in runs)),
                             "errors": sorted({(r.error or "")[:80] for r in runs if r.error})[:3]}
        finally:
            site.close()
            subprocess.run(["umount", str(logs)], check=False, capture_output=True)
    return figures


def clock_step() -> Figures:
    """R9 on a fake clock (the machine's clock is never touched): 20 tasks every 10 s; the wall
    clock steps back 1 h, later forward 15 min (90 slots: within run_all's cap of 100, so each
    passed-over slot is run, not summed up in one row); every slot must have exactly one row."""
    from scheduler.actions.base import ActionConfig
    from scheduler.clock import FakeClock
    from scheduler.engine import Engine

    figures = Figures("clock-step")

    async def scenario(root: Path) -> None:
        clock = FakeClock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
        store = Store(f"sqlite:///{root / 'clock.db'}")
        service = Service(store, clock=clock)
        for i in range(20):
            service.create_task(service.build_spec({
                "name": f"t{i}", "triggers": [{"kind": "interval", "every": 10}], "action": {"kind": "noop"},
                "misfire_policy": "run_all", "misfire_grace": 86400}), actor=ADMIN)
        engine = Engine(store, config=ActionConfig(data_dir=root), clock=clock)
        await engine.start()
        began = clock.now()

        async def live(seconds: int) -> None:
            for _ in range(seconds // 10):
                clock.advance(timedelta(seconds=10))
                await engine.run_until_idle()

        await live(300)
        clock.step(timedelta(hours=-1))
        await engine.run_until_idle()
        await live(3600 + 300)
        clock.step(timedelta(minutes=15))
        await engine.run_until_idle()
        await live(60)
        end = clock.now()
        runs = store.list_runs(limit=100_000)
        by_task: dict[int, Counter[datetime]] = {}
        for run in runs:
            if run.scheduled_for is not None:
                by_task.setdefault(run.task_id, Counter())[run.scheduled_for] += 1
        for fires in by_task.values():
            figures.duplicated += sum(n - 1 for n in fires.values() if n > 1)
            slot = began + timedelta(seconds=10)
            while slot <= end:
                figures.lost += slot not in fires
                slot += timedelta(seconds=10)
        figures.stuck = sum(1 for r in runs if r.status in (RunStatus.RUNNING, RunStatus.PENDING))
        figures.runs = len(runs)
        figures.recovery_s = 0.0
        figures.extra = {"steps_reported": [s.total_seconds() for _, s in engine.clock_steps]}
        await engine.shutdown(grace=timedelta(seconds=1))
        store.close()

    with _tempdir("chaos-clock-") as root:
        asyncio.run(scenario(root))
    return figures


def overload() -> Figures:
    """Offered more than it sustains (``bench/engine.py``); its own figures, quoted."""
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "engine.py"), "--quick", "--json", "--no-extras",
                           "--systems", "cronpilot-sqlite", "--tasks", "20000"],
                          check=False, capture_output=True, text=True, timeout=900)
    figures = Figures("overload", note="see bench/engine.py")
    try:
        figures.extra = json.loads(done.stdout)
    except ValueError:
        figures.skipped = True
        figures.note = f"bench/engine.py failed: {done.stderr.strip().splitlines()[-1:] or done.returncode}"
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--short", action="store_true", help="the CI version: a minute or two")
    parser.add_argument("--only", help="comma-separated scenario names")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    short = args.short
    scenarios: dict[str, Callable[[], Figures]] = {
        "kill9-none": lambda: kill9("none", kills=2 if short else 5),
        "kill9-bwrap": lambda: kill9("bwrap", kills=2 if short else 5),
        "pg-terminate": lambda: pg_terminate(rounds=2 if short else 5),
        "sqlite-lock": lambda: sqlite_lock(hold=5 if short else 45),
        "logs-full": lambda: logs_full(seconds=6 if short else 30),
        "clock-step": clock_step,
    }
    if not short:
        scenarios["overload"] = overload
    chosen = args.only.split(",") if args.only else list(scenarios)
    results = []
    for name in chosen:
        began = time.monotonic()
        try:
            figures = scenarios[name]()
        except Exception as exc:  # one broken scenario still leaves the others' figures, and says why
            import traceback

            figures = Figures(name, error=f"{type(exc).__name__}: {exc}",
                              extra={"traceback": traceback.format_exc(limit=8)})
        figures.extra["took_s"] = round(time.monotonic() - began, 1)
        results.append(figures)
        if not args.json:
            print(_line(figures), flush=True)
    if args.json:
        print(json.dumps([asdict(f) for f in results], default=str, indent=2))
    return 1 if any(f.bad for f in results) else 0


def _line(f: Figures) -> str:
    if f.skipped:
        return f"{f.scenario:13} skipped: {f.note}"
    if f.error:
        return f"{f.scenario:13} BROKE: {f.error}"
    orphans = "" if f.orphans is None else f" orphans={f.orphans}"
    return (f"{f.scenario:13} lost={f.lost} duplicated={f.duplicated} stuck={f.stuck} "
            f"recovery_s={f.recovery_s}{orphans} runs={f.runs} {json.dumps(f.extra, default=str)}")


if __name__ == "__main__":
    sys.exit(main())
