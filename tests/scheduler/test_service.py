"""The service's rules: validation with one clear message, permissions, stats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scheduler.errors import InvalidRequest, NotFound, PermissionDenied
from scheduler.models import RunStatus
from scheduler.service import Actor, Role, parse_since
from scheduler.store import RunOutcome

ALICE = Actor("alice", Role.MEMBER)
BOB = Actor("bob", Role.MEMBER)
ADMIN = Actor("root", Role.ADMIN)


def _create(service, actor=ALICE, **fields):
    data = {"name": "job", "action": {"kind": "noop"}, **fields}
    return service.create_task(service.build_spec(data), actor=actor)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"triggers": [{"kind": "cron", "expression": "61 * * * *"}]}, "out of range"),
        ({"triggers": [{"kind": "cron", "expression": "0 0 31 2 *"}]}, "never fires"),
        ({"triggers": [{"kind": "interval", "every": -5}]}, "at least 1 second"),
        ({"timezone": "Mars/Olympus"}, "unknown time zone"),
        ({"timezone": "europe/berlin"}, "unknown time zone"),
        ({"timezone": "localtime"}, "unknown time zone"),
        ({"name": "123"}, "only digits"),
        ({"name": "   "}, "empty"),
        ({"action": {"kind": "http", "url": "file:///etc/passwd"}}, "http:// or https://"),
        ({"action": {"kind": "sql", "database": "prod", "statement": "select 1"}}, "unknown database"),
    ],
)
def test_service_refuses_bad_input_with_a_clear_message(service, fields, message):
    with pytest.raises(InvalidRequest, match=message):
        _create(service, **fields)


def test_service_refuses_a_once_in_the_past(service, clock):
    with pytest.raises(InvalidRequest, match="in the past"):
        _create(service, triggers=[{"kind": "once", "at": clock.now() - timedelta(minutes=1)}])


def test_service_anchors_intervals_at_creation(service, clock):
    task = _create(service, triggers=[{"kind": "interval", "every": 900}])
    assert task.triggers[0].anchor_at == clock.now()
    assert service.next_fires(task, count=2) == [clock.now() + timedelta(minutes=15), clock.now() + timedelta(minutes=30)]


def test_service_members_see_and_change_only_their_tasks(service):
    task = _create(service, ALICE, name="mine")
    assert [t.name for t in service.list_tasks(actor=BOB)] == []
    with pytest.raises(NotFound):
        service.pause_task("mine", actor=BOB)
    assert service.get_task("mine", actor=ADMIN).task_id == task.task_id
    assert service.pause_task("mine", actor=ADMIN).status == "paused"


def test_service_viewers_cannot_change_anything(service):
    _create(service, ALICE, name="mine")
    with pytest.raises(PermissionDenied):
        _create(service, Actor("v", Role.VIEWER), name="theirs")


def test_service_update_with_new_triggers_restarts_the_schedule(service, clock):
    task = _create(service, triggers=[{"kind": "cron", "expression": "0 * * * *"}])
    clock.advance(timedelta(hours=5, minutes=30))
    updated = service.update_task(task.name, {"triggers": [{"kind": "cron", "expression": "*/10 * * * *"}]}, actor=ALICE)
    assert updated.last_fire_at == clock.now()
    assert service.next_fires(updated, count=1) == [datetime(2026, 1, 5, 14, 40, tzinfo=UTC)]


def test_service_stats_count_success_rate_and_durations(service, store, clock):
    task = _create(service)
    now = clock.now()
    outcomes = []
    for _i, (status, seconds) in enumerate([("completed", 1), ("completed", 3), ("failed", 2), ("completed", 10)]):
        run = service.run_now(task.name, actor=ALICE)
        store.claim_due_runs(owner="w", now=now, lease_until=now + timedelta(minutes=1))
        outcomes.append(RunOutcome(run_id=run.run_id, task_id=task.task_id, status=RunStatus(status),
                                   finished_at=now + timedelta(seconds=seconds)))
        store.finish_runs(outcomes[-1:], owner="w", now=now)
    overall, (per_task,) = service.stats(actor=ALICE)
    assert (per_task.runs, per_task.completed, per_task.failed) == (4, 3, 1)
    assert per_task.success_rate == 0.75
    assert per_task.avg_duration_s == 4.0 and per_task.p95_duration_s == 10.0
    assert overall.runs == 4


def test_parse_since_reads_durations_and_iso_times():
    now = datetime(2026, 1, 5, 9, tzinfo=UTC)
    assert parse_since("24h", now=now) == now - timedelta(hours=24)
    assert parse_since("2026-01-01T00:00+00:00", now=now) == datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(InvalidRequest):
        parse_since("yesterday-ish", now=now)


def test_service_says_when_pending_work_is_due(service, clock):
    assert service.next_pending_due() is None
    run = service.run_now(_create(service).name, actor=ALICE)
    assert service.next_pending_due() == run.due_at
