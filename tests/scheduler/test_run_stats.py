"""Run statistics counted by the database (``Store.run_stats``) against the same numbers worked
out in Python from the rows themselves, on SQLite and PostgreSQL: counts, success rate, average
and p95 duration, per task and overall, with the period, task and owner filters."""

from __future__ import annotations

import random
import statistics
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from scheduler.models import TaskSpec
from scheduler.service import TaskStats
from scheduler.store import Store
from scheduler.store.run_history import _p95_index
from scheduler.store.run_rollups import PER_OCTAVE, bucket_of, middle_of
from scheduler.store.tables import run_hours, runs
from scheduler.wording import elapsed_text

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
STATUSES = ["completed"] * 12 + ["failed"] * 4 + ["skipped", "cancelled", "retrying", "pending", "running"]


def _seed(store: Store, rng: random.Random) -> list[dict[str, Any]]:
    """Tasks of two owners: two with exactly 11 and 31 timed runs in the last 7 days (the p95
    rank is a rounding tie there), the others with every status, some runs without a start or an
    end, some before the period; durations with odd microseconds, some across midnight."""
    def spec(name: str) -> TaskSpec:
        return TaskSpec.model_validate({"name": name, "action": {"kind": "noop"}})

    store.add_tasks((spec(f"a-{i}") for i in range(4)), owner="alice", actor="alice", now=NOW)
    store.add_tasks((spec(f"b-{i}") for i in range(2)), owner="bob", actor="bob", now=NOW)
    ids = store.task_ids()
    counts = [11, 31, 1, 57, 200, 0]
    rows: list[dict[str, Any]] = []
    for index, (task_id, count) in enumerate(zip(ids, counts, strict=True)):
        tie = index < 2
        for _ in range(count if tie else count + rng.randrange(0, 6)):
            status = "completed" if tie else rng.choice(STATUSES)
            created = NOW - timedelta(days=rng.uniform(0, 6.9 if tie else 10))
            started = created + timedelta(microseconds=rng.randrange(0, 10**6))
            if rng.random() < 0.2:  # some starts just before midnight
                started = started.replace(hour=23, minute=59, second=59)
            finished = started + timedelta(microseconds=rng.choice([0, 1, 999_999, rng.randrange(0, 90 * 10**6)]))
            if rng.random() < 0.05 and not tie:
                started = None
            if (rng.random() < 0.05 and not tie) or status in ("pending", "running"):
                finished = None
            rows.append({"task_id": task_id, "status": status, "reason": "schedule", "attempt": 1,
                         "due_at": created, "created_at": created, "started_at": started,
                         "finished_at": finished, "cancel_requested": False, "chain_depth": 0})
    with store.engine.begin() as conn:
        conn.execute(runs.insert(), rows)
    names = {t.task_id: t.name for t in store.page_tasks(limit=100)[1]}
    return [{**r, "name": names[r["task_id"]]} for r in rows]


def _by_hand(rows: list[dict[str, Any]], task_id: int | None, name: str) -> TaskStats:
    """What the stats page computed before the database did it: every ended run read back."""
    ended = [r for r in rows if r["status"] not in ("pending", "running")]
    durations = [(r["finished_at"] - r["started_at"]).total_seconds() for r in ended
                 if r["status"] in ("completed", "failed") and r["started_at"] and r["finished_at"]]
    ordered = sorted(durations)
    return TaskStats(
        task_id=task_id, name=name, runs=len(ended),
        completed=sum(r["status"] == "completed" for r in ended), failed=sum(r["status"] == "failed" for r in ended),
        skipped=sum(r["status"] == "skipped" for r in ended),
        avg_duration_s=statistics.fmean(durations) if durations else None,
        p95_duration_s=ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] if ordered else None,
    )


def _expected(rows: list[dict[str, Any]]) -> tuple[TaskStats, list[TaskStats]]:
    per_task = sorted({r["task_id"]: r["name"] for r in rows if r["status"] not in ("pending", "running")}.items())
    return _by_hand(rows, None, "all tasks"), [
        _by_hand([r for r in rows if r["task_id"] == tid], tid, name) for tid, name in per_task]


