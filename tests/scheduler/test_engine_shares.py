"""Engines on one PostgreSQL database share the scheduling work (``scheduler/sharing.py``): each
computes the fires of the partitions it holds under a lease, so N engines each compute about 1/N
of them; a dead engine's partitions are taken over once its leases end, and no fire is lost or
recorded twice. SQLite keeps computing everything in its one engine.

Several engines run in this process on one database and one fake clock: "killed" is an engine
that stops ticking without releasing anything (what kill -9 leaves in the database)."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from scheduler.engine import Engine
from scheduler.errors import StoreUnavailable
from scheduler.sharing import PARTITIONS, ShareRow, divide, fair_share, partition_of
from scheduler.store import Store
from scheduler.store.tables import runs

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


# --- the division, on its own ---------------------------------------------------------------


def test_fair_shares_add_up_to_every_partition_for_any_number_of_engines():
    for count in (1, 2, 3, 5, 10, 64, 70):
        live = [f"e{i:02}" for i in range(count)]
        shares = [fair_share(me, live) for me in live]
        assert sum(shares) == PARTITIONS
        assert max(shares) - min(shares) <= 1


def _rows(owners: dict[int, tuple[str | None, datetime | None]]) -> list[ShareRow]:
    return [ShareRow(p, *owners.get(p, (None, T0))) for p in range(PARTITIONS)]


def test_a_joining_engine_makes_the_holder_let_go_of_half_and_takes_only_free_ones():
    lease_end = T0 + timedelta(seconds=10)
    rows = _rows({p: ("a", lease_end) for p in range(PARTITIONS)})
    a = divide(rows, me="a", live=["a", "b"], now=T0, orphaned_before=T0 - timedelta(seconds=10))
    assert len(a.keep) == 32 and len(a.release) == 32 and not a.take
    # b looks before a let go: nothing free, it takes nothing (no partition held twice)
    b = divide(rows, me="b", live=["a", "b"], now=T0, orphaned_before=T0 - timedelta(seconds=10))
    assert b.take == [] and b.keep == []
    after = _rows({**{p: ("a", lease_end) for p in a.keep}, **{p: (None, T0) for p in a.release}})
    b = divide(after, me="b", live=["a", "b"], now=T0, orphaned_before=T0 - timedelta(seconds=10))
    assert b.take == sorted(a.release)


def test_expired_leases_are_taken_and_a_share_left_free_too_long_is_taken_beyond_the_fair_share():
    rows = _rows({p: ("dead", T0 - timedelta(seconds=1)) for p in range(PARTITIONS)})
    took = divide(rows, me="a", live=["a", "b"], now=T0, orphaned_before=T0 - timedelta(seconds=10))
    assert len(took.take) == 32  # its share of the dead engine's, the other half is b's
    # an engine that doesn't share (an older version) is live but never takes its half: after
    # a lease the partitions nobody took are taken anyway
    later = T0 + timedelta(seconds=11)
    rows = _rows({**{p: ("a", later + timedelta(seconds=5)) for p in took.take}})
    rest = divide(rows, me="a", live=["a", "b"], now=later, orphaned_before=later - timedelta(seconds=10))
    assert len(rest.keep) == 32 and len(rest.take) == 32


# --- engines on one PostgreSQL database -------------------------------------------------------


@pytest.fixture
def store_url(pg_schema_url: str) -> str:
    return pg_schema_url


class Computed:
    """The fires each engine handed to the store (computed), by engine."""

    def __init__(self) -> None:
        self.fires: dict[str, list[tuple[int, datetime | None]]] = {}
        self.counting = True

    def wrap(self, engine: Engine, engine_store: Store) -> None:
        original = engine_store.commit_tick
        mine = self.fires.setdefault(engine.worker_id, [])

        def commit_tick(outcomes: Any, fires: Any, **kwargs: Any) -> Any:
            if self.counting:
                mine.extend((f.task_id, f.scheduled_for) for f in fires)
            return original(outcomes, fires, **kwargs)

        engine_store.commit_tick = commit_tick  # type: ignore[method-assign]


@pytest.fixture
def engines(make_engine, store_url):
    """``build(count, **options)``: engines with stores of their own on one database, each
    counting the fires it computes."""
    stores: list[Store] = []
    computed = Computed()

    def build(count: int, **options: Any) -> tuple[list[Engine], Computed]:
        built = []
        for _ in range(count):
            own = Store(store_url)
            stores.append(own)
            engine = make_engine(start_store=own, **options)
            computed.wrap(engine, own)
            built.append(engine)
        return built, computed

    yield build
    for s in stores:
        s.close()


async def _step(clock, live: list[Engine], seconds: float = 1.0) -> None:
    clock.advance(timedelta(seconds=seconds))
    for _ in range(2):  # a second round: runs released or claimed by another engine's pass
        await asyncio.gather(*(e.run_until_idle() for e in live))


def _fires_by_key(store: Store) -> Counter[tuple[int, datetime]]:
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(runs.c.task_id, runs.c.scheduled_for)
                            .where(runs.c.scheduled_for.is_not(None))).all()
    return Counter((task_id, at) for task_id, at in rows)


def _expected(task_ids: list[int], start: datetime, end: datetime) -> set[tuple[int, datetime]]:
    seconds = int((end - start).total_seconds())
    return {(t, start + timedelta(seconds=s)) for t in task_ids for s in range(1, seconds + 1)}


async def test_three_engines_split_the_partitions_and_compute_each_fire_once(
        engines, add_task, clock, store):
    ids = [add_task(name=f"every second {i}", triggers=[{"kind": "interval", "every": 1}],
                    misfire_policy="run_all").task_id for i in range(90)]
    start = clock.now()
    trio, computed = engines(3)
    for engine in trio:
        await engine.start()
    for _ in range(2):  # the first engine held everything; the others join at the next looks
        await _step(clock, trio)

    shares = {e.worker_id: e.partitions for e in trio}
    assert all(p is not None for p in shares.values())
    assert sorted(len(p or ()) for p in shares.values()) == [21, 21, 22]
    held = [p for parts in shares.values() for p in parts or ()]
    assert sorted(held) == list(range(PARTITIONS))  # every partition, by one engine each
    assert store.share_holders() == {p: e for e, parts in shares.items() for p in parts or ()}

    for fires in computed.fires.values():
        fires.clear()
    for _ in range(30):
        await _step(clock, trio)

    # each engine computed only its partitions' fires, and together each fire once
    for worker_id, fires in computed.fires.items():
        assert fires, worker_id
        assert {partition_of(t) for t, _at in fires} <= shares[worker_id]  # type: ignore[operator]
    every = [f for fires in computed.fires.values() for f in fires]
    assert len(every) == len(set(every)) == 90 * 30
    by_key = _fires_by_key(store)
    assert max(by_key.values()) == 1  # no duplicate run of one fire
    assert set(by_key) == _expected(ids, start, clock.now())  # none lost: 90 x 32 fires
    assert len(by_key) == 90 * 32


async def test_an_engine_that_stops_without_letting_go_is_taken_over_within_its_lease(
        engines, add_task, clock, store):
    ids = [add_task(name=f"every second {i}", triggers=[{"kind": "interval", "every": 1}],
                    misfire_policy="run_all").task_id for i in range(64)]
    start = clock.now()
    trio, _ = engines(3, share_lease=timedelta(seconds=6))
    for engine in trio:
        await engine.start()
    for _ in range(3):
        await _step(clock, trio)
    dead, alive = trio[2], trio[:2]
    orphaned = set(dead.partitions or ())
    assert orphaned
    killed_at = clock.now()  # it stops here: no release, no unregister, no more renewals

    taken_after = None
    for second in range(1, 16):
        await _step(clock, alive)
        holders = store.share_holders()
        if taken_after is None and all(holders[p] != dead.worker_id for p in orphaned):
            taken_after = clock.now() - killed_at
        if second < 6:  # its leases still run: nobody computes its partitions beside it
            assert all(holders[p] == dead.worker_id for p in orphaned)
    # taken over once its leases ended: within the lease and one look
    assert taken_after is not None and timedelta(seconds=6) <= taken_after <= timedelta(seconds=7)
    assert sorted(p for e in alive for p in e.partitions or ()) == list(range(PARTITIONS))

    by_key = _fires_by_key(store)
    assert max(by_key.values()) == 1
    # every fire of the 15 s has its row: the dead engine's were caught up by their new holders
    assert set(by_key) == _expected(ids, start, clock.now())


async def test_a_stopped_engine_hands_over_at_once_and_a_new_one_gets_its_share(engines, add_task, clock, store):
    ids = [add_task(name=f"every second {i}", triggers=[{"kind": "interval", "every": 1}],
                    misfire_policy="run_all").task_id for i in range(40)]
    start = clock.now()
    pair, _ = engines(2)
    for engine in pair:
        await engine.start()
    await _step(clock, pair)
    await _step(clock, pair)
    assert sorted(len(e.partitions or ()) for e in pair) == [32, 32]
    await pair[1].shutdown(grace=timedelta(0))
    assert set(store.share_holders().values()) <= {pair[0].worker_id, None}
    await _step(clock, pair[:1])  # the next look, not the lease
    assert len(pair[0].partitions or ()) == PARTITIONS

    (late,), _ = engines(1)
    await late.start()
    await _step(clock, [pair[0], late])
    await _step(clock, [pair[0], late])
    assert sorted(len(e.partitions or ()) for e in (pair[0], late)) == [32, 32]
    await _step(clock, [pair[0], late])
    by_key = _fires_by_key(store)
    assert max(by_key.values()) == 1
    assert set(by_key) == _expected(ids, start, clock.now())


async def test_a_stalled_engine_stops_computing_once_its_leases_run_out(engines, add_task, clock, store):
    add_task(name="every second", triggers=[{"kind": "interval", "every": 1}])
    (engine,), computed = engines(1, share_lease=timedelta(seconds=4))
    await engine.start()
    await _step(clock, [engine])
    assert len(engine.partitions or ()) == PARTITIONS

    def away(*_a: Any, **_k: Any) -> list[int]:
        raise StoreUnavailable("the database is away")

    renew = engine.store.share_partitions
    engine.store.share_partitions = away  # type: ignore[method-assign]
    clock.advance(timedelta(seconds=5))  # a stall past the lease, and the renewal fails
    computed.fires[engine.worker_id].clear()
    with pytest.raises(StoreUnavailable):
        await engine.tick()
    assert engine.partitions == frozenset()
    assert computed.fires[engine.worker_id] == []  # nothing computed without a lease

    engine.store.share_partitions = renew  # type: ignore[method-assign]
    await engine.run_until_idle()  # renewed: its partitions again, from the stored cursors
    assert len(engine.partitions or ()) == PARTITIONS
    assert [at for _t, at in computed.fires[engine.worker_id]][-1] == clock.now()
    fires = [r.scheduled_for for r in store.list_runs(limit=100)]
    assert len(fires) == len(set(fires))


# --- SQLite and sharing turned off ------------------------------------------------------------


async def test_sqlite_engines_compute_everything_and_hold_no_partition(
        tmp_path, make_engine, clock, notifier):
    from scheduler.service import Actor, Role, Service

    lite = Store(f"sqlite:///{tmp_path / 'lite.db'}")
    try:
        service = Service(lite, clock=clock, default_timezone="UTC", min_interval=timedelta(seconds=1))
        spec = service.build_spec({"name": "tick", "triggers": [{"kind": "interval", "every": 1}],
                                   "action": {"kind": "noop"}})
        task = service.create_task(spec, actor=Actor("alice", Role.OPERATOR))
        first, second = make_engine(start_store=lite), make_engine(start_store=lite)
        await first.start()
        await second.start()
        assert first.partitions is None and second.partitions is None
        for _ in range(5):
            clock.advance(timedelta(seconds=1))
            await asyncio.gather(first.run_until_idle(), second.run_until_idle())
        assert lite.share_holders() == {}  # no partition rows: nothing was shared
        fires = [r.scheduled_for for r in lite.list_runs(task_id=task.task_id)]
        assert len(fires) == len(set(fires)) == 5
    finally:
        lite.close()


async def test_postgresql_with_sharing_off_computes_everything(engines, add_task, clock, store):
    add_task(name="every second", triggers=[{"kind": "interval", "every": 1}])
    pair, computed = engines(2, share_work=False)
    for engine in pair:
        await engine.start()
    assert all(e.partitions is None for e in pair)
    await _step(clock, pair)
    await _step(clock, pair)
    # both computed both fires (the unique key kept one row each): the old behaviour
    assert all(len(fires) == 2 for fires in computed.fires.values())
    assert max(_fires_by_key(store).values()) == 1


# --- real processes: kill -9 of one of three ---------------------------------------------------

_CHILD = Path(__file__).with_name("share_engine_child.py")


def _wait_for(predicate: Callable[[], bool], seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_kill_9_of_one_of_three_engine_processes_loses_no_fire_and_duplicates_none(
        store_url, service, store):
    from scheduler.service import Actor, Role

    owner = Actor("alice", Role.OPERATOR)
    ids = [service.create_task(service.build_spec({
        "name": f"every second {i}", "triggers": [{"kind": "interval", "every": 1}],
        "action": {"kind": "noop"}, "misfire_policy": "run_all"}), actor=owner).task_id for i in range(40)]
    lease = 3.0
    children: list[subprocess.Popen[str]] = []
    try:
        names = []
        for _ in range(3):
            child = subprocess.Popen([sys.executable, str(_CHILD), store_url, str(lease)],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            children.append(child)
            assert child.stdout is not None
            line = child.stdout.readline()
            assert line.startswith("ready"), line + (child.stderr.read() if child.poll() is not None else "")
            names.append(line.split()[1])
        started = datetime.now(UTC)

        def split_three() -> bool:
            counts = Counter(store.share_holders().values())
            return sorted(counts[n] for n in names) == [21, 21, 22]

        assert _wait_for(split_three), store.share_holders()
        victim = names[2]
        orphaned = {p for p, holder in store.share_holders().items() if holder == victim}
        children[2].kill()  # kill -9: nothing released, nothing unregistered
        children[2].wait()

        def taken_over() -> bool:
            holders = store.share_holders()
            return all(holders[p] in names[:2] for p in orphaned)

        assert _wait_for(taken_over), store.share_holders()
        time.sleep(2)  # some fires computed by the new holders
        # and a window of at least several seconds to check, however fast the takeover was
        time.sleep(max(0.0, 8 - (datetime.now(UTC) - started).total_seconds()))
        stopped = datetime.now(UTC)
        for child in children[:2]:
            child.send_signal(signal.SIGTERM)
        for child in children[:2]:
            child.wait(timeout=60)
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()

    by_key = _fires_by_key(store)
    assert max(by_key.values()) == 1  # no duplicate run of one fire
    first = started.replace(microsecond=0) + timedelta(seconds=1)
    window = int((stopped - first).total_seconds()) - 1
    assert window >= 5
    expected = {(t, first + timedelta(seconds=s)) for t in ids for s in range(window)}
    assert expected <= set(by_key), sorted(expected - set(by_key))[:5]  # none lost, the victim's included


def test_a_deadlock_on_the_hot_path_is_a_retry_not_a_crash(store):
    """The hot path runs its statements on the driver itself: a transaction PostgreSQL rolls
    back (a deadlock between engines recording the same fires) must read as "try again", as a
    wrapped error does, or the engine exits (bench/engines.py: 2 engines not sharing did)."""
    from scheduler.store.pg_fast import driver

    with pytest.raises(StoreUnavailable, match="deadlock"):
        with store.db.write() as conn:
            driver(conn).execute("DO $$ BEGIN RAISE EXCEPTION 'deadlock detected' USING ERRCODE = '40P01'; END $$")
    assert store.count_tasks() == 0  # the store works on afterwards


def test_an_engine_never_waits_long_for_another_ones_look_at_the_partitions(store, store_url):
    """A look holds the partition rows; a process starved while holding them must not stall
    every other engine's store thread: past a short wait the others renew what they hold, or,
    if even that waits, learn nothing this time (None) and keep what they had."""
    import psycopg

    lease = timedelta(seconds=10)
    assert len(store.share_partitions("a", now=T0, lease=lease) or ()) == PARTITIONS
    with psycopg.connect(store_url.replace("+psycopg", "")) as holder:
        holder.execute("SELECT partition FROM engine_shares WHERE partition = 0 FOR UPDATE")
        # partition 0 is held by the stalled look: a's renewal of it waits, so a learns nothing
        assert store.share_partitions("a", now=T0 + timedelta(seconds=1), lease=lease) is None
        holder.rollback()
        holder.execute("UPDATE engine_shares SET owner = NULL WHERE partition >= 60")
        holder.commit()
        holder.execute("SELECT partition FROM engine_shares WHERE owner IS NULL FOR UPDATE")
        # rows a doesn't hold are locked: a can't divide (nor take them), but renews its own
        assert store.share_partitions("a", now=T0 + timedelta(seconds=2), lease=lease) == list(range(60))
        holder.rollback()
    with store.engine.connect() as conn:
        ends = set(conn.execute(sa.text("SELECT lease_expires_at FROM engine_shares WHERE partition < 60")).scalars())
    assert ends == {(T0 + timedelta(seconds=12)).replace(tzinfo=None)}  # renewed at the last look
    # with nothing held against it, the next look divides again and takes the free ones
    assert store.share_partitions("a", now=T0 + timedelta(seconds=3), lease=lease) == list(range(PARTITIONS))
