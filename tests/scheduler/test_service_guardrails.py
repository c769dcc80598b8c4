"""What an AI run acting for its owner may and may not do; approvals; the audit trail."""

from __future__ import annotations

import contextlib
import threading

import pytest

from scheduler.errors import PermissionDenied
from scheduler.models import TaskStatus
from scheduler.service import Actor, Role

ALICE = Actor("alice", Role.MEMBER, origin={"via": "slack", "conversation": "C1", "message": "remind me"})
ADMIN = Actor("root", Role.ADMIN)


def _ai(run_id: int, depth: int = 0) -> Actor:
    return Actor("alice", Role.MEMBER, ai_run_id=run_id, spawn_depth=depth)


def _spec(service, name: str, **fields):
    data = {"name": name, "action": {"kind": "reminder", "message": "hi"},
            "triggers": [{"kind": "cron", "expression": "0 9 * * *"}], **fields}
    return service.build_spec(data)


def test_person_created_task_records_its_provenance(service):
    task = service.create_task(_spec(service, "mine"), actor=ALICE)
    assert task.origin == {"via": "slack", "conversation": "C1", "message": "remind me"}
    assert task.created_by_run_id is None and task.spawn_depth == 0


def test_ai_run_creates_at_most_five_tasks_and_every_refusal_is_audited(service, store):
    created, refused = 0, 0
    for i in range(100):
        try:
            service.create_task(_spec(service, f"spawned {i}"), actor=_ai(run_id=7))
            created += 1
        except PermissionDenied as exc:
            assert "at most 5" in str(exc)
            refused += 1
    assert (created, refused) == (5, 95)
    audit = store.list_audit(limit=1000)
    assert sum(a["decision"] == "refused" for a in audit) == 95
    assert all(a["ai_run_id"] == 7 for a in audit)
    spawned = service.list_tasks(actor=ALICE)
    assert {t.created_by_run_id for t in spawned} == {7} and {t.spawn_depth for t in spawned} == {1}
    assert {t.origin["via"] for t in spawned} == {"ai"}


def test_parallel_ai_runs_cannot_overshoot_the_daily_budget(service):
    def attempt(run_id: int) -> None:
        for i in range(10):
            with contextlib.suppress(PermissionDenied):
                service.create_task(_spec(service, f"r{run_id}-{i}"), actor=_ai(run_id=run_id))

    threads = [threading.Thread(target=attempt, args=(100 + n,)) for n in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(service.list_tasks(actor=ALICE)) == 20


def test_ai_spawn_depth_and_frequency_limits(service):
    with pytest.raises(PermissionDenied, match="depth 3"):
        service.create_task(_spec(service, "deep"), actor=_ai(run_id=1, depth=2))
    with pytest.raises(PermissionDenied, match="every 15 minutes"):
        service.create_task(_spec(service, "chatty", triggers=[{"kind": "cron", "expression": "*/5 * * * *"}]),
                            actor=_ai(run_id=1))


def test_ai_created_shell_task_waits_for_a_person_to_approve(service):
    spec = _spec(service, "cleanup", action={"kind": "shell", "argv": ["rm", "-rf", "/tmp/x"]})
    task = service.create_task(spec, actor=_ai(run_id=3))
    assert task.status == TaskStatus.PENDING_APPROVAL
    with pytest.raises(PermissionDenied, match="only a person"):
        service.approve_task(task.name, actor=_ai(run_id=3))
    with pytest.raises(PermissionDenied, match="admin"):
        service.approve_task(task.name, actor=ALICE)
    approved = service.approve_task(task.name, actor=ADMIN)
    assert approved.status == TaskStatus.ACTIVE and approved.approved_by == "root"


def test_ai_run_cannot_delete_or_touch_tasks_it_did_not_create(service):
    theirs = service.create_task(_spec(service, "persons"), actor=ALICE)
    with pytest.raises(PermissionDenied):
        service.delete_task(theirs.name, actor=_ai(run_id=9))
    with pytest.raises(PermissionDenied, match="only change tasks it created"):
        service.pause_task(theirs.name, actor=_ai(run_id=9))
    own = service.create_task(_spec(service, "child"), actor=_ai(run_id=9))
    assert service.pause_task(own.name, actor=_ai(run_id=9)).status == TaskStatus.PAUSED


def test_ai_swapping_in_a_shell_action_needs_approval_again(service):
    own = service.create_task(_spec(service, "child"), actor=_ai(run_id=4))
    changed = service.update_task(own.name, {"action": {"kind": "shell", "argv": ["curl", "x"]}}, actor=_ai(run_id=4))
    assert changed.status == TaskStatus.PENDING_APPROVAL


def test_audit_log_is_per_user_except_for_admins(service):
    service.create_task(_spec(service, "a"), actor=ALICE)
    service.create_task(_spec(service, "b"), actor=Actor("bob"))
    assert {a["actor"] for a in service.audit_log(actor=ALICE)} == {"alice"}
    assert {a["actor"] for a in service.audit_log(actor=ADMIN)} == {"alice", "bob"}


def test_ai_made_workflow_counts_its_steps_and_waits_for_approval(service):
    steps = [{"name": f"s{i}", "action": {"kind": "http", "url": "https://example.com"}} for i in range(3)]
    workflow = service.create_workflow("fetcher", steps, actor=_ai(run_id=21))
    assert workflow.head.status == TaskStatus.PENDING_APPROVAL
    assert {t.status for t in workflow.steps.values()} == {TaskStatus.PENDING_APPROVAL}
    # head + 3 steps = 4 of the 5 this run may create: a 3-step workflow more is refused
    with pytest.raises(PermissionDenied, match="at most 5"):
        service.create_workflow("another", steps, actor=_ai(run_id=21))
    assert [t.name for t in service.list_tasks(actor=ALICE) if t.name.startswith("another")] == []
    service.approve_task("fetcher", actor=ALICE)
    approved = service.get_workflow("fetcher")
    assert approved.head.status == TaskStatus.ACTIVE
    assert {t.status for t in approved.steps.values()} == {TaskStatus.ACTIVE}


def test_ai_task_with_a_risky_condition_check_waits_for_approval(service):
    spec = _spec(service, "watcher", action={"kind": "noop"},
                 triggers=[{"kind": "condition", "check": {"kind": "shell", "argv": ["curl", "x"]}, "every": 60}])
    assert service.create_task(spec, actor=_ai(run_id=31)).status == TaskStatus.PENDING_APPROVAL
