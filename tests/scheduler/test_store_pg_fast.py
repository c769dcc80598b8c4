"""PostgreSQL's hot path (``scheduler/store/pg_fast.py``): one statement per step of a batch,
the same rows as the Core path would write, prepared statements only where they survive the
connection (not behind a transaction pooler)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from scheduler.models import NoopAction, RunReason, RunStatus, TaskSpec
from scheduler.store import Store
from scheduler.store.dialect import transaction_pooled
from scheduler.store.records import OVERLOADED, NewRun, RunOutcome
from scheduler.store.tables import run_events, runs, tasks
from scheduler.triggers import IntervalTrigger


@pytest.mark.parametrize(("url", "pooled", "rest"), [
    ("postgresql+psycopg://u:p@db.example:5432/app", False, "postgresql+psycopg://u:p@db.example:5432/app"),
    ("postgresql+psycopg://u:p@pooler.example:6543/app", True, "postgresql+psycopg://u:p@pooler.example:6543/app"),
    ("postgresql+psycopg://u:p@db.example/app?pgbouncer=true&sslmode=require", True,
     "postgresql+psycopg://u:p@db.example/app?sslmode=require"),
    ("postgresql+psycopg://u:p@pooler.example:6543/app?pgbouncer=false", False,
     "postgresql+psycopg://u:p@pooler.example:6543/app"),
])
def test_a_transaction_pooler_is_recognised_and_its_flag_kept_from_libpq(url, pooled, rest):
    assert transaction_pooled(url) == (rest, pooled)


def _tasks(store: Store, clock, count: int, prefix: str = "t") -> list[int]:
    store.add_tasks(
        (TaskSpec(name=f"{prefix}{i}", action=NoopAction(), triggers=[IntervalTrigger(every=timedelta(seconds=1))])
         for i in range(count)),
        owner="alice", actor="alice", now=clock.now(),
    )
    with store.engine.connect() as conn:
        return list(conn.execute(sa.select(tasks.c.task_id).where(tasks.c.name.startswith(prefix))
                                 .order_by(tasks.c.task_id)).scalars())


def _pass(store: Store, clock, task_ids: list[int], previous: list[NewRun], *, shed: int = 0):
    """One engine pass: the previous fires end, a fire per task is recorded (the first ``shed``
    of them shed by an overloaded engine)."""
    at = clock.now()
    lease = at + timedelta(seconds=30)
    fires = [
        NewRun(task_id=t, status=RunStatus.SKIPPED, reason=RunReason.SCHEDULE, due_at=at, scheduled_for=at,
               message=OVERLOADED)
        if i < shed else
        NewRun(task_id=t, status=RunStatus.RUNNING, reason=RunReason.SCHEDULE, due_at=at, scheduled_for=at,
               started_at=at, lease_owner="w1", lease_expires_at=lease)
        for i, t in enumerate(task_ids)
    ]
    outcomes = [RunOutcome(run_id=f.run_id, task_id=f.task_id, status=RunStatus.COMPLETED, finished_at=at,
                           attempt=1, scheduled_for=f.scheduled_for, reason=RunReason.SCHEDULE)
                for f in previous if f.status is RunStatus.RUNNING]
    kept, _released, inserted, _ = store.commit_tick(outcomes, fires, owner="w1", now=at, lease_until=lease)
    return kept, inserted


def test_a_batch_writes_runs_history_and_cursors(pg_schema_url, clock):
    store = Store(pg_schema_url)
    try:
        ids = _tasks(store, clock, 5)
        _kept, first = _pass(store, clock, ids, [], shed=2)
        assert [f.task_id for f in first] == ids and all(f.run_id for f in first)
        clock.advance(1)
        kept, second = _pass(store, clock, ids, first)
        assert sorted(o.run_id for o in kept) == sorted(f.run_id for f in first[2:])
        # The same fires again (another engine got there first): nothing is inserted twice.
        _kept, again = _pass(store, clock, ids, [])
        assert again == []
        with store.engine.connect() as conn:
            rows = {r.run_id: r for r in conn.execute(runs.select())}
            history = conn.execute(sa.select(run_events.c.run_id, run_events.c.status, run_events.c.message)
                                   .order_by(run_events.c.event_id)).all()
            cursors = set(conn.execute(sa.select(tasks.c.last_fire_at)).scalars())
        assert len(rows) == 10
        assert [(rows[f.run_id].status, rows[f.run_id].error) for f in first] == (
            [("skipped", OVERLOADED)] * 2 + [("completed", None)] * 3)
        assert all(rows[f.run_id].finished_at is not None for f in first)
        assert {rows[f.run_id].status for f in second} == {"running"}
        assert [(run_id, status) for run_id, status, _ in history if run_id == first[3].run_id] == [
            (first[3].run_id, "running"), (first[3].run_id, "completed")]
        assert cursors == {clock.now()}
    finally:
        store.close()


def _prepared(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT count(*) FROM pg_prepared_statements")).scalar() or 0)


def test_hot_statements_are_prepared_on_a_direct_connection_and_never_behind_a_pooler(pg_schema_url, clock):
    for url, prepared, prefix in ((pg_schema_url, True, "direct"), (pg_schema_url + "&pgbouncer=true", False, "pooled")):
        store = Store(url)
        try:
            ids = _tasks(store, clock, 3, prefix)
            previous: list[NewRun] = []
            for _ in range(8):
                clock.advance(1)
                _kept, previous = _pass(store, clock, ids, previous)
            # The pool hands back the same (only) connection the passes used.
            assert (_prepared(store) > 0) is prepared
        finally:
            store.close()
        clock.advance(timedelta(hours=1))


def _plan_nodes(node: dict):
    yield node
    for child in node.get("Plans", ()):
        yield from _plan_nodes(child)


def _finish_values(run_ids: list[int], at) -> dict:
    from scheduler.store import pg_fast

    now = pg_fast._micros(at)
    return {"owner": "w1", "q_run": pg_fast._ints(run_ids),
            "q_finished": "{" + ",".join([now] * len(run_ids)) + "}",
            "q_started": "{" + ",".join([now] * len(run_ids)) + "}",
            **{k: [] for k in ("run_id", "status", "finished_at", "stdout", "stderr", "result", "error",
                               "traceback", "log_path", "started_at")}}


_FINISH_PARAMS = ["owner", "q_run", "q_finished", "q_started", "run_id", "status", "finished_at", "stdout",
                  "stderr", "result", "error", "traceback", "log_path", "started_at"]


def test_the_plan_settings_around_the_finish_put_back_what_was_in_force(pg_schema_url):
    """An operator's own planner setting (here nested loops off for the session) holds again
    after the finishing statement, not the server's default."""
    from scheduler.store import pg_fast

    store = Store(pg_schema_url)
    try:
        with store.engine.connect() as conn:
            raw = pg_fast.driver(conn)
            raw.execute("SET enable_nestloop = off")
            with raw.pipeline():
                for statement in pg_fast.LINEAR_PLANS:
                    raw.execute(statement)
                during = raw.execute("SELECT current_setting('enable_seqscan'), current_setting('enable_nestloop')")
                raw.execute(pg_fast.PLAN_AS_USUAL)
            assert during.fetchone() == ("off", "off")
            assert raw.execute("SELECT current_setting('enable_seqscan'), current_setting('enable_nestloop'), "
                               "current_setting('enable_bitmapscan')").fetchone() == ("on", "off", "on")
            conn.rollback()
    finally:
        store.close()


