"""Knowing whether anything runs: `task add` says when nothing would fire the task, `status`
lists the engines from their heartbeats, their versions, the next fires and the backlog."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scheduler.store import Store

NOTICE = "nothing is running to fire it — start `cronpilot serve` or see `cronpilot service install`"


@pytest.fixture
def store(isolated_settings) -> Store:
    s = Store(f"sqlite:///{isolated_settings / 'cronpilot.db'}")
    yield s
    s.close()


def test_task_add_says_when_no_engine_runs(cli):
    result = cli("task", "add", "--every", "1m", "--remind", "x")
    assert result.code == 0
    assert result.out.startswith("added task 1 x: every minute")
    assert result.err.strip() == f"note: saved, but {NOTICE}"
    as_json = cli("task", "add", "--every", "1m", "--remind", "y", "--json")
    assert as_json.json()["engine_running"] is False and NOTICE in as_json.err


def test_task_add_is_quiet_when_an_engine_runs(cli, store):
    store.register_worker("engine-1", now=datetime.now(UTC), version="9.9")
    result = cli("task", "add", "--every", "1m", "--remind", "x", "--json")
    assert result.code == 0 and result.err == ""
    assert result.json()["engine_running"] is True


def test_a_cli_run_or_a_stale_engine_is_not_running(cli, store):
    now = datetime.now(UTC)
    store.register_worker("cli-1", now=now, schedules=False)  # `cronpilot run` working in-process
    store.register_worker("engine-old", now=now - timedelta(seconds=31))  # three beats missed
    assert NOTICE in cli("task", "add", "--every", "1m", "--remind", "x").err
    result = cli("status", "--json")
    assert result.code == 1
    state = result.json()
    assert state["running"] is False
    alive = {e["worker_id"]: (e["alive"], e["schedules"]) for e in state["engines"]}
    assert alive == {"cli-1": (True, False), "engine-old": (False, True)}


def test_status_lists_engines_next_fires_and_backlog(cli, store):
    cli("task", "add", "--name", "later", "--every", "2h", "--noop")
    cli("task", "add", "--name", "sooner", "--every", "1h", "--noop")
    cli("task", "add", "--name", "waiting", "--noop")
    cli("run", "waiting")  # ran here: one completed run, nothing waiting
    store.register_worker("engine-1", now=datetime.now(UTC), version="1.2.3")
    result = cli("status", "--json")
    assert result.code == 0, result.err
    state = result.json()
    assert state["running"] is True
    [engine] = state["engines"]
    assert engine["worker_id"] == "engine-1" and engine["version"] == "1.2.3" and engine["alive"]
    assert [f["name"] for f in state["next_fires"]] == ["sooner", "later"]
    assert state["backlog"] == {"due": 0, "running": 0, "oldest_due_at": None}
    text = cli("status")
    assert text.code == 0 and "running: 1 engine(s)" in text.out and "cronpilot 1.2.3" in text.out
    assert text.out.index("sooner") < text.out.index("later")


def test_status_counts_due_runs_nobody_claimed(cli, store):
    cli("task", "add", "--name", "job", "--noop")
    from scheduler.models import RunReason, RunStatus
    from scheduler.store.records import NewRun

    now = datetime.now(UTC)
    store.record_fires([NewRun(task_id=1, status=RunStatus.PENDING, reason=RunReason.MANUAL,
                               due_at=now - timedelta(minutes=5))], now=now)
    state = cli("status", "--json").json()
    assert state["backlog"]["due"] == 1 and state["backlog"]["oldest_due_at"] is not None
    assert "1 run(s) due and waiting, the oldest due 5 min ago" in cli("status").out


def _runs(store: Store, *fires) -> list[int]:
    """Record ``fires`` (NewRun) as they are, their ids in order."""
    recorded = store.record_fires(list(fires), now=datetime.now(UTC))
    return [f.run_id for f in recorded]


def _stuck(cli) -> dict[int, str]:
    state = cli("status", "--json").json()
    return {r["run_id"]: r["why"] for r in state["stuck"]}


def test_status_reports_a_retry_waiting_behind_a_run_that_never_ends(cli, store):
    """The retry of a failed attempt waits (pending runs of a task run one after another) behind
    a run that went on 3 h past its 1 h timeout: neither will ever move on, and status said only
    "1 run(s) due and waiting"."""
    from scheduler.models import RunReason, RunStatus
    from scheduler.store.records import NewRun

    cli("task", "add", "--name", "backup", "--every", "1h", "--noop")
    now = datetime.now(UTC)
    store.register_worker("engine-1", now=now)
    endless, retry = _runs(
        store,
        NewRun(task_id=1, status=RunStatus.RUNNING, reason=RunReason.SCHEDULE, due_at=now - timedelta(hours=4),
               scheduled_for=now - timedelta(hours=4), started_at=now - timedelta(hours=4),
               lease_owner="engine-1", lease_expires_at=now + timedelta(seconds=30)),  # its engine renews it
        NewRun(task_id=1, status=RunStatus.PENDING, reason=RunReason.RETRY, attempt=2,
               due_at=now - timedelta(hours=3), scheduled_for=now - timedelta(hours=5)),
    )
    stuck = _stuck(cli)
    assert set(stuck) == {endless, retry}
    assert "past its timeout of 60 min" in stuck[endless]
    assert stuck[retry] == f"due 3 h ago, waits behind run {endless}, which is stuck"
    text = cli("status")
    assert text.code == 0
    assert (f"stuck: run {retry} of backup (#1, retry, attempt 2, pending): due 3 h ago, waits behind run"
            in " ".join(text.out.split()))  # rich wraps at the terminal's width


def test_status_reports_a_retry_due_long_ago_that_no_engine_claims(cli, store):
    from scheduler.models import RunReason, RunStatus
    from scheduler.store.records import NewRun

    cli("task", "add", "--name", "job", "--noop")
    now = datetime.now(UTC)
    store.register_worker("engine-1", now=now)
    [retry] = _runs(store, NewRun(task_id=1, status=RunStatus.PENDING, reason=RunReason.RETRY, attempt=2,
                                  due_at=now - timedelta(minutes=10)))
    assert _stuck(cli) == {retry: "due 10 min ago and not claimed"}
    store.unregister_worker("engine-1")
    assert _stuck(cli) == {retry: "due 10 min ago and not claimed: no engine is running"}


def test_status_reports_a_retry_overtaken_by_the_tasks_later_runs(cli, store):
    """Due at 10:00, yet the task's run that started at 10:05 went first (an overlap=allow task's
    fires start beside a waiting retry; skip and queue let a due retry go first)."""
    from scheduler.models import RunReason, RunStatus
    from scheduler.store.records import NewRun

    cli("task", "add", "--name", "job", "--every", "5m", "--noop")
    now = datetime.now(UTC)
    store.register_worker("engine-1", now=now)
    later, retry = _runs(
        store,
        NewRun(task_id=1, status=RunStatus.RUNNING, reason=RunReason.SCHEDULE, due_at=now - timedelta(minutes=5),
               scheduled_for=now - timedelta(minutes=5), started_at=now - timedelta(minutes=5),
               lease_owner="engine-1", lease_expires_at=now + timedelta(seconds=30)),
        NewRun(task_id=1, status=RunStatus.PENDING, reason=RunReason.RETRY, attempt=2,
               due_at=now - timedelta(minutes=10), scheduled_for=now - timedelta(minutes=15)),
    )
    assert set(_stuck(cli)) == {retry}
    assert f"overtaken: run {later} of its task started after it was due" in _stuck(cli)[retry]


def test_status_does_not_call_stuck_a_retry_waiting_for_its_time_or_for_a_run_that_began_first(cli, store):
    """No false alarm: a retry waiting out its backoff (even behind the task's next regular run),
    a retry just due, and a queued fire behind a long run that started before it was due."""
    from scheduler.models import RunReason, RunStatus
    from scheduler.store.records import NewRun

    for name in ("backoff", "long"):
        cli("task", "add", "--name", name, "--every", "1h", "--noop")
    now = datetime.now(UTC)
    store.register_worker("engine-1", now=now)
    _runs(
        store,
        NewRun(task_id=1, status=RunStatus.PENDING, reason=RunReason.RETRY, attempt=2,
               due_at=now + timedelta(hours=2), scheduled_for=now - timedelta(minutes=30)),  # after the next fire
        NewRun(task_id=1, status=RunStatus.PENDING, reason=RunReason.RETRY, attempt=2,
               due_at=now - timedelta(seconds=20), scheduled_for=now - timedelta(hours=1, minutes=30)),
        NewRun(task_id=2, status=RunStatus.RUNNING, reason=RunReason.SCHEDULE, due_at=now - timedelta(minutes=50),
               scheduled_for=now - timedelta(minutes=50), started_at=now - timedelta(minutes=50),
               lease_owner="engine-1", lease_expires_at=now + timedelta(seconds=30)),
        NewRun(task_id=2, status=RunStatus.PENDING, reason=RunReason.SCHEDULE,
               due_at=now - timedelta(minutes=20), scheduled_for=now - timedelta(minutes=20)),
    )
    assert _stuck(cli) == {}
    assert "stuck" not in cli("status").out


def test_status_reports_a_running_run_whose_engine_died_and_nobody_recovered(cli, store):
    from scheduler.models import RunReason, RunStatus
    from scheduler.store.records import NewRun

    cli("task", "add", "--name", "job", "--noop")
    now = datetime.now(UTC)
    [orphan] = _runs(store, NewRun(task_id=1, status=RunStatus.RUNNING, reason=RunReason.MANUAL,
                                   due_at=now - timedelta(minutes=6), started_at=now - timedelta(minutes=6),
                                   lease_owner="engine-gone", lease_expires_at=now - timedelta(minutes=5)))
    assert _stuck(cli) == {orphan: "its lease on engine-gone ended 5 min ago and no engine recovered it "
                                   "(is an engine running?)"}


def test_status_shows_which_engine_holds_how_many_partitions_on_postgresql(cli, pg_schema_url, monkeypatch):
    """Three engines share the schedule (scheduler/sharing.py): status says who computes what."""
    monkeypatch.setenv("CRONPILOT_DATABASE_URL", pg_schema_url)
    pg = Store(pg_schema_url)
    try:
        now = datetime.now(UTC)
        trio = ("engine-a", "engine-b", "engine-c")
        for worker in trio:
            pg.register_worker(worker, now=now)
        for _ in range(2):  # the first look of each takes its fair share of what is free
            for worker in trio:
                pg.share_partitions(worker, now=now, lease=timedelta(seconds=60))
        held = {w: n for w, n in pg.share_counts(now=now).items() if w}
        assert sorted(held.values()) == [21, 21, 22]
        state = cli("status", "--json").json()
        assert state["partitions"] == {"total": 64, "held": held, "free": 0}
        assert {e["worker_id"]: e["partitions"] for e in state["engines"]} == held
        text = " ".join(cli("status").out.split())
        for worker, count in held.items():
            assert f"{worker}: engine on" in text and f"holds {count} of 64 partitions" in text
        assert "partitions: 64 of 64 held" in text

        # engine-c was killed (kill -9): its rows stay, their leases run out; until another engine
        # takes them they are free, and status says so rather than crediting engine-c
        from scheduler.store.tables import engine_shares, workers

        with pg.db.write() as conn:
            conn.execute(engine_shares.update().where(engine_shares.c.owner == "engine-c")
                         .values(lease_expires_at=now - timedelta(seconds=1)))
            conn.execute(workers.delete().where(workers.c.worker_id == "engine-c"))
        state = cli("status", "--json").json()
        free = held.pop("engine-c")
        assert state["partitions"] == {"total": 64, "held": held, "free": free}
        text = " ".join(cli("status").out.split())
        assert f"partitions: {64 - free} of 64 held; {free} free" in text
    finally:
        pg.close()


def test_status_shows_no_partitions_where_nothing_is_shared(cli, store):
    store.register_worker("engine-1", now=datetime.now(UTC))
    state = cli("status", "--json").json()
    assert state["partitions"] is None and state["engines"][0]["partitions"] is None
    assert "partitions" not in cli("status").out
