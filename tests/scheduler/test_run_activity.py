"""Runs over time (the dashboard's stats chart): the database counts ended runs per UTC hour and
the service folds hours into the viewer's hours or days. Checked against a plain count of the
same runs in Python, on SQLite and PostgreSQL, across a DST change."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from scheduler.clock import FakeClock
from scheduler.service import Actor, Role, Service
from scheduler.store import Store
from scheduler.store.tables import run_hours, runs

OWNER = Actor("owner", Role.ADMIN)
# Europe/Berlin left summer time at 03:00 on Sun 25 Oct 2026: that day has 25 hours.
NOW = datetime(2026, 10, 27, 12, 0, tzinfo=UTC)
ZONE = "Europe/Berlin"


def _seed(store: Store, service: Service, *, count: int = 400) -> list[dict]:
    ana = Actor("ana", Role.MEMBER)
    store.add_identity("slack", "ana", role="member", now=NOW)
    mine = service.create_task(service.build_spec({"name": "mine", "action": {"kind": "noop"}}), actor=OWNER)
    hers = service.create_task(service.build_spec({"name": "hers", "action": {"kind": "noop"}}),
                               actor=Actor("slack:ana", Role.MEMBER))
    del ana
    rng = random.Random(7)
    rows = []
    for _ in range(count):
        created = NOW - timedelta(seconds=rng.randint(0, 6 * 86400))
        status = rng.choice(["completed", "completed", "failed", "skipped", "running"])
        due = created + timedelta(seconds=rng.choice([0, 1, 30]))
        started = None if status == "skipped" else due + timedelta(seconds=rng.choice([-2, 0, 3, 90]))
        rows.append({"task_id": rng.choice([mine.task_id, hers.task_id]), "status": status, "reason": "schedule",
                     "attempt": 1, "due_at": due, "created_at": created, "started_at": started,
                     "finished_at": None if status in ("skipped", "running") else started + timedelta(seconds=5),
                     "cancel_requested": False, "chain_depth": 0})
    with store.db.write() as conn:
        conn.execute(sa.insert(runs), rows)
    return rows


def _expected(rows: list[dict], *, since: datetime, zone: str, by: str, task_ids: set[int] | None = None) -> dict:
    tz = ZoneInfo(zone)
    out: dict[str, list[float]] = {}
    for r in rows:
        if r["status"] == "running" or r["created_at"] < since or (task_ids and r["task_id"] not in task_ids):
            continue
        local = r["created_at"].astimezone(tz)
        key = local.strftime("%Y-%m-%d %H" if by == "hour" else "%Y-%m-%d")
        entry = out.setdefault(key, [0, 0, 0, 0.0, 0])
        entry[["completed", "failed", "skipped"].index(r["status"])] += 1
        if r["started_at"] is not None:
            entry[3] += max(0.0, (r["started_at"] - r["due_at"]).total_seconds())
            entry[4] += 1
    return out


def _got(periods, by: str) -> dict:
    return {p.start.strftime("%Y-%m-%d %H" if by == "hour" else "%Y-%m-%d"):
            [p.completed, p.failed, p.skipped, round(p.late_seconds, 3), p.started]
            for p in periods if p.runs}


def test_runs_per_day_and_hour_match_a_plain_count_across_a_dst_change(store: Store) -> None:
    service = Service(store, clock=FakeClock(NOW), default_timezone="UTC", local_user="owner")
    rows = _seed(store, service)
    for since_days, by in ((7, "day"), (1, "hour")):
        since = NOW - timedelta(days=since_days)
        periods = service.activity(actor=OWNER, since=since, zone=ZONE, by=by)
        expected = {k: [v[0], v[1], v[2], round(v[3], 3), v[4]] for k, v in
                    _expected(rows, since=since, zone=ZONE, by=by).items()}
        assert _got(periods, by) == expected
        # every period is there, quiet ones as zeros, in order, the viewer's midnights (or hours)
        starts = [p.start for p in periods]
        assert starts == sorted(starts) and len(set(starts)) == len(starts)
        if by == "day":
            assert len(periods) == 8 and all(p.start.hour == 0 for p in periods)
            assert "2026-10-25" in expected, "the 25-hour day is one day"
        else:
            assert 24 <= len(periods) <= 25


def test_people_count_only_the_runs_they_may_see(store: Store) -> None:
    service = Service(store, clock=FakeClock(NOW), default_timezone="UTC", local_user="owner")
    rows = _seed(store, service, count=120)
    hers = service.get_task("hers").task_id
    since = NOW - timedelta(days=7)
    periods = service.activity(actor=Actor("slack:ana", Role.MEMBER), since=since, zone="UTC", by="day")
    expected = _expected(rows, since=since, zone="UTC", by="day", task_ids={hers})
    assert {k: v[:3] for k, v in _got(periods, "day").items()} == {k: v[:3] for k, v in expected.items()}
    everyone = service.activity(actor=OWNER, since=since, zone="UTC", by="day")
    assert sum(p.runs for p in everyone) > sum(p.runs for p in periods) > 0


def test_stored_hours_give_the_hours_the_database_counts(store: Store) -> None:
    """Everyone's chart from stored hours (closed hours rolled up once, the rest live) equals the
    database's own count of the runs, read twice (storing, then stored), from a period that
    starts inside an hour; the running runs' hours stay open and are counted live."""
    service = Service(store, clock=FakeClock(NOW), default_timezone="UTC", local_user="owner")
    _seed(store, service)

    def rounded(hours: list) -> list:
        return [(h.hour, h.completed, h.failed, h.skipped, round(h.late_seconds, 3), h.started) for h in hours]

    for since in (NOW - timedelta(days=6, minutes=30, seconds=1), NOW - timedelta(hours=24)):
        for _ in range(2):
            assert rounded(store.hourly_activity(since=since, now=NOW)) == rounded(store.hourly_activity(since=since))
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(run_hours)).scalar_one() > 24