def test_finishing_a_batch_reads_neither_the_whole_table_nor_the_batch_once_per_run(pg_schema_url, clock):
    """The finishing statement's plan, as the engine runs it (a prepared statement settles on a
    generic plan after five runs and keeps it while the table grows): made while ``runs`` was
    nearly empty, it must not become a scan of every run (the table grew to 3,500 rows here; in
    a day, millions), nor loop over the batch for each running run (500 x 500 comparisons a
    batch at 4,000 fires/s made the engine fall behind for good)."""
    import psycopg
    import psycopg.sql

    from scheduler.store import pg_fast

    store = Store(pg_schema_url)
    try:
        ids = _tasks(store, clock, 500)
        text = pg_fast._FINISH.replace("%%", "%")
        for n, name in enumerate(_FINISH_PARAMS, 1):
            text = text.replace(f"%({name})s", f"${n}")

        def execute(conn, values, explain=""):
            args = psycopg.sql.SQL(", ").join(psycopg.sql.Literal(values[name]) for name in _FINISH_PARAMS)
            raw = pg_fast.driver(conn)
            for statement in pg_fast.LINEAR_PLANS:  # as pg_fast.finish does
                raw.execute(statement)
            row = raw.execute(psycopg.sql.SQL(explain + "EXECUTE finish_check({})").format(args)).fetchone()
            raw.execute(pg_fast.PLAN_AS_USUAL)
            return row

        clock.advance(1)
        _kept, previous = _pass(store, clock, ids[:20], [])
        with store.engine.begin() as conn:  # statistics of a new database: a few runs, none running
            conn.exec_driver_sql("ANALYZE runs")
        with store.engine.connect() as conn:
            raw = pg_fast.driver(conn)
            raw.execute("SET plan_cache_mode = force_generic_plan")
            raw.execute(f"PREPARE finish_check AS {text}")
            execute(conn, _finish_values([], clock.now()))  # the generic plan, made now
            conn.commit()
            for _ in range(8):  # the table grows: 3,000 ended runs, 500 running
                clock.advance(1)
                _kept, previous = _pass(store, clock, ids, previous)
            row = execute(conn, _finish_values([f.run_id for f in previous], clock.now()),
                          explain="EXPLAIN (ANALYZE, FORMAT JSON) ")
            assert row is not None
            plan = row[0][0]["Plan"]
            assert raw.execute("SELECT current_setting('enable_nestloop'), current_setting('enable_seqscan'), "
                               "current_setting('enable_bitmapscan')").fetchone() == ("on", "on", "on")
            conn.rollback()
        update = next(n for n in _plan_nodes(plan) if n.get("Operation") == "Update" and n.get("Relation Name") == "runs")
        assert update["Actual Rows"] == 500
        nodes = list(_plan_nodes(update))
        compared = sum(n.get("Rows Removed by Join Filter", 0) for n in nodes)
        assert compared < 5_000, f"{compared} comparisons for 500 outcomes: {json.dumps(update)[:2000]}"
        scanned = [n for n in nodes if n.get("Node Type") == "Seq Scan" and n.get("Relation Name") == "runs"]
        assert not scanned, f"every run read to finish 500: {json.dumps(update)[:2000]}"
        # Bitmap scans would read the entries of every run ended since the last vacuum, each pass.
        assert not [n for n in nodes if n.get("Node Type", "").startswith("Bitmap")], json.dumps(update)[:2000]
    finally:
        store.close()


