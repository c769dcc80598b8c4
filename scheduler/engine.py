"""The engine: a heap of next fire times, a sleep until the earliest (or a wake-up), group
commits of fires and outcomes, leases with heartbeats, recovery of lost workers' runs.

Store calls go to one worker thread (``cronpilot-store``), so the event loop keeps its timers
while a batch commits, and batches grow by themselves under load (group commit).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import heapq
import logging
import random
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TypeVar

from .access import AIRunBudget
from .actions.base import ActionConfig
from .actions.shell_process import kill_leftovers
from .background import BackgroundJobs
from .clock import Clock, StepWatch, SystemClock
from .errors import NotFound, StoreUnavailable
from .execution import (
    SHUTDOWN_REASON,
    TIMEOUT_REASON,
    ai_budget_refusal,
    budget_notice_text,
    execute_run,
)
from .firing import plan_fires
from .leadership import leadership_for
from .models import (
    DEAD_LETTER,
    POISON_STREAK,
    WORKER_LOST,
    OverlapPolicy,
    RunReason,
    RunStatus,
    Task,
)
from .ports import AIRunner, EngineObserver, EnginePass, Notification, Notifier, SecretSource
from .process_identity import provably_gone
from .schedule import Schedule
from .sharing import PARTITIONS
from .sources import Sources
from .store.records import ClaimedRun, NewRun, Released, RunOutcome, SkipChain
from .store_ports import EngineStore
from .triggers import next_fire_of_all
from .wakeups import ChangeListener
from .wording import duration_text

log = logging.getLogger(__name__)
T = TypeVar("T")
# A big schedule is moved out of the collector's sight once loaded (``gc.freeze``): a full
# collection over 100,000 tasks takes 0.7 s, a stall every fire would wait out. Not for small
# ones (tests start hundreds of engines): frozen objects are never collected.
_FREEZE_AT = 10_000
_NO_LIMIT = contextlib.nullcontext()


_IDLE: frozenset[int] = frozenset()  # shared by every task with nothing running
_NOTHING: tuple[list[NewRun], list[RunOutcome]] = ([], [])  # a pass that recorded nothing


@dataclass(slots=True)
class _TaskState:
    sched: Schedule
    cursor: datetime  # fires at or before this instant are already recorded
    generation: int = 0
    running: set[int] | frozenset[int] = _IDLE  # a set of its own once something runs
    deleted: bool = False
    # Its next fire found the task busy in the database when recorded ahead: decide it at its
    # time instead (store/overlap.py).
    not_ahead: bool = False

    def start(self, run_id: int) -> None:
        if not self.running:
            self.running = set()
        self.running.add(run_id)  # type: ignore[union-attr]

    def end(self, run_id: int) -> None:
        if run_id in self.running:
            self.running.discard(run_id)  # type: ignore[union-attr]


@dataclass(frozen=True)
class EngineOptions:
    lease_ttl: timedelta = timedelta(seconds=30)
    heartbeat_interval: timedelta = timedelta(seconds=10)
    poll_interval: timedelta = timedelta(seconds=1)  # other processes' changes (CLI), a safety net
    max_concurrent_runs: int = 256
    allow_overlap_cap: int = 16
    batch_size: int = 5000
    # A fire is recorded up to this long before it is due and started on a timer at its time, so
    # its lateness is the event loop's, not that of the commit it waited for (a run's row is
    # still committed before its action starts). Only for tasks with nothing running. None: by
    # database (``RECORD_AHEAD``): a commit slower than this makes its fires late.
    record_ahead: timedelta | None = None
    # Overload sheds at the head: once passes keep ending with fires already due (two in a row:
    # an engine that can't keep up, not one stall), a scheduled fire later than this is recorded
    # as skipped ("missed: engine overloaded") instead of started late, so the fires behind it
    # start on time rather than everything being late. None: never shed.
    shed_late_after: timedelta | None = timedelta(milliseconds=250)
    # ... and a pass then starts at most what its measured cost allows in half that time, but
    # never fewer than this: on a starved machine a pass's fixed cost would otherwise read as a
    # per-fire cost and shrink the batches until the engine did nothing else. A pass writes
    # only a few shed rows per start it may make: the fires left over wait in the schedule, and
    # once a task's next fire is due its missed ones become one row ("missed: engine overloaded:
    # N fires between ..."), so the deeper the backlog, the fewer rows per missed fire, and
    # recording what was missed never takes the capacity that runs fires on time.
    shed_min_starts: int = 200
    # Shed rows a pass may write per start it may make. On PostgreSQL a shed row costs the server
    # about half a run: at one per start, a pass would spend a third of its time on them, at 0.2
    # a tenth (the 90 % target gone on that alone). At 0.05 they take ~2.5 %; a task left for
    # later then waits ~1/0.05 = 20 s for its row (the rows of all its fires meanwhile in one).
    shed_rows_per_start: float = 0.05
    notify_failures: bool = True
    # The outbox (R16) remembers the message parts delivered, so a retry never sends one twice;
    # a row older than this is dropped (a run's retries and a delivery's end long before), on a
    # slow timer (checked at heartbeats). None: kept forever.
    outbox_retention: timedelta | None = timedelta(days=7)
    outbox_prune_interval: timedelta = timedelta(hours=1)
    # Whole tasks kept for runs, most recently run first; the others are read when they run
    # (with the commit that records their fire, so no extra round trip). A task read costs
    # about twice a whole run (decoding and validating its definition), and tasks that fire in
    # turn thrash an LRU smaller than their number: every run would miss. So the cache is big
    # (about 4.5 KB a task, only for tasks that ran), while a start loads tasks whole only up to
    # ``preload_tasks`` (a restart stays quick; the rest come in as they run).
    task_cache: int = 65_536
    preload_tasks: int = 16_384
    # SQLite: WAL checkpoints in a thread of their own, not in whichever commit crosses the
    # threshold (a 100-200 ms stall). For a serving engine; tests start hundreds of engines.
    background_checkpoints: bool = False
    # PostgreSQL: LISTEN for other processes' changes (scheduler/wakeups.py) and look at once;
    # the poll stays as the safety net. A serving engine's setting (one more connection).
    listen_for_changes: bool = False
    # False: only run what is already asked for (pending runs and what they release); no
    # schedules, no watchers. A CLI uses this to run work itself when no engine is up.
    schedules: bool = True
    # PostgreSQL: engines share the schedule (scheduler/sharing.py), each computing the fires of
    # the partitions it holds under a lease renewed every ``share_interval``. A killed engine's
    # partitions are taken over within ``share_lease + share_interval``; a stopped one's within
    # ``share_interval``. False: compute every fire, as before sharing (benchmarks compare).
    share_work: bool = True
    share_lease: timedelta = timedelta(seconds=10)
    share_interval: timedelta = timedelta(seconds=1)


# How long before its time a fire is recorded, by database. SQLite commits to a local file in a
# few milliseconds (WAL checkpoints off the commit path). A PostgreSQL commit waits on another
# process, its fsync and a network: on this 2-core machine, at 5,000 fires/s, one commit in a
# 30 s window took 100-320 ms (the kernel writing back the new database's files, 30 s after they
# were dirtied), and at 100 ms ahead that one stall made 2 of every 3 windows miss p99 < 50 ms;
# at 500 ms ahead none did (bench/RESULTS.md). Across a network (Supabase) a pass is several
# round trips of 20-80 ms each, more than 100 ms. The cost of a longer horizon: a task paused
# within it gets a ``cancelled`` row for that fire, and a crash within it leaves rows that
# recovery ends as "worker lost" though they had not started.
RECORD_AHEAD = {"sqlite": timedelta(milliseconds=100), "postgresql": timedelta(milliseconds=500)}


class Engine:
    def __init__(
        self,
        store: EngineStore,
        *,
        config: ActionConfig,
        clock: Clock | None = None,
        options: EngineOptions | None = None,
        notifier: Notifier | None = None,
        ai_runner: AIRunner | None = None,
        secrets: SecretSource | None = None,
        worker_id: str | None = None,
        on_run_start: Callable[[int, datetime | None], None] | None = None,
        observer: EngineObserver | None = None,
        ai_budget: AIRunBudget | None = None,
    ) -> None:
        self.store = store
        self.worker_id = worker_id or f"engine-{uuid.uuid4().hex[:12]}"
        # Shell runs carry the engine's id, so a later engine can find what this one left.
        config = config if config.engine_id else dataclasses.replace(config, engine_id=self.worker_id)
        self.ai_budget = ai_budget or AIRunBudget()
        self._budget_noticed: dict[str, datetime] = {}  # owner -> when last told of a budget skip
        self.config = config
        self.clock = clock or SystemClock()
        self.options = options or EngineOptions()
        self.record_ahead = self.options.record_ahead if self.options.record_ahead is not None else (
            RECORD_AHEAD["postgresql" if store.url.startswith("postgres") else "sqlite"])
        self.notifier = notifier
        self.ai_runner = ai_runner
        self.secrets = secrets  # values of {{ secrets.NAME }}, read when a run starts
        self.on_run_start = on_run_start
        self.observer = observer  # metrics: told what each pass did
        self.last_heartbeat_at: datetime | None = None
        self._heap: list[tuple[datetime, int, int]] = []
        # Due fires an overloaded pass left for later (past its shed rows), oldest first.
        self._left: list[tuple[datetime, int, int]] = []
        self._states: dict[int, _TaskState] = {}
        self._tasks: OrderedDict[int, Task] = OrderedDict()  # the task cache, least recent first
        self._reactive: dict[int, Task] = {}  # tasks with watchers (sources need them whole)
        self._inflight: dict[int, asyncio.Task[RunOutcome | None]] = {}
        self._done: list[RunOutcome] = []
        self._ahead: dict[int, NewRun] = {}  # recorded before they are due, by run id
        self._deadlines: dict[int, datetime] = {}  # running runs' timeouts, by run id
        self._sweep_at: datetime | None = None
        self._wake = asyncio.Event()
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cronpilot-store")
        self._revision = 0
        self._pending_due_at: datetime | None = None
        self._pending_blocked = False  # a due pending run waits for its task's running run
        self._next_poll_at: datetime | None = None
        self._next_heartbeat_at: datetime | None = None
        self._next_prune_at: datetime | None = None  # the outbox's next pruning
        self._claiming = True
        self._look_for_dead = False  # a fire was refused for another engine's run: is it alive?
        self._behind = 0  # passes in a row that ended with fires already due (overload)
        self._item_cost = 0.0  # seconds a commit spends per fire or outcome (moving average)
        self._started = False
        self._checkpointing = False
        self._sem = asyncio.Semaphore(self.options.max_concurrent_runs)
        self._workflow_slots: dict[int, asyncio.Semaphore] = {}
        self._last_cut_seen = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._notices = BackgroundJobs()
        self._listener: ChangeListener | None = None  # PostgreSQL: other processes' changes
        self._leadership = leadership_for(store.url)  # who runs the reactive sources
        self._leading = False
        # PostgreSQL with several engines: the partitions of the task space this one computes
        # (``sharing.py``); None: every task (SQLite, a CLI's engine, sharing off).
        self._sharing = (self.options.schedules and self.options.share_work
                         and store.url.startswith("postgres"))
        self._owned: frozenset[int] | None = frozenset() if self._sharing else None
        self._owned_until: datetime | None = None  # the leases' end as of the last renewal
        self._next_share_at: datetime | None = None
        self._steps = StepWatch(self.clock)
        self.clock_steps: list[tuple[datetime, timedelta]] = []  # wall-clock steps seen (R9)
        self.sources = Sources(fire=self.trigger, store_call=self.store_call, state=store,
                               now=self.clock.now, config=config, store_url=store.url, secrets=secrets)

    # --- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        """Register, load every task, recover lost runs. Misfires surface on the first tick."""
        self._loop = asyncio.get_running_loop()
        now = self.clock.now()
        if self.options.background_checkpoints:
            self._checkpointing = self.store.checkpoint_in_background()
        await self._store(self.store.register_worker, self.worker_id, now=now,
                          version=installed_version(), schedules=self.options.schedules)
        self.last_heartbeat_at = now
        # First, before the task load (seconds for a big install): end the runs of an engine on
        # this machine that is provably gone, so a restart after kill -9 recovers them at once.
        await self._recover_dead_engines(now)
        await self._recover_expired(now)
        if self._sharing:  # before the load: only the tasks of partitions held go on the heap
            await self._share(now)
        with _collector_paused():
            # Small schedules are kept whole (every run finds its task at hand); big ones as
            # schedules only, each task read when it runs.
            full = await self._store(self.store.count_tasks) <= min(self.options.task_cache, self.options.preload_tasks)
            live, _deleted, self._revision = await self._store(
                self.store.schedules_changed_since, 0, full=full
            )
            self._last_cut_seen = await self._store(self.store.max_run_id)
            for sched, task in live:
                self._track(sched, task)
        if len(live) >= _FREEZE_AT:
            gc.freeze()
        self._pending_due_at = await self._store(self.store.next_pending_due)
        self._next_poll_at = now + self.options.poll_interval
        self._next_heartbeat_at = now + self.options.heartbeat_interval
        self._next_prune_at = now  # at the first heartbeat: not in the start-up
        self._started = True
        if self.options.listen_for_changes and self.options.schedules and self.store.url.startswith("postgres"):
            self._listener = ChangeListener(self.store.url, self._wake_now)
            self._listener.start()
        await self._reconcile_sources(changed=True)
        await self._recover_expired(now)  # what expired meanwhile (leases of engines elsewhere)
        log.info("engine started", extra={"worker_id": self.worker_id, "tasks": len(self._states)})

    async def run_forever(self, stop: asyncio.Event) -> None:
        if not self._started:
            await self.start()
        stop_waiter = asyncio.ensure_future(stop.wait())
        stop_waiter.add_done_callback(lambda _f: self._wake.set())
        failures = 0
        try:
            while not stop.is_set():
                try:
                    await self.tick()
                    failures = 0
                except StoreUnavailable as exc:
                    # The database is away: nothing was lost (the tick puts back what it took);
                    # back off with jitter, capped at 5 s, and try again.
                    failures += 1
                    delay = min(5.0, 0.1 * 2 ** failures) * random.uniform(0.5, 1.0)
                    log.warning("store unavailable, retrying in %.1f s: %s", delay, exc)
                    await self.clock.sleep_until(self.clock.now() + timedelta(seconds=delay), self._wake)
                    self._wake.clear()
                    continue
                self._wake.clear()
                if self._done or stop.is_set():
                    continue
                await self.clock.sleep_until(self._next_deadline(), self._wake)
        finally:
            stop_waiter.cancel()

    async def shutdown(self, *, grace: timedelta = timedelta(seconds=30)) -> None:
        """Stop claiming; let in-flight runs finish within ``grace``; cancel the rest (recorded
        as cancelled and retried per policy); release the worker."""
        self._claiming = False
        # The fires left for later while shedding get their rows first, while this engine still
        # holds their partitions: once released, the next holder computes them from the cursors.
        with contextlib.suppress(StoreUnavailable):
            await self._record_backlog()
        if self._sharing:  # the others take over at their next look, not after the leases
            self._owned = frozenset()
            with contextlib.suppress(StoreUnavailable):
                await self._store(self.store.release_partitions, self.worker_id, now=self.clock.now())
        await self.sources.stop()
        await self._store(self._leadership.close)
        self._leading = False
        if self._listener is not None:
            await self._listener.stop()
        for run in list(self._ahead.values()):
            self._end_unstarted(run, RunStatus.SKIPPED, "missed: cronpilot shut down before this fire was due")
        pending = list(self._inflight.values())
        if pending:
            _done, still = await asyncio.wait(pending, timeout=grace.total_seconds())
            for task in still:
                task.cancel(SHUTDOWN_REASON)
            if still:
                await asyncio.wait(still)
        await self._flush_outcomes()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.notices_sent(), timeout=grace.total_seconds() or 1.0)
        await self._store(self.store.unregister_worker, self.worker_id)
        self._db.shutdown(wait=True)
        if self._checkpointing:
            self.store.stop_background_checkpoints()

    async def trigger(
        self, task_id: int, *, reason: RunReason, event: str, payload: dict[str, Any] | None = None,
        debounce: timedelta | None = None,
    ) -> int | None:
        """A reactive source (file watcher, NOTIFY listener, condition check) fires ``task_id``:
        record a pending run with the payload and start it. Returns the run id, or None when
        debounced or the task is gone or not active."""
        state = self._states.get(task_id)
        if state is None or state.deleted or not state.sched.is_schedulable:
            return None
        run = await self._store(self.store.trigger_task, task_id, reason=reason, event=event,
                                payload=payload, now=self.clock.now(), debounce=debounce)
        if run is None:
            return None
        self._note_pending(run.due_at)
        self._wake.set()
        return run.run_id

    def tasks(self) -> dict[int, Task]:
        """The live tasks with reactive triggers (for sources to reconcile against)."""
        return {tid: task for tid, task in self._reactive.items()
                if tid in self._states and not self._states[tid].deleted}

    def task_ids(self) -> list[int]:
        """Every live task this engine follows."""
        return [tid for tid, st in self._states.items() if not st.deleted]

    def wake(self) -> None:
        """Something changed in this process (a new task, a manual run): look again now.
        Safe to call from other threads (service calls made in a worker thread)."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if running is not loop:
                loop.call_soon_threadsafe(self._wake_now)
                return
        self._wake_now()

    def _wake_now(self) -> None:
        self._next_poll_at = self.clock.now()
        self._wake.set()

    # --- one pass ---------------------------------------------------------------------------

    async def tick(self) -> None:
        began = time.perf_counter()
        now = self.clock.now()
        step = self._steps.check()
        if step is not None:
            self._clock_stepped(now, step)
        if self._next_poll_at is None or now >= self._next_poll_at:
            await self._poll(now)
        if self._next_heartbeat_at is not None and now >= self._next_heartbeat_at:
            await self._heartbeat(now)
        if self._sharing and self._claiming:
            if self._owned and self._owned_until is not None and now >= self._owned_until:
                # Not renewed in time (the database away, a stall): another engine may hold
                # them now. Compute none until a renewal says what is ours (and from where).
                log.warning("partition leases not renewed in time: computing no fires until they are",
                            extra={"worker_id": self.worker_id})
                self._owned = frozenset()
            if self._next_share_at is None or now >= self._next_share_at:
                await self._share(now)
        fire = self._claiming and self.options.schedules
        if fire:
            await self.sources.check_conditions(now)
        fires, outcomes = await self._commit(now, fire=fire)
        if fire:
            self._behind = self._behind + 1 if self._fires_waiting() else 0
        if self._claiming and self._pending_due_at is not None and self._pending_due_at <= now:
            await self._claim_pending(now)
        if self.observer is not None:
            self.observer.engine_pass(EnginePass(time.perf_counter() - began, fires, outcomes, self._kind_of))

    def _fires_waiting(self) -> bool:
        """Are fires already due after a pass (they came due while it committed, or did not fit
        in its batch)? Passes that keep ending so mean the engine is overloaded."""
        heap = self._heap
        while heap and self._stale(heap[0]):
            heapq.heappop(heap)
        return bool(self._left) or (bool(heap) and heap[0][0] <= self.clock.now())

    @property
    def overloaded(self) -> bool:
        """True while the engine sheds late fires (status, metrics)."""
        return self._behind >= 2 and self.options.shed_late_after is not None

    def _clock_stepped(self, now: datetime, step: timedelta) -> None:
        """R9: say so. Nothing is refired (each fire's row is unique and the schedule's cursor
        only moves forward); after a forward step the fires passed over are late and follow
        their misfire policy, as after an outage."""
        self.clock_steps.append((now, step))
        direction = "forward" if step > timedelta(0) else "back"
        size = abs(step)
        kind = "a correction" if size >= timedelta(hours=3) else "a step"
        consequence = ("fires passed over follow their misfire policy" if step > timedelta(0)
                       else "fires already recorded are not fired again; the next ones wait for their time")
        log.warning("the wall clock moved %s by %s (%s): %s", direction, duration_text(size), kind, consequence,
                    extra={"worker_id": self.worker_id, "step_s": step.total_seconds()})

    def _kind_of(self, task_id: int) -> str:
        task = self._tasks.get(task_id)  # no move_to_end: counting must not reorder the cache
        return task.action.kind if task is not None else "unknown"

    async def run_until_idle(self, *, max_passes: int = 1000) -> None:
        """Tick until nothing is due at the current (fake) time and nothing is in flight.
        Tests use this instead of sleeping."""
        for _ in range(max_passes):
            await self.tick()
            if self._inflight:
                await asyncio.wait(list(self._inflight.values()))
                continue
            if self._done:
                continue
            now = self.clock.now()
            due = self.options.schedules and (self._left or (self._heap and self._heap[0][0] <= now))
            pending = self._pending_due_at is not None and self._pending_due_at <= now
            if any(r.started_at is not None and r.started_at <= now for r in self._ahead.values()):
                await asyncio.sleep(0)  # their timers are called; let them start
                continue
            if not due and not pending:
                # Condition checks run in the background (a slow one must not hold heartbeats):
                # tests that need them finished call ``sources.settle()``.
                await self.notices_sent()
                return
        raise RuntimeError("engine did not settle")

    def _next_deadline(self) -> datetime:
        candidates = [
            d for d in (self._next_poll_at, self._next_heartbeat_at, self._pending_due_at,
                        self.sources.next_check_at(), self._next_share_at) if d
        ]
        while self._heap and self._stale(self._heap[0]):
            heapq.heappop(self._heap)
        if self._heap:
            candidates.append(self._heap[0][0] - self.record_ahead)
        if self._left:
            candidates.append(self._left[0][0])
        return min(candidates) if candidates else self.clock.now() + self.options.poll_interval

    # --- schedule ---------------------------------------------------------------------------

    def _track(self, sched: Schedule, task: Task | None = None) -> None:
        task_id = sched.task_id
        state = self._states.get(task_id)
        if state is None:
            state = _TaskState(sched=sched, cursor=sched.cursor)
            self._states[task_id] = state
        else:
            state.sched = sched
            state.cursor = max(state.cursor, sched.cursor)
        state.generation += 1
        if task is not None:
            if task_id in self._tasks or len(self._tasks) < self.options.task_cache:
                self._keep_task(task)
            if sched.reactive:
                self._reactive[task_id] = task
        else:
            self._tasks.pop(task_id, None)  # changed: the kept copy is stale
        if not sched.reactive:
            self._reactive.pop(task_id, None)
        if sched.is_schedulable and (self._owned is None or task_id % PARTITIONS in self._owned):
            fire = next_fire_of_all(sched.triggers, state.cursor, sched.zone)
            if fire is not None:
                heapq.heappush(self._heap, (fire, task_id, state.generation))

    def _keep_task(self, task: Task) -> None:
        tasks = self._tasks
        tasks[task.task_id] = task
        tasks.move_to_end(task.task_id)
        while len(tasks) > self.options.task_cache:
            tasks.popitem(last=False)

    async def _load_tasks(self, task_ids: set[int]) -> None:
        """Keep the whole tasks of runs about to start, in one store call for all missing."""
        missing = sorted(t for t in task_ids if t not in self._tasks and t in self._states)
        if missing:
            for task in (await self._store(self.store.tasks_by_id, missing)).values():
                self._keep_task(task)

    def _cached_task(self, task_id: int) -> Task | None:
        task = self._tasks.get(task_id)
        if task is not None:
            self._tasks.move_to_end(task_id)
        return task

    def _forget(self, task_id: int) -> None:
        state = self._states.get(task_id)
        if state is not None:
            state.generation += 1
            state.deleted = True
            if not state.running:
                del self._states[task_id]
        self._tasks.pop(task_id, None)
        self._reactive.pop(task_id, None)

    def _stale(self, entry: tuple[datetime, int, int]) -> bool:
        state = self._states.get(entry[1])
        return (
            state is None
            or state.deleted
            or state.generation != entry[2]
            or not state.sched.is_schedulable
            # another engine's partition now (``sharing.py``): dropped, pushed again if it comes back
            or (self._owned is not None and entry[1] % PARTITIONS not in self._owned)
        )

    def _plan_due(self, now: datetime) -> tuple[list[NewRun], list[tuple[tuple[datetime, int, int], datetime]]]:
        """The runs for every fire due by ``now`` (at most a batch) and for the fires due within
        ``record_ahead`` of tasks with nothing running, and what was taken from the heap to plan
        them (to put back if they can't be recorded)."""
        lease_until = now + self.options.lease_ttl
        horizon = now + self.record_ahead
        shed_before, max_starts, starts = None, self.options.batch_size, 0
        if self.overloaded:
            assert self.options.shed_late_after is not None
            shed_before = now - self.options.shed_late_after
            # Overloaded, a big batch would make its own fires late by its commit: keep a pass
            # to about half the shedding threshold (each start brings an outcome later).
            if self._item_cost > 0:
                budget = self.options.shed_late_after.total_seconds() / 2
                max_starts = max(self.options.shed_min_starts, min(max_starts, int(budget / (2 * self._item_cost))))
        planned: list[NewRun] = []
        taken: list[tuple[tuple[datetime, int, int], datetime]] = []
        later: list[tuple[datetime, int, int]] = []
        heap, states = self._heap, self._states
        shed, max_shed = 0, max(1, int(max_starts * self.options.shed_rows_per_start))

        def take(entry: tuple[datetime, int, int], state: _TaskState, ahead: bool) -> None:
            nonlocal starts, shed
            taken.append((entry, state.cursor))
            # Whether a run already waits is the database's to say (store/overlap.py): another
            # engine may have queued or claimed one.
            plan = plan_fires(
                state.sched, due_at=entry[0], now=entry[0] if ahead else now, in_flight=len(state.running),
                queued=False, worker_id=self.worker_id, lease_until=lease_until,
                allow_cap=self.options.allow_overlap_cap, shed_before=shed_before,
            )
            planned.extend(plan.runs)
            starts += plan.starts
            shed += len(plan.runs) - plan.starts
            state.cursor = max(state.cursor, plan.last_fire)
            if plan.next_fire_at is not None:
                heapq.heappush(heap, (plan.next_fire_at, entry[1], state.generation))

        def take_left(full: Callable[[], bool]) -> None:
            """Plan the fires left for later, oldest first, until ``full()``; the rest stay."""
            left, self._left = self._left, []
            for i, entry in enumerate(left):
                if full():
                    self._left = left[i:]
                    return
                if not self._stale(entry):
                    take(entry, states[entry[1]], False)

        if self._left and shed_before is None:  # caught up: what was left goes back to the schedule
            self._restore_left()
        if self._left:  # the oldest fires left for later first, up to this pass's shed rows
            take_left(lambda: shed >= max_shed)
        while heap and heap[0][0] <= horizon and len(planned) < self.options.batch_size and starts < max_starts:
            entry = heapq.heappop(heap)
            if shed_before is not None and entry[0] < shed_before and shed >= max_shed:
                # Enough shed rows for this pass: the starts behind come first. Kept out of the
                # heap, so later passes don't pop the whole backlog again to reach them.
                self._left.append(entry)
                continue
            if self._stale(entry):
                continue
            state = states[entry[1]]
            ahead = entry[0] > now
            if ahead and (state.running or state.not_ahead or state.sched.overlap == OverlapPolicy.QUEUE):
                later.append(entry)  # the overlap policy must see what runs at the fire's time
                continue
            state.not_ahead = False
            take(entry, state, ahead)
        if self._left and starts < max_starts and not (heap and heap[0][0] <= now):
            # Nothing else is due: the starts this pass could still make would go unused. Spend
            # them on the tasks left for later (one row each for the fires they missed, and back
            # to the schedule, their next fire on time). Left to the per-pass shed rows alone,
            # they came back a few per pass while the engine idled: on PostgreSQL at twice its
            # peak most passes were a round trip for five shed rows, and most tasks sat parked.
            limit = len(taken) + min(max_starts - starts, self.options.batch_size - len(planned))
            take_left(lambda: len(taken) >= limit)
        for entry in later:
            heapq.heappush(heap, entry)
        return planned, taken

    def _restore_left(self) -> None:
        """The fires left for later go back into the schedule (one heapify)."""
        self._heap.extend(self._left)
        heapq.heapify(self._heap)
        self._left = []

    async def _record_backlog(self) -> None:
        """At shutdown while shedding: the fires already due that were left for later get their
        rows now ("missed: engine overloaded", one row per task), not "missed while offline" at
        the next start. (A crash leaves them to that: their tasks' cursors are still before them.)"""
        if not self.overloaded and not self._left:
            return
        self._restore_left()
        now = self.clock.now()
        lease_until = now + self.options.lease_ttl
        shed_before = now + timedelta(microseconds=1)  # everything due by now is shed
        heap, fires = self._heap, []
        while heap and heap[0][0] <= now:
            entry = heapq.heappop(heap)
            if self._stale(entry):
                continue
            state = self._states[entry[1]]
            plan = plan_fires(
                state.sched, due_at=entry[0], now=now, in_flight=len(state.running), queued=False,
                worker_id=self.worker_id, lease_until=lease_until, allow_cap=self.options.allow_overlap_cap,
                shed_before=shed_before,
            )
            fires.extend(plan.runs)
            state.cursor = max(state.cursor, plan.last_fire)
        for at in range(0, len(fires), self.options.batch_size):
            await self._store(self.store.commit_tick, [], fires[at:at + self.options.batch_size],
                              owner=self.worker_id, now=now)

    def _unplan(self, taken: list[tuple[tuple[datetime, int, int], datetime]]) -> None:
        """Nothing was recorded: forget the plans so the same fires come due again."""
        for entry, cursor in taken:
            state = self._states[entry[1]]
            state.cursor = cursor
            state.generation += 1
            heapq.heappush(self._heap, (entry[0], entry[1], state.generation))

    def _hold(self, fires: list[NewRun], taken: list[tuple[tuple[datetime, int, int], datetime]]) -> None:
        """Fires recorded ahead that the database held back (their task was busy on another
        engine): planned again when due, decided then."""
        held = {(f.task_id, f.scheduled_for) for f in fires if f.held}
        if not held:
            return
        first: dict[int, tuple[tuple[datetime, int, int], datetime]] = {}
        for entry, cursor in taken:  # per task its earliest held fire: the later ones follow it
            if (entry[1], entry[0]) in held and entry[1] not in first:
                first[entry[1]] = (entry, cursor)
        again = list(first.values())
        self._unplan(again)
        self._look_for_dead = True
        for entry, _cursor in again:
            self._states[entry[1]].not_ahead = True

    def _launch_fires(self, inserted: list[NewRun], now: datetime) -> None:
        for run in inserted:
            if run.status == RunStatus.RUNNING and run.run_id is not None:
                if run.started_at is not None and run.started_at > now:
                    self._ahead[run.run_id] = run
                    self.clock.call_at(run.started_at, partial(self._start_ahead, run.run_id))
                else:
                    self._launch(run.run_id, run.task_id, run.attempt, run.scheduled_for, run.reason)
            elif run.status == RunStatus.PENDING:
                self._note_pending(run.due_at)
            elif run.overlap is not None and run.status == RunStatus.SKIPPED:
                # The database found the task busy with a run this engine doesn't hold: if its
                # engine died on this machine, end its runs at the next poll, not the heartbeat.
                self._look_for_dead = True

    def _start_ahead(self, run_id: int) -> None:
        run = self._ahead.pop(run_id, None)
        if run is None:  # ended at shutdown
            return
        state = self._states.get(run.task_id)
        if state is None or state.deleted or not state.sched.is_schedulable:
            self._end_unstarted(run, RunStatus.CANCELLED, "cancelled: the task was paused or deleted before this fire was due")
            return
        busy = len(state.running)
        if busy and (state.sched.overlap != OverlapPolicy.ALLOW or busy >= self.options.allow_overlap_cap):
            self._end_unstarted(run, RunStatus.SKIPPED, "skipped: overlap (the previous run was still running)")
            return
        assert run.run_id is not None
        self._launch(run.run_id, run.task_id, run.attempt, run.scheduled_for, run.reason)

    def _end_unstarted(self, run: NewRun, status: RunStatus, message: str) -> None:
        """A run recorded ahead that will not start after all: its row ends with ``message``."""
        assert run.run_id is not None
        self._ahead.pop(run.run_id, None)
        self._done.append(RunOutcome(
            run_id=run.run_id, task_id=run.task_id, status=status, finished_at=self.clock.now(),
            error=message, attempt=run.attempt, scheduled_for=run.scheduled_for, reason=run.reason,
        ))
        self._wake.set()

    async def _claim_pending(self, now: datetime) -> None:
        claimed: list[ClaimedRun] = await self._store(
            self.store.claim_due_runs, owner=self.worker_id, now=now,
            lease_until=now + self.options.lease_ttl,
        )
        unknown = [c for c in claimed if c.task_id not in self._states]
        if unknown:  # a task another process created since our last poll
            await self._poll(now)
        await self._load_tasks({c.task_id for c in claimed})
        for c in claimed:
            state = self._states.get(c.task_id)
            if state is None:
                self._done.append(_lost_task_outcome(c, now))
                continue
            self._launch(c.run_id, c.task_id, c.attempt, c.scheduled_for, c.reason,
                         context=c.context, workflow_run_id=c.workflow_run_id)
        due = await self._store(self.store.next_pending_due)
        if due is not None and due <= now and not claimed:
            # Due but blocked (its task has a run going): wait for a run to end, not spin.
            self._pending_due_at, self._pending_blocked = None, True
        else:
            self._pending_due_at = due

    def _note_pending(self, due_at: datetime) -> None:
        if self._pending_due_at is None or due_at < self._pending_due_at:
            self._pending_due_at = due_at

    # --- execution --------------------------------------------------------------------------

    def _launch(
        self, run_id: int, task_id: int, attempt: int, scheduled_for: datetime | None, reason: RunReason,
        *, context: dict[str, Any] | None = None, workflow_run_id: int | None = None,
    ) -> None:
        state = self._states[task_id]
        state.start(run_id)
        if self.on_run_start is not None:
            self.on_run_start(run_id, scheduled_for)
        limit = self._workflow_limit(state.sched, workflow_run_id)
        job = asyncio.get_running_loop().create_task(
            self._run(task_id, run_id, attempt, scheduled_for, reason, context, limit)
        )
        self._inflight[run_id] = job

    async def _run(
        self, task_id: int, run_id: int, attempt: int, scheduled_for: datetime | None, reason: RunReason,
        context: dict[str, Any] | None, workflow_limit: asyncio.Semaphore | None,
    ) -> RunOutcome | None:
        outcome = None
        try:
            outcome = await self._execute(task_id, run_id, attempt, scheduled_for, reason, context, workflow_limit)
        finally:  # here rather than in a done callback: one less loop round per run
            self._inflight.pop(run_id, None)
            state = self._states.get(task_id)
            if state is not None:
                # The action has ended: the next fire may start before the outcome is written,
                # or a busy engine would record false overlaps that pile up (and feed themselves).
                state.end(run_id)
            if outcome is not None:  # None: cancelled before execute_run could record it
                self._done.append(outcome)
                self._wake.set()
        return outcome

    async def _execute(
        self, task_id: int, run_id: int, attempt: int, scheduled_for: datetime | None, reason: RunReason,
        context: dict[str, Any] | None, workflow_limit: asyncio.Semaphore | None,
    ) -> RunOutcome:
        task = self._cached_task(task_id)
        if task is None:  # not kept (the commit that recorded the fire normally brings it)
            try:
                task = await self._store(self.store.get_task, task_id)
            except NotFound:
                now = self.clock.now()
                return _lost_task_outcome(ClaimedRun(run_id, task_id, reason, attempt, scheduled_for, now), now)
            self._keep_task(task)
        if task.action.kind == "ai":
            skipped = await self._over_ai_budget(task, run_id, attempt, scheduled_for, reason)
            if skipped is not None:
                return skipped
        async with self._sem, workflow_limit or _NO_LIMIT:
            self._watch_timeout(run_id, self.clock.now() + task.timeout)
            try:
                return await execute_run(
                    task, run_id=run_id, attempt=attempt, scheduled_for=scheduled_for, reason=reason,
                    config=self.config, now=self.clock.now, notifier=self.notifier,
                    ai_runner=self.ai_runner, context=context, secrets=self.secrets,
                )
            finally:
                self._deadlines.pop(run_id, None)

    async def _over_ai_budget(
        self, task: Task, run_id: int, attempt: int, scheduled_for: datetime | None, reason: RunReason,
    ) -> RunOutcome | None:
        """A skipped outcome when an AI run is over its budget (the owner told once per
        window), else None."""
        budget, now = self.ai_budget, self.clock.now()
        usage = await self._store(self.store.ai_usage, task.task_id, task.owner, since=now - budget.window,
                                  run_id=run_id)
        refusal = ai_budget_refusal(budget, usage, ai_made=task.created_by_run_id is not None, now=now)
        if refusal is None:
            return None
        told = self._budget_noticed.get(task.owner)
        if not usage.noticed and (told is None or now - told >= budget.window):
            self._budget_noticed[task.owner] = now
            if self.notifier is not None:
                await self._send(Notification(owner=task.owner, task_id=task.task_id, run_id=run_id,
                                              title=f"{task.name} skipped", destination=task.destination,
                                              text=budget_notice_text(task, run_id, refusal)))
        log.info("AI run skipped: %s", refusal, extra={"run_id": run_id, "task_id": task.task_id})
        return RunOutcome(run_id=run_id, task_id=task.task_id, status=RunStatus.SKIPPED, finished_at=now,
                          error=refusal, attempt=attempt, scheduled_for=scheduled_for, reason=reason)

    def _watch_timeout(self, run_id: int, deadline: datetime) -> None:
        """One timer for the earliest deadline of all running runs, not one per run (a timer
        per run, cancelled when it ends, was a tenth of the engine's time at 10,000 runs/s)."""
        self._deadlines[run_id] = deadline
        if self._sweep_at is None or deadline < self._sweep_at:
            self._sweep_at = deadline
            self.clock.call_at(deadline, self._sweep_timeouts)

    def _sweep_timeouts(self) -> None:
        now = self.clock.now()
        if self._sweep_at is not None and self._sweep_at > now:
            return  # an earlier timer superseded by a later plan: the planned one will come
        self._sweep_at = None
        for run_id, deadline in list(self._deadlines.items()):
            if deadline <= now:
                del self._deadlines[run_id]
                job = self._inflight.get(run_id)
                if job is not None:
                    job.cancel(TIMEOUT_REASON)
        if self._deadlines:
            self._sweep_at = min(self._deadlines.values())
            self.clock.call_at(self._sweep_at, self._sweep_timeouts)

    def _workflow_limit(self, sched: Schedule, workflow_run_id: int | None) -> asyncio.Semaphore | None:
        """Steps of one workflow run share its ``max_parallel``."""
        if workflow_run_id is None or sched.workflow_id is None:
            return None
        head = self._states.get(sched.workflow_id)
        limit = head.sched.max_parallel if head else 4
        semaphore = self._workflow_slots.get(workflow_run_id)
        if semaphore is None:
            semaphore = self._workflow_slots[workflow_run_id] = asyncio.Semaphore(limit)
        return semaphore

    def cancel(self, run_id: int, reason: str = "cancelled by request") -> bool:
        job = self._inflight.get(run_id)
        if job is None:
            return False
        job.cancel(reason)
        return True

    async def _flush_outcomes(self) -> None:
        await self._commit(self.clock.now(), fire=False)

    async def _commit(self, now: datetime, *, fire: bool) -> tuple[list[NewRun], list[RunOutcome]]:
        """Record what ended and (with ``fire``) what is due, in one transaction, then start the
        new runs: a run's row is committed before its action starts. Returns (the fires
        recorded, the outcomes kept)."""
        fires, taken = self._plan_due(now) if fire else ([], [])
        if not self._done and not fires:
            return _NOTHING
        outcomes, self._done = self._done, []
        # Whole tasks for the runs about to start, read in the same transaction.
        load = {f.task_id for f in fires if f.status == RunStatus.RUNNING and f.task_id not in self._tasks}
        try:
            kept, released, inserted, loaded = await self._store(
                self.store.commit_tick, outcomes, fires, owner=self.worker_id, now=now,
                lease_until=None if not self._claiming else now + self.options.lease_ttl, load=sorted(load),
                allow_cap=self.options.allow_overlap_cap,
            )
        except StoreUnavailable:
            self._done = outcomes + self._done  # record them when the database is back
            self._unplan(taken)
            raise
        if len(inserted) != len(fires):  # some were held back, or recorded by another engine
            self._hold(fires, taken)
        items = len(fires) + len(outcomes)
        if items >= 2 * self.options.shed_min_starts:  # small commits are mostly fixed cost
            cost = (self.clock.now() - now).total_seconds() / items
            self._item_cost = cost if not self._item_cost else 0.7 * self._item_cost + 0.3 * cost
        for task in loaded.values():
            self._keep_task(task)
        if outcomes:
            await self._after_outcomes(outcomes, kept, released, now)
        self._launch_fires(inserted, now)
        return inserted, kept

    async def _after_outcomes(
        self, outcomes: list[RunOutcome], kept: list[RunOutcome], released: Released, now: datetime,
    ) -> None:
        for outcome in outcomes:
            state = self._states.get(outcome.task_id)
            if state is not None:
                state.end(outcome.run_id)
                if state.deleted and not state.running:
                    self._states.pop(outcome.task_id, None)
        if len(kept) != len(outcomes):
            lost = sorted({o.run_id for o in outcomes} - {o.run_id for o in kept})
            log.warning("late outcomes dropped: runs were recovered by another worker",
                        extra={"run_ids": lost})
        skipped_roots = {chain.root_run_id for chain in released.chains}
        for outcome in kept:
            state = self._states.get(outcome.task_id)
            if outcome.retry_due_at is not None:
                self._note_pending(outcome.retry_due_at)
            elif outcome.status == RunStatus.FAILED and outcome.run_id not in skipped_roots:
                await self._notify_failure(outcome, state.sched if state else None)
        for chain in released.chains:
            await self._notify_chain(chain)
        claimed = [r for r in released.runs if r.status == RunStatus.RUNNING and r.run_id is not None]
        if any(r.task_id not in self._states for r in claimed):
            await self._poll(now)  # a task created elsewhere since our last look
        await self._load_tasks({r.task_id for r in claimed})
        for run in claimed:
            assert run.run_id is not None
            if run.task_id in self._states:
                self._launch(run.run_id, run.task_id, run.attempt, run.scheduled_for, run.reason,
                             context=run.context, workflow_run_id=run.workflow_run_id)
            else:
                self._done.append(_lost_task_outcome(
                    ClaimedRun(run.run_id, run.task_id, run.reason, run.attempt, None, now), now))
        # A run that ended may unblock the next pending run of its task (or released some).
        # With no pending run known there is nothing to unblock: another process's new ones
        # arrive with the poll.
        if len(claimed) < len(released.runs) or self._pending_due_at is not None or self._pending_blocked:
            self._pending_blocked = False
            self._note_pending(now)
        if released.runs and any(r.task_id not in self._states for r in released.runs):
            self._next_poll_at = now

    async def _notify_failure(self, outcome: RunOutcome, task: Schedule | Task | None) -> None:
        if not self.options.notify_failures or self.notifier is None or task is None:
            return
        await self._send(
            Notification(
                owner=task.owner, task_id=task.task_id, run_id=outcome.run_id,
                title=f"{task.name} failed",
                text=f"Task '{task.name}' failed (run {outcome.run_id}): {outcome.error}",
            )
        )

    async def _notify_chain(self, chain: SkipChain) -> None:
        """One notice for a failure and everything it skipped downstream."""
        root = self._states.get(chain.root_task_id)
        if not self.options.notify_failures or self.notifier is None or root is None:
            return
        names = [self._states[t].sched.name if t in self._states else f"task {t}" for t in chain.skipped_task_ids]
        text = (f"Task '{root.sched.name}' failed (run {chain.root_run_id}); skipped as a result: "
                f"{', '.join(names)}. Fix it and run it again to resume downstream.")
        await self._send(Notification(owner=root.sched.owner, task_id=root.sched.task_id,
                                      run_id=chain.root_run_id, title=f"{root.sched.name} failed", text=text))

    async def _notify_cut(self, run: NewRun) -> None:
        state = self._states.get(run.task_id)
        if not self.options.notify_failures or self.notifier is None or state is None:
            return
        await self._send(Notification(owner=state.sched.owner, task_id=run.task_id, run_id=run.run_id,
                                      title=f"{state.sched.name} stopped", text=run.message or "loop stopped"))

    async def _send(self, notification: Notification) -> None:
        """Deliver a notice in the background: a slow chat platform must not hold the loop."""
        self._notices.spawn(self._deliver(notification))

    async def _deliver(self, notification: Notification) -> None:
        assert self.notifier is not None
        try:
            await self.notifier.notify(notification)
        except Exception:
            log.warning("notice not delivered", extra={"run_id": notification.run_id}, exc_info=True)

    async def notices_sent(self) -> None:
        """Wait for the notices in flight (shutdown, tests)."""
        await self._notices.drain()

    # --- housekeeping -----------------------------------------------------------------------

    async def _poll(self, now: datetime) -> None:
        live, deleted, self._revision = await self._store(self.store.schedules_changed_since, self._revision)
        for sched, task in live:
            self._track(sched, task)
        for task_id in deleted:
            self._forget(task_id)
        await self._reconcile_sources(changed=bool(live or deleted))
        self._pending_due_at = await self._store(self.store.next_pending_due)
        for run_id in await self._store(self.store.cancel_requests, owner=self.worker_id):
            self.cancel(run_id)
        if self._look_for_dead:
            self._look_for_dead = False
            await self._recover_dead_engines(now)
        await self._recover_expired(now)
        # Loops cut by the causal-chain limit may come from any process (a webhook, a CLI emit).
        for cut in await self._store(self.store.cut_runs_since, self._last_cut_seen):
            self._last_cut_seen = max(self._last_cut_seen, cut.run_id or 0)
            await self._notify_cut(cut)
        self._next_poll_at = now + self.options.poll_interval

    async def _reconcile_sources(self, *, changed: bool) -> None:
        """Run the reactive sources if this engine leads them (``leadership.py``): one engine
        per database watches, so one inserted row is one run. Looked at every poll, so a dead
        leader's place is taken within about a poll interval."""
        if not self.options.schedules:
            return
        wanted = self.tasks()
        if not wanted and not self._leading:
            return  # nothing to watch: no need to take the lead (nor a connection for it)
        leading = await self._store(self._leadership.lead)
        if leading != self._leading:
            log.info("reactive sources: %s", "this engine leads" if leading else "another engine leads",
                     extra={"worker_id": self.worker_id})
            self._leading, changed = leading, True
        if changed:
            await self.sources.reconcile(wanted if leading else {})

    @property
    def leads_sources(self) -> bool:
        """True while this engine runs the reactive sources."""
        return self._leading

    async def _heartbeat(self, now: datetime) -> None:
        # Only leases with less than ``lease_ttl`` - half a heartbeat left are moved: the runs of
        # the last few seconds (thousands at a high rate, most about to end, and every fire
        # recorded ahead) already hold a full lease. Rewriting them all took a PostgreSQL
        # pass 185 ms every heartbeat at 14,000 fires/s; each row keeps at least
        # ``lease_ttl`` - half an interval after every heartbeat (25 s of 30 by default).
        ttl, interval = self.options.lease_ttl, self.options.heartbeat_interval
        await self._store(self.store.extend_leases, owner=self.worker_id, until=now + ttl,
                          renew_before=now + ttl - interval / 2)
        await self._store(self.store.heartbeat_worker, self.worker_id, now=now)
        await self._recover_dead_engines(now)
        self.last_heartbeat_at = now
        self._next_heartbeat_at = now + self.options.heartbeat_interval
        await self._prune_outbox(now)

    async def _prune_outbox(self, now: datetime) -> None:
        retention = self.options.outbox_retention
        if retention is None or self._next_prune_at is None or now < self._next_prune_at:
            return
        self._next_prune_at = now + self.options.outbox_prune_interval
        dropped = await self._store(self.store.forget_delivered, before=now - retention)
        if dropped:
            log.info("outbox: dropped %d delivered parts older than %s", dropped, duration_text(retention))

    async def _share(self, now: datetime) -> None:
        """Hold this engine's fair share of the partitions (``sharing.py``); for partitions
        newly held, start from their tasks' stored cursors (another engine may have recorded
        fires since this one last computed them)."""
        lease = self.options.share_lease
        answer = await self._store(self.store.share_partitions, self.worker_id, now=now, lease=lease)
        if answer is None:  # another engine held the rows too long: nothing renewed, look again soon
            self._next_share_at = now + self.options.share_interval / 4
            return
        held = frozenset(answer)
        before = self._owned or frozenset()
        self._owned, self._owned_until = held, now + lease
        self._next_share_at = now + self.options.share_interval
        gained = held - before
        if gained and self._states:
            cursors = await self._store(self.store.partition_cursors, gained)
            for task_id, cursor in cursors.items():
                state = self._states.get(task_id)
                if state is None or state.deleted:
                    continue
                state.cursor = max(state.cursor, cursor)
                state.generation += 1  # whatever was on the heap for it is stale
                if state.sched.is_schedulable:
                    fire = next_fire_of_all(state.sched.triggers, state.cursor, state.sched.zone)
                    if fire is not None:
                        heapq.heappush(self._heap, (fire, task_id, state.generation))
        if held != before:
            log.info("schedule shared: this engine computes %d of %d partitions", len(held), PARTITIONS,
                     extra={"worker_id": self.worker_id, "gained": len(gained), "lost": len(before - held)})

    @property
    def partitions(self) -> frozenset[int] | None:
        """The partitions of the task space this engine computes; None: all of it (SQLite)."""
        return self._owned

    async def _recover_dead_engines(self, now: datetime) -> None:
        """End at once the runs of engines on this machine that are provably gone (another
        boot, or their pid free or reused: ``process_identity``), after killing what their
        shell runs left, so a retry never runs beside its previous attempt. Engines elsewhere
        prove nothing: their runs wait for their leases."""
        workers = await self._store(self.store.list_workers)
        dead = [w for w in workers if w.worker_id != self.worker_id
                and provably_gone(w.hostname, w.pid, w.boot_id, w.proc_start)]
        for worker in dead:
            run_ids = await self._store(self.store.end_leases_of, worker.worker_id, now=now)
            if run_ids:
                # Their supervisors kill their processes when the engine dies; this waits until
                # that is done (or does it) before the runs can be retried.
                await asyncio.to_thread(kill_leftovers, worker.worker_id, run_ids)
                log.warning("engine %s is gone: ending its %d runs now", worker.worker_id, len(run_ids))

    async def _recover_expired(self, now: datetime) -> None:
        expired: list[ClaimedRun] = await self._store(self.store.expired_runs, now=now)
        if not expired:
            return
        outcomes = []
        lost = [run for run in expired if run.run_id not in self._inflight]  # ours: a late heartbeat
        if not lost:
            return
        streaks = await self._store(self.store.lost_streaks, [run.run_id for run in lost])
        # At start-up this runs before the tasks are loaded: their retry policies come from the
        # store (a deleted task's run is not retried, as before).
        unknown = sorted({run.task_id for run in lost if run.task_id not in self._states})
        read = await self._store(self.store.tasks_by_id, unknown) if unknown else {}
        policies = {task_id: state.sched.retry for task_id, state in self._states.items()
                    if task_id in {run.task_id for run in lost}}
        policies.update({task_id: task.retry for task_id, task in read.items()})
        parked: set[int] = set()
        for run in lost:
            policy = policies.get(run.task_id)
            outcome = RunOutcome(
                run_id=run.run_id, task_id=run.task_id, status=RunStatus.FAILED, finished_at=now,
                error=f"{WORKER_LOST}: the process running it stopped before it finished (outcome unknown)",
                attempt=run.attempt, scheduled_for=run.scheduled_for, reason=run.reason,
            )
            if streaks.get(run.run_id, 0) + 1 >= POISON_STREAK:
                # R13: the run took its engine down every time; retrying it is a crash loop.
                outcome.error = (f"{DEAD_LETTER}: {WORKER_LOST} {POISON_STREAK} times in a row (this run "
                                 "may be what kills it); parked, not retried; `cronpilot runs --dead` lists it")
                parked.add(run.run_id)
            elif policy is not None and run.attempt < policy.max_attempts:
                outcome.retry_due_at = now + policy.delay_before(run.attempt + 1)
            outcomes.append(outcome)
        recovered = await self._store(self.store.recover_expired, outcomes, now=now)
        for outcome in recovered:
            log.warning("recovered a lost run", extra={"run_id": outcome.run_id})
            if outcome.retry_due_at is not None:
                self._note_pending(outcome.retry_due_at)
            if outcome.run_id in parked:
                state = self._states.get(outcome.task_id)
                await self._notify_failure(outcome, state.sched if state else read.get(outcome.task_id))

    async def store_call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a store call on the engine's store thread (for sources and other plug-ins)."""
        return await self._store(fn, *args, **kwargs)

    async def _store(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._db, partial(fn, *args, **kwargs))

    # --- introspection (tests, status) --------------------------------------------------------

    @property
    def in_flight(self) -> int:
        return len(self._inflight)

    def next_fire_at(self, task_id: int) -> datetime | None:
        state = self._states.get(task_id)
        if state is None:
            return None
        candidates = [e[0] for e in (*self._heap, *self._left) if e[1] == task_id and not self._stale(e)]
        candidates += [r.started_at for r in self._ahead.values() if r.task_id == task_id and r.started_at]
        return min(candidates) if candidates else None


def installed_version() -> str | None:
    """The installed cronpilot's version (engines record it, ``cronpilot status`` shows it)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("cronpilot")
    except PackageNotFoundError:
        return None


def tune_gc_for_serving() -> None:
    """For a process whose main work is an engine (``serve``, the benchmark). It allocates
    thousands of short-lived objects a second, nearly all freed by reference counting; with the
    default thresholds a full collection still ran every few seconds and took 10-25 ms over the
    engine's tables, which delayed about 1 % of fires at 10,000 fires/s (measured). Young
    collections still run, over a larger young generation; full ones become rare."""
    gc.set_threshold(20_000, 50, 100)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Loading every task allocates about a dozen objects per task, all long-lived: the cyclic
    collector would rescan them over and over (a third of the time to load 100,000 tasks)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _lost_task_outcome(run: ClaimedRun, now: datetime) -> RunOutcome:
    return RunOutcome(
        run_id=run.run_id, task_id=run.task_id, status=RunStatus.CANCELLED, finished_at=now,
        error="cancelled: the task was deleted", attempt=run.attempt,
        scheduled_for=run.scheduled_for, reason=run.reason,
    )