def _same(got: TaskStats, want: TaskStats) -> None:
    exact = ("task_id", "name", "runs", "completed", "failed", "skipped", "success_rate", "p95_duration_s")
    assert {k: getattr(got, k) for k in exact} == {k: getattr(want, k) for k in exact}
    if want.avg_duration_s is None:
        assert got.avg_duration_s is None
    else:  # the exact mean vs Python's mean of rounded floats: the last bit may differ, never the text
        assert got.avg_duration_s == pytest.approx(want.avg_duration_s, rel=1e-12)
        assert elapsed_text(timedelta(seconds=got.avg_duration_s)) == elapsed_text(timedelta(seconds=want.avg_duration_s))


@pytest.mark.parametrize("seed", [1, 2])
def test_run_stats_match_a_python_count_of_the_same_rows(store, seed):
    rows = _seed(store, random.Random(seed))
    since = NOW - timedelta(days=7)
    for scope in ({}, {"since": since}):
        period = [r for r in rows if "since" not in scope or r["created_at"] >= since]
        overall, per_task = store.run_stats(**scope)
        want_overall, want_per_task = _expected(period)
        _same(TaskStats.of(overall), want_overall)
        assert len(per_task) == len(want_per_task)
        for got, want in zip(per_task, want_per_task, strict=True):
            _same(TaskStats.of(got), want)


def test_run_stats_of_one_task_and_of_one_owner(store):
    rows = _seed(store, random.Random(3))
    ids = store.task_ids()
    one = ids[1]
    overall, per_task = store.run_stats(task_id=one)
    want_overall, (want,) = _expected([r for r in rows if r["task_id"] == one])
    _same(TaskStats.of(per_task[0]), want)
    assert len(per_task) == 1 and overall.p95_us == per_task[0].p95_us and overall.runs == want.runs

    bobs = {r["task_id"] for r in rows if r["name"].startswith("b-")}
    shared = ids[0]  # one of alice's, shared with bob
    overall, per_task = store.run_stats(owner="bob", also_task_ids=[shared])
    want_overall, want_per_task = _expected([r for r in rows if r["task_id"] in bobs | {shared}])
    _same(TaskStats.of(overall), want_overall)
    assert [t.task_id for t in per_task] == [s.task_id for s in want_per_task]


@pytest.mark.parametrize("scope", [{}, {"owner": "bob"}, {"since": NOW - timedelta(days=7)}])
def test_a_stats_page_has_run_stats_numbers_for_its_page_of_tasks(store, scope):
    _seed(store, random.Random(4))
    overall, every = store.run_stats(**scope)
    assert len(every) >= 2
    worst = sorted((t for t in every if t.failed), key=lambda t: -t.failed)[:2]  # stable: ties by task id
    for offset in range(len(every) + 1):
        page_overall, page, total, failing = store.run_stats_page(**scope, offset=offset, limit=2, failing=2)
        assert page_overall == overall and total == len(every)
        assert page == every[offset:offset + 2]
        assert failing == [replace(t, p95_us=None) for t in worst]


def test_run_stats_of_nothing_are_empty(store):
    overall, per_task = store.run_stats(since=NOW)
    assert per_task == [] and (overall.runs, overall.timed, overall.p95_us) == (0, 0, None)
    assert store.run_stats_page(since=NOW) == (overall, [], 0, [])
    stats = TaskStats.of(overall)
    assert stats.success_rate is None and stats.avg_duration_s is None and stats.p95_duration_s is None


def test_p95_rank_rounds_as_python_does(store):
    """The rank the database picks for n timed runs is Python's ``round(0.95 * (n - 1))`` (half to
    even: n = 11 picks index 10, n = 31 index 28) for every n up to 3,000."""
    numbers = sa.select(sa.literal(1).label("n")).cte("numbers", recursive=True)
    numbers = numbers.union_all(sa.select(numbers.c.n + 1).where(numbers.c.n < 3000))
    with store.engine.connect() as conn:
        picked = dict(conn.execute(sa.select(numbers.c.n, _p95_index(numbers.c.n))).all())
    assert picked == {n: round(0.95 * (n - 1)) for n in range(1, 3001)}
    assert picked[11] == 10 and picked[31] == 28


