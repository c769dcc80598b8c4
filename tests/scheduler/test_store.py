"""The store contract, on SQLite and PostgreSQL: names, soft delete, the change feed, claims."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from scheduler.errors import Conflict, NotFound
from scheduler.models import RunReason, RunStatus, TaskSpec
from scheduler.store import NewRun, Store, sqlite_fast

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _spec(name: str) -> TaskSpec:
    return TaskSpec(name=name, action={"kind": "noop"})


def _add(store: Store, name: str):
    return store.add_task(_spec(name), owner="alice", actor="alice", now=NOW)


def _pending(store: Store, task_id: int, count: int = 1) -> list[int]:
    return [
        store.add_run(NewRun(task_id=task_id, status=RunStatus.PENDING, reason=RunReason.MANUAL, due_at=NOW),
                      now=NOW).run_id
        for _ in range(count)
    ]


def test_store_finds_tasks_by_id_and_name(store):
    task = _add(store, "backup")
    assert store.find_task(str(task.task_id)).name == "backup"
    assert store.find_task(" backup ").task_id == task.task_id
    with pytest.raises(NotFound):
        store.find_task("nope")


def test_store_refuses_a_duplicate_name_until_the_first_is_deleted(store):
    first = _add(store, "backup")
    with pytest.raises(Conflict):
        _add(store, "backup")
    store.delete_task(first.task_id, actor="alice", now=NOW)
    with pytest.raises(NotFound):
        store.get_task(first.task_id)
    assert _add(store, "backup").task_id != first.task_id


def test_store_change_feed_reports_updates_and_deletions(store):
    a, b = _add(store, "a"), _add(store, "b")
    revision = store.task_revision()
    store.update_task(a.task_id, spec=_spec("a2"), actor="bob", now=NOW)
    store.delete_task(b.task_id, actor="bob", now=NOW)
    live, deleted, newest = store.schedules_changed_since(revision)
    assert [t.name for _, t in live] == ["a2"] and deleted == [b.task_id] and newest == revision + 2
    assert live[0][1].modified_by == "bob" and live[0][0].name == "a2"
    (sched, task), = store.schedules_changed_since(revision, full=False)[0]
    assert (sched.name, task) == ("a2", None)  # a plain schedule is not validated whole


def test_store_deleted_task_keeps_its_runs(store):
    task = _add(store, "a")
    (run_id,) = _pending(store, task.task_id)
    store.delete_task(task.task_id, actor="alice", now=NOW)
    assert store.get_run(run_id).task_id == task.task_id


def test_claim_takes_one_pending_run_per_task_and_none_while_one_runs(store):
    task = _add(store, "a")
    _pending(store, task.task_id, 3)
    first = store.claim_due_runs(owner="w1", now=NOW, lease_until=NOW + timedelta(seconds=30))
    assert len(first) == 1
    assert store.claim_due_runs(owner="w2", now=NOW, lease_until=NOW + timedelta(seconds=30)) == []


def test_claim_skips_runs_not_yet_due(store):
    task = _add(store, "a")
    store.add_run(NewRun(task_id=task.task_id, status=RunStatus.PENDING, reason=RunReason.RETRY,
                         due_at=NOW + timedelta(minutes=1)), now=NOW)
    assert store.claim_due_runs(owner="w", now=NOW, lease_until=NOW) == []
    assert store.next_pending_due() == NOW + timedelta(minutes=1)


def test_concurrent_claims_never_hand_out_a_run_twice(store):
    tasks = [_add(store, f"t{i}") for i in range(200)]
    for task in tasks:
        _pending(store, task.task_id)
    claimed: list[list[int]] = [[] for _ in range(4)]

    def worker(slot: int) -> None:
        while True:
            got = store.claim_due_runs(owner=f"w{slot}", now=NOW, lease_until=NOW + timedelta(minutes=1), limit=7)
            if not got:
                return
            claimed[slot].extend(c.run_id for c in got)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    everything = [r for chunk in claimed for r in chunk]
    assert len(everything) == len(set(everything)) == 200


@pytest.mark.slow  # four Python processes
def test_sqlite_claims_from_several_processes_never_collide(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    store = Store(url)
    for i in range(400):
        _pending(store, _add(store, f"t{i}").task_id)
    script = textwrap.dedent(
        f"""
        import json, sys
        from datetime import datetime, timedelta, UTC
        from scheduler.store import Store
        store = Store({url!r})
        now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
        got = []
        while True:
            batch = store.claim_due_runs(owner=sys.argv[1], now=now, lease_until=now + timedelta(minutes=1), limit=5)
            if not batch:
                break
            got.extend(c.run_id for c in batch)
        print(json.dumps(got))
        """
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script, f"p{i}"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for i in range(4)
    ]
    results = []
    try:
        for proc in procs:
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err
            assert "locked" not in err
            results.extend(__import__("json").loads(out))
    finally:  # a failed or timed-out claimer must not outlive the test, nor its siblings
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert len(results) == len(set(results)) == 400


def test_record_fires_is_idempotent_per_fire(store):
    task = _add(store, "a")
    fire = NOW + timedelta(minutes=1)

    def new() -> NewRun:
        return NewRun(task_id=task.task_id, status=RunStatus.RUNNING, reason=RunReason.SCHEDULE,
                      due_at=fire, scheduled_for=fire, lease_owner="w", lease_expires_at=fire, started_at=fire)

    assert len(store.record_fires([new()], now=fire)) == 1
    assert store.record_fires([new()], now=fire) == []
    assert store.get_task(task.task_id).last_fire_at == fire


def test_a_heartbeat_moves_only_leases_that_run_short(store):
    """Renewing every running run's lease at every heartbeat rewrote thousands of rows that had
    just been given a full one (every fire recorded ahead)."""
    fire = NOW + timedelta(minutes=1)

    def running(name: str, lease: datetime, owner: str = "w") -> int:
        task = _add(store, name)
        (run,) = store.record_fires([NewRun(
            task_id=task.task_id, status=RunStatus.RUNNING, reason=RunReason.SCHEDULE, due_at=fire,
            scheduled_for=fire, started_at=fire, lease_owner=owner, lease_expires_at=lease)], now=NOW)
        assert run.run_id is not None
        return run.run_id

    short, full, other = running("short", NOW + timedelta(seconds=5)), running("full", NOW + timedelta(seconds=29)), \
        running("other", NOW + timedelta(seconds=5), owner="x")
    until = NOW + timedelta(seconds=30)
    assert store.extend_leases(owner="w", until=until, renew_before=NOW + timedelta(seconds=25)) == 1
    leases = {run_id: store.get_run(run_id).lease_expires_at for run_id in (short, full, other)}
    assert leases == {short: until, full: NOW + timedelta(seconds=29), other: NOW + timedelta(seconds=5)}
    assert store.extend_leases(owner="w", until=until + timedelta(seconds=1)) == 2  # without: all of its own


def test_run_search_matches_output_and_errors_case_insensitively(store):
    from scheduler.store import RunOutcome

    task = _add(store, "a")
    (run_id,) = _pending(store, task.task_id)
    store.claim_due_runs(owner="w", now=NOW, lease_until=NOW + timedelta(minutes=1))
    store.finish_runs([RunOutcome(run_id=run_id, task_id=task.task_id, status=RunStatus.FAILED,
                                  finished_at=NOW, stdout="Disk 93% FULL\x00", error="exit 1")],
                      owner="w", now=NOW)
    assert [r.run_id for r in store.list_runs(search="full")] == [run_id]
    assert store.list_runs(search="100%") == []
    assert store.get_run(run_id).stdout == "Disk 93% FULL"  # NUL dropped (PostgreSQL text can't hold it)


def test_bulk_and_plain_run_rows_carry_the_same_fields(store):
    from scheduler.store.run_rows import _BULK_TIMES, new_run_params
    from scheduler.store.tables import UTCDateTime, runs

    run = NewRun(task_id=1, status=RunStatus.RUNNING, reason=RunReason.SCHEDULE, due_at=NOW,
                 scheduled_for=NOW, started_at=NOW, context={"event": {"name": "x", "data": {}}})
    plain = new_run_params(run, NOW)
    # The bulk rows convert every timestamp a new run is written with, and only those.
    assert set(_BULK_TIMES) == {c.name for c in runs.c if isinstance(c.type, UTCDateTime)} & set(plain)
    assert set(sqlite_fast.FIRE_COLUMNS) == set(plain) | {"run_id"}


@pytest.mark.parametrize("instant", [
    datetime(2026, 11, 26, 8, 0, tzinfo=UTC),
    datetime(2026, 3, 29, 1, 30, 15, 123456, tzinfo=UTC),
    datetime(2026, 3, 29, 3, 30, tzinfo=ZoneInfo("Europe/Berlin")),
    datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=-5))),
])
def test_fast_path_stores_times_exactly_as_the_column_type_does(instant):
    """The fire key (task, fire time, attempt) only deduplicates if both write paths store the
    same instant as the same text."""
    from sqlalchemy.dialects import sqlite

    from scheduler.store.tables import runs

    dialect = sqlite.dialect()
    column = runs.c.scheduled_for.type
    assert sqlite_fast.stored_time(instant) == column.dialect_impl(dialect).bind_processor(dialect)(instant)


def test_fast_path_refuses_naive_times():
    with pytest.raises(ValueError, match="naive"):
        sqlite_fast.stored_time(datetime(2026, 1, 1))


def test_a_common_fire_is_stored_like_any_other_run(store):
    """The hot path writes the usual fire (on time, starting now) with its constants in SQL:
    the row and its history must read back exactly as a run written the general way."""
    from scheduler.store import RunOutcome

    common, general = _add(store, "common"), _add(store, "general")
    fire, lease = NOW + timedelta(minutes=1), NOW + timedelta(minutes=2)

    def new(task_id: int, **extra) -> NewRun:
        return NewRun(task_id=task_id, status=RunStatus.RUNNING, reason=RunReason.SCHEDULE, due_at=fire,
                      scheduled_for=fire, started_at=fire, lease_owner="w", lease_expires_at=lease, **extra)

    # The second is general only for its context: compare everything else.
    a, b = store.record_fires([new(common.task_id), new(general.task_id, context={"x": 1})], now=NOW)
    skipped = NewRun(task_id=general.task_id, status=RunStatus.SKIPPED, reason=RunReason.SCHEDULE,
                     due_at=fire + timedelta(minutes=1), scheduled_for=fire + timedelta(minutes=1), message="skipped: x")
    (c,) = store.record_fires([skipped], now=NOW)
    ignore = {"run_id", "task_id", "task_name", "context"}
    row_a, row_b = store.get_run(a.run_id), store.get_run(b.run_id)
    assert row_a.model_dump(exclude=ignore) == row_b.model_dump(exclude=ignore)
    assert (row_a.status, row_a.lease_owner, row_a.started_at, row_b.context) == (RunStatus.RUNNING, "w", fire, {"x": 1})
    assert [(e.status, e.at) for e in store.run_history(a.run_id)] == [(RunStatus.RUNNING, NOW)]
    assert [(e.status, e.message) for e in store.run_history(c.run_id)] == [(RunStatus.SKIPPED, "skipped: x")]

    done = fire + timedelta(seconds=3)
    store.finish_runs([
        RunOutcome(run_id=a.run_id, task_id=common.task_id, status=RunStatus.COMPLETED, finished_at=done,
                   started_at=fire + timedelta(seconds=1)),
        RunOutcome(run_id=b.run_id, task_id=general.task_id, status=RunStatus.COMPLETED, finished_at=done,
                   started_at=fire + timedelta(seconds=1), stdout="hello"),
    ], owner="w", now=done)
    row_a, row_b = store.get_run(a.run_id), store.get_run(b.run_id)
    assert row_a.model_dump(exclude=ignore | {"stdout"}) == row_b.model_dump(exclude=ignore | {"stdout"})
    assert (row_a.status, row_a.finished_at, row_a.started_at, row_a.lease_owner, row_a.stdout) == (
        RunStatus.COMPLETED, done, fire + timedelta(seconds=1), None, None)
    assert [(e.status, e.at) for e in store.run_history(a.run_id)] == [(RunStatus.RUNNING, NOW), (RunStatus.COMPLETED, done)]


def test_checkpoints_move_to_a_thread_of_their_own(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'c.db'}")
    try:
        assert store.checkpoint_in_background(every=3600) is True
        assert store.checkpoint_in_background() is False  # already on
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
        for i in range(30):
            _add(store, f"t{i}")
        checkpointer = store.db._checkpointer
        store.stop_background_checkpoints()  # runs a last checkpoint before it stops
        assert checkpointer.passes == 1
        busy, frames, done = checkpointer.last
        assert busy == 0 and frames > 0 and done == frames  # everything written made it in
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 1000  # back to the default
    finally:
        store.close()


def test_postgres_and_memory_stores_have_no_checkpoints_to_move(store):
    if store.is_sqlite:
        memory = Store("sqlite://")
        try:
            assert memory.checkpoint_in_background() is False
        finally:
            memory.close()
    else:
        assert store.checkpoint_in_background() is False


def test_cut_runs_are_found_by_their_own_index(store):
    task = _add(store, "a")
    plain = store.add_run(NewRun(task_id=task.task_id, status=RunStatus.SKIPPED, reason=RunReason.SCHEDULE,
                                 due_at=NOW, scheduled_for=NOW, message="skipped: overlap"), now=NOW)
    cut = store.add_run(NewRun(task_id=task.task_id, status=RunStatus.SKIPPED, reason=RunReason.EVENT,
                               due_at=NOW, message="loop cut: over the limit of 10"), now=NOW)
    found = store.cut_runs_since(0)
    assert [(r.run_id, r.message, r.due_at) for r in found] == [(cut.run_id, "loop cut: over the limit of 10", NOW)]
    assert store.cut_runs_since(cut.run_id) == [] and plain.run_id not in {r.run_id for r in found}
    with store.engine.connect() as conn:  # the index exists on both databases
        names = {ix["name"] for ix in sa.inspect(conn).get_indexes("runs")}
    assert "ix_runs_cut" in names


def test_add_tasks_loads_many_in_batches_each_on_the_change_feed(store):
    before = store.task_revision()
    first = _add(store, "already")
    specs = [_spec(f"bulk-{i}") for i in range(7)]
    specs.append(TaskSpec.model_validate({
        "name": "listener", "timezone": "UTC", "action": {"kind": "noop"},
        "triggers": [{"kind": "event", "event": "deploy"}],
    }))
    assert store.add_tasks(specs, owner="alice", actor="alice", now=NOW, batch=3) == 8
    live, _deleted, newest = store.schedules_changed_since(first.revision)
    assert sorted(s.name for s, _ in live) == sorted(s.name for s in specs)
    assert len({t.revision for _, t in live if t}) == 8 and newest == before + 9  # one revision each
    listener = store.find_task("listener")
    assert (listener.task_id, "deploy") in store.all_subscriptions()  # event triggers subscribed
    with pytest.raises(Conflict):
        store.add_tasks([_spec("bulk-0")], owner="alice", actor="alice", now=NOW)
    assert store.count_tasks() == 9  # the refused batch left nothing behind


def test_the_change_feed_with_nothing_new_reads_one_index_entry(store):
    """The engine reads the feed every second, nearly always for nothing new. Without
    statistics (a new database) PostgreSQL planned ``revision > X`` as a scan of the whole
    table; the newest revision, read first, is one step down the index whatever the estimates."""
    if not store.is_sqlite:  # as a new database is before autovacuum's first look
        with store.engine.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE tasks SET (autovacuum_enabled = false)")
    store.add_tasks((_spec(f"t{i}") for i in range(6_000)), owner="alice", actor="alice", now=NOW)
    live, deleted, newest = store.schedules_changed_since(0, full=False)
    assert len(live) == 6_000 and deleted == [] and newest == store.task_revision()
    seen: list[tuple[str, object]] = []

    def keep(_conn, _cursor, statement, parameters, _context, _many):
        if "FROM tasks" in statement:
            seen.append((statement, parameters))

    sa.event.listen(store.engine, "before_cursor_execute", keep)
    try:
        assert store.schedules_changed_since(newest, full=False) == ([], [], newest)
        (statement, parameters), = seen
        _add(store, "new")
        live, _deleted, after = store.schedules_changed_since(newest, full=False)
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", keep)
    assert [s.name for s, _task in live] == ["new"] and after == newest + 1
    if store.is_sqlite:
        return  # SQLite reads a range of an indexed column through its index anyway
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT last_analyze, last_autoanalyze FROM pg_stat_user_tables "
                                    "WHERE relid = 'tasks'::regclass").one() == (None, None)  # no statistics
        plan = " ".join(str(row[0]) for row in conn.exec_driver_sql("EXPLAIN " + statement, parameters))
    assert "ix_tasks_revision" in plan and "Seq Scan" not in plan, plan


def test_the_queue_is_read_through_the_index_of_pending_runs_only(store):
    """Claims read pending runs by due time through a partial index of pending rows (migration
    0019), so starting and ending runs add no entry to it; the indexes it replaced are gone."""
    task = _add(store, "a")
    _pending(store, task.task_id, 3)
    seen: list[tuple[str, object]] = []

    def keep(_conn, _cursor, statement, parameters, _context, _many):
        if "due_at <=" in statement and statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    sa.event.listen(store.engine, "before_cursor_execute", keep)
    try:
        claimed = store.claim_due_runs(owner="w1", now=NOW, lease_until=NOW + timedelta(minutes=1))
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", keep)
    assert [c.task_id for c in claimed] == [task.task_id]  # one per task, the rest wait
    statement, parameters = seen[0]
    explain = "EXPLAIN QUERY PLAN " if store.is_sqlite else "EXPLAIN "
    with store.engine.connect() as conn:
        if not store.is_sqlite:
            conn.exec_driver_sql("SET enable_seqscan = off")  # a tiny table: PostgreSQL would just scan it
        plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql(explain + statement, parameters))
        names = {ix["name"] for ix in sa.inspect(conn).get_indexes("runs")}
    assert "ix_runs_pending_due" in plan, plan
    assert {"ix_runs_status_due", "ix_runs_lease"}.isdisjoint(names)