@pytest.mark.parametrize("instant", [
    datetime(2026, 3, 29, 1, 59, 59, 999_999, tzinfo=UTC),
    datetime(2026, 11, 1, 1, 30, 0, 1, tzinfo=ZoneInfo("America/New_York")),
    datetime(2099, 12, 31, 23, 59, 59, 123_457, tzinfo=timezone(timedelta(hours=5, minutes=45))),
])
def test_compact_rows_keep_every_microsecond_of_their_times(pg_schema_url, clock, instant):
    """The compact rows send times as microseconds since 1970; what lands is the same instant as
    the general rows (adapted by psycopg) store, so the fire key still deduplicates across them."""
    store = Store(pg_schema_url)
    try:
        (task_id,) = _tasks(store, clock, 1)
        lease = instant + timedelta(seconds=30)
        fire = NewRun(task_id=task_id, status=RunStatus.RUNNING, reason=RunReason.SCHEDULE, due_at=instant,
                      scheduled_for=instant, started_at=instant, lease_owner="w1", lease_expires_at=lease)
        _kept, _released, inserted, _ = store.commit_tick([], [fire], owner="w1", now=instant, lease_until=lease)
        assert [f.run_id for f in inserted] == [fire.run_id]
        later = instant + timedelta(microseconds=3)
        store.commit_tick([RunOutcome(run_id=fire.run_id, task_id=task_id, status=RunStatus.COMPLETED,
                                      finished_at=later, started_at=instant, attempt=1, scheduled_for=instant,
                                      reason=RunReason.SCHEDULE)], [], owner="w1", now=later)
        again = NewRun(task_id=task_id, status=RunStatus.SKIPPED, reason=RunReason.SCHEDULE, due_at=instant,
                       scheduled_for=instant, message="the same fire, through the Core path")
        assert store.record_fires([again], now=later) == []  # the same key: not inserted twice
        run = store.get_run(fire.run_id)
        utc = instant.astimezone(UTC)  # an hour that repeats compares unequal across zones
        assert (run.scheduled_for, run.due_at, run.started_at, run.finished_at, run.status) == (
            utc, utc, utc, later.astimezone(UTC), RunStatus.COMPLETED)
    finally:
        store.close()