# --- the stats page from stored hours (store/run_rollups.py) -----------------------------------

def _close_to(got: float | None, want: float | None) -> bool:
    """A p95 read from the histogram: within 2.2 % (half a bucket) of the exact pick."""
    if want is None or got is None:
        return got is want
    return abs(got - want) <= want * 0.022 + 1e-6


def _check_page(store: Store, rows: list[dict[str, Any]], *, since: datetime | None, now: datetime) -> None:
    """``run_stats_page`` with stored hours against a Python count: every figure exact but the
    overall p95 (within 2.2 %); the page lists the live tasks by id, zeros for the quiet ones."""
    period = [r for r in rows if since is None or r["created_at"] >= since]
    live_ids = store.task_ids()
    overall, page, total, failing = store.run_stats_page(since=since, now=now, limit=1000, failing=3)
    want_overall = _by_hand(period, None, "all tasks")
    got = TaskStats.of(overall)
    _same(replace(got, p95_duration_s=want_overall.p95_duration_s), want_overall)
    assert _close_to(got.p95_duration_s, want_overall.p95_duration_s)
    names = {r["task_id"]: r["name"] for r in rows}
    assert total == len(live_ids) and [t.task_id for t in page] == live_ids
    for tally in page:
        _same(TaskStats.of(tally), _by_hand([r for r in period if r["task_id"] == tally.task_id],
                                           tally.task_id, names[tally.task_id]))
    fails = {t: sum(r["status"] == "failed" for r in period if r["task_id"] == t) for t in names}
    assert [t.task_id for t in failing] == sorted((t for t in fails if fails[t]), key=lambda t: (-fails[t], t))[:3]


def _stored_hours(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(run_hours)).scalar_one())


@pytest.mark.parametrize("seed", [5, 6])
def test_a_stats_page_from_stored_hours_matches_a_python_count(store, seed):
    rows = _seed(store, random.Random(seed))
    # a period that starts inside an hour (its partial hour is counted live), the last day, all time
    for since in (NOW - timedelta(days=7, minutes=17, microseconds=3), NOW - timedelta(hours=24), None):
        for _ in range(2):  # the first read stores the closed hours, the second reads them back
            _check_page(store, rows, since=since, now=NOW)
    assert _stored_hours(store) > 24


def test_stored_hours_are_read_back_not_recounted(store, store_url):
    """A store reads a closed hour's figures from ``run_hours`` (changed there, a newly opened
    store shows the change: the saving is real) and keeps those it has read (the one that read
    them first does not see the change); forgotten, they are counted again from the runs."""
    rows = _seed(store, random.Random(8))
    since = NOW - timedelta(days=3)
    before, *_ = store.run_stats_page(since=since, now=NOW)
    assert before.p95_approx
    with store.engine.begin() as conn:
        conn.execute(run_hours.update().values(runs=run_hours.c.runs + 1000))
    other = Store(store_url)
    try:
        inflated, *_ = other.run_stats_page(since=since, now=NOW)
    finally:
        other.close()
    assert inflated.runs > before.runs + 1000
    assert store.run_stats_page(since=since, now=NOW)[0] == before
    store.rollups.forget_hours()
    assert _stored_hours(store) == 0
    _check_page(store, rows, since=since, now=NOW)


def test_a_run_that_ends_late_is_counted_when_it_ends(store):
    """A run created hours ago and still running keeps its hour open (counted live, not stored);
    once it ends it is counted in its creation hour, and that hour is stored after."""
    rows = _seed(store, random.Random(9))
    task_id = store.task_ids()[0]
    created = NOW - timedelta(hours=5, minutes=40)
    late = {"task_id": task_id, "status": "running", "reason": "schedule", "attempt": 1, "due_at": created,
            "created_at": created, "started_at": created, "finished_at": None, "cancel_requested": False,
            "chain_depth": 0}
    with store.engine.begin() as conn:
        run_id = conn.execute(runs.insert().values(**late)).inserted_primary_key[0]
    since = NOW - timedelta(days=1)
    _check_page(store, [*rows, {**late, "name": "a-0"}], since=since, now=NOW)
    with store.engine.connect() as conn:
        stored = {r[0] for r in conn.execute(sa.select(run_hours.c.hour_at))}
    assert stored and created.replace(minute=0) not in stored

    later = NOW + timedelta(hours=2)  # it fails two hours later, in what was the open hour
    ended = {**late, "status": "failed", "finished_at": later, "name": "a-0"}
    with store.engine.begin() as conn:
        conn.execute(runs.update().where(runs.c.run_id == run_id).values(status="failed", finished_at=later))
    _check_page(store, [*rows, ended], since=since, now=later)
    with store.engine.connect() as conn:
        assert created.replace(minute=0) in {r[0] for r in conn.execute(sa.select(run_hours.c.hour_at))}
    _check_page(store, [*rows, ended], since=since, now=later)


def test_the_open_hour_and_a_period_edge_are_counted_live(store):
    """Runs created in the last minutes (the open hour, and the grace after an hour ends) and
    runs at the exact edge of the period: in when created at ``since``, out a microsecond before;
    an hour starts at its first microsecond."""
    store.add_tasks([TaskSpec.model_validate({"name": "edge", "action": {"kind": "noop"}})],
                    owner="alice", actor="alice", now=NOW)
    (task_id,) = store.task_ids()
    since = NOW - timedelta(hours=3, minutes=30)
    times = [since - timedelta(microseconds=1), since, NOW.replace(minute=0) - timedelta(hours=2),
             NOW.replace(minute=0) - timedelta(hours=2, microseconds=1), NOW - timedelta(minutes=63),
             NOW - timedelta(minutes=2)]
    rows = []
    for k, created in enumerate(times):
        rows.append({"task_id": task_id, "status": "failed" if k % 2 else "completed", "reason": "schedule",
                     "attempt": 1, "due_at": created, "created_at": created, "started_at": created,
                     "finished_at": created + timedelta(seconds=k + 1), "cancel_requested": False,
                     "chain_depth": 0})
    with store.engine.begin() as conn:
        conn.execute(runs.insert(), rows)
    rows = [{**r, "name": "edge"} for r in rows]
    for _ in range(2):
        _check_page(store, rows, since=since, now=NOW)
        hours = store.hourly_activity(since=since, now=NOW)
        assert hours == store.hourly_activity(since=since)  # the same as the database's own count
        assert sum(h.completed + h.failed for h in hours) == 5


def test_a_deleted_task_keeps_its_runs_in_the_figures(store):
    """Deleting a task keeps its run history (a soft delete): the totals, stored or not, still
    count its runs, and it can still be among the most failing; the per-task list drops it."""
    rows = _seed(store, random.Random(10))
    since = NOW - timedelta(days=7)
    store.run_stats_page(since=since, now=NOW)  # hours stored before the delete
    gone = store.task_ids()[4]
    store.delete_task(gone, actor="alice", now=NOW)
    _check_page(store, rows, since=since, now=NOW)
    overall, page, total, _ = store.run_stats_page(since=since, now=NOW, limit=1000)
    assert gone not in [t.task_id for t in page] and total == 5
    assert overall.runs == _by_hand([r for r in rows if r["created_at"] >= since], None, "").runs


def test_a_histogram_bucket_stands_for_its_durations_within_two_percent():
    for us in [0, 1, 2, 3, 7, 999, 1000, 999_999, 10**6, 3 * 10**7 + 1, 86_400 * 10**6, 2**40]:
        middle = middle_of(bucket_of(us))
        assert abs(middle - us) <= us * 0.022 + 0.5, us
    assert [bucket_of(us) for us in (1, 2, 4)] == [1, 1 + PER_OCTAVE, 1 + 2 * PER_OCTAVE]
