"""People and access through the service: the access checks that failed before (issue 11), roles
taking effect at once, quotas, AI runs and fetched data, and the audit trail's hash chain (on
SQLite and PostgreSQL, with concurrent writers)."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from scheduler.access import Actor, Role, TaskQuota
from scheduler.clock import FakeClock
from scheduler.errors import Conflict, NotFound, PermissionDenied
from scheduler.models import RunReason, RunStatus, Task, TaskStatus
from scheduler.secret_box import SecretBox
from scheduler.service import Service
from scheduler.store import NewRun, RunOutcome, Store

ROOT = Actor("root", Role.ADMIN, origin={"via": "cli-command"})
A = Actor("ana", Role.MEMBER, origin={"via": "slack", "conversation_id": "slack:C1"})
B = Actor("ben", Role.MEMBER)


@pytest.fixture
def team(store: Store, clock: FakeClock, tmp_path: Path) -> Service:
    service = Service(store, clock=clock, sql_databases=["app"], internal_hosts=["intranet.example"],
                      secret_box=SecretBox(key_file=tmp_path / "secret.key"), task_quota=TaskQuota(live=5, per_hour=4))
    service.add_person("ada", role="admin", actor=ROOT)
    service.add_person("ana", role="member", actor=ROOT)
    service.add_person("ben", role="member", actor=ROOT)
    return service


def _task(service: Service, actor: Actor, name: str, action: dict | None = None, **fields) -> Task:
    data = {"name": name, "action": action or {"kind": "noop"},
            "triggers": fields.pop("triggers", [{"kind": "cron", "expression": "0 9 * * *"}]), **fields}
    return service.create_task(service.build_spec(data), actor=actor)


# --- the nine checks of issue 11 -----------------------------------------------------------------

def test_a_member_cant_listen_to_another_members_task_outcome(team: Service) -> None:
    secret = _task(team, A, "ana-backup")
    for event in (f"task.completed:{secret.task_id}", "task.failed:ana-backup", f"task.failed:{secret.task_id}"):
        with pytest.raises(NotFound):
            _task(team, B, f"spy-{event[-3:]}", triggers=[{"kind": "event", "event": event}])


def _fail(store: Store, task: Task, error: str, now) -> None:
    run = store.add_run(NewRun(task_id=task.task_id, status=RunStatus.PENDING, reason=RunReason.MANUAL,
                               due_at=now), now=now)
    store.claim_due_runs(owner="w", now=now, lease_until=now + timedelta(minutes=1))
    store.finish_runs([RunOutcome(run_id=run.run_id, task_id=task.task_id, status=RunStatus.FAILED,
                                  finished_at=now, error=error)], owner="w", now=now)


def test_the_any_task_failed_event_reaches_only_the_owners_and_admins_listeners(team: Service, store: Store) -> None:
    ana_task = _task(team, A, "ana-job")
    ben_spy = _task(team, B, "ben-spy", triggers=[{"kind": "event", "event": "task.failed"}])
    ana_own = _task(team, A, "ana-alerts", triggers=[{"kind": "event", "event": "task.failed"}])
    admin = _task(team, Actor("ada", Role.ADMIN), "ada-alerts", triggers=[{"kind": "event", "event": "task.failed"}])
    _fail(store, ana_task, "password=hunter2 rejected", team.clock.now())
    fired = {r.task_id for r in store.list_runs(limit=100) if r.reason == RunReason.EVENT}
    assert fired == {ana_own.task_id, admin.task_id}
    assert ben_spy.task_id not in fired


def test_members_cant_list_webhooks(team: Service) -> None:
    team.create_webhook("deploy.done", actor=ROOT)
    with pytest.raises(PermissionDenied):
        team.list_webhooks(actor=A)
    assert team.list_webhooks(actor=ROOT) == ["deploy.done"]


def test_a_members_writing_sql_waits_for_an_admin(team: Service) -> None:
    task = _task(team, A, "purge", {"kind": "sql", "database": "app", "statement": "delete from t",
                                    "allow_writes": True})
    assert task.status == TaskStatus.PENDING_APPROVAL
    assert "admin" in task.origin["waits_for"]
    with pytest.raises(PermissionDenied, match="admin"):
        team.approve_task("purge", actor=A)
    assert team.approve_task("purge", actor=Actor("ada", Role.ADMIN)).status == TaskStatus.ACTIVE
    readonly = _task(team, A, "count", {"kind": "sql", "database": "app", "statement": "select 1"})
    assert readonly.status == TaskStatus.ACTIVE


def test_a_members_shell_and_internal_http_wait_and_a_condition_that_runs_code_too(team: Service) -> None:
    team.task_quota = TaskQuota()
    shell = _task(team, A, "backup", {"kind": "shell", "argv": ["./backup.sh"], "cwd": "/tmp"})
    internal = _task(team, A, "reset", {"kind": "http", "url": "http://intranet.example/reset"})
    private = _task(team, A, "router", {"kind": "http", "url": "http://192.168.1.1/"})
    public = _task(team, A, "site", {"kind": "http", "url": "https://example.com/"})
    check = _task(team, A, "when-up", {"kind": "reminder", "message": "up"},
                  triggers=[{"kind": "condition", "every": 300, "check": {"kind": "shell", "argv": ["true"]}}])
    assert [t.status for t in (shell, internal, private, check)] == [TaskStatus.PENDING_APPROVAL] * 4
    assert public.status == TaskStatus.ACTIVE
    operator = Actor("otto", Role.OPERATOR)
    team.add_person("otto", role="operator", actor=ROOT)
    assert _task(team, operator, "op-backup", {"kind": "shell", "argv": ["true"]}).status == TaskStatus.ACTIVE


def test_a_manager_who_turns_a_shared_task_into_shell_sends_it_back_for_approval(team: Service) -> None:
    team.create_group("ops", actor=ROOT)
    team.set_group_member("ops", "ben", member=True, actor=ROOT)
    _task(team, A, "notify", {"kind": "reminder", "message": "hi"})
    team.share_task("notify", "ops", "manage", actor=A)
    changed = team.update_task("notify", {"action": {"kind": "shell", "argv": ["rm", "-rf", "/"]}}, actor=B)
    assert changed.status == TaskStatus.PENDING_APPROVAL


def test_an_ai_run_cant_start_or_resume_what_it_created(team: Service, store: Store) -> None:
    parent = _task(team, A, "ai-parent", {"kind": "ai", "prompt": "hi"})
    run = store.add_run(NewRun(task_id=parent.task_id, status=RunStatus.PENDING, reason=RunReason.MANUAL,
                               due_at=team.clock.now()), now=team.clock.now())
    ai = Actor("ana", Role.MEMBER, ai_run_id=run.run_id)
    made = _task(team, ai, "ai-made", {"kind": "email", "to": ["x@example.com"], "subject": "s", "body": "b"})
    with pytest.raises(PermissionDenied):
        team.run_now(str(made.task_id), actor=ai)
    team.pause_task(str(made.task_id), actor=ai)
    with pytest.raises(PermissionDenied):
        team.resume_task(str(made.task_id), actor=ai)
    assert store.list_runs(task_id=made.task_id) == []


def test_a_member_emitting_an_event_fires_only_their_own_listeners(team: Service, store: Store) -> None:
    admin_task = _task(team, Actor("ada", Role.ADMIN), "deploy-prod", triggers=[{"kind": "event", "event": "go.now"}])
    own = _task(team, A, "ana-listener", triggers=[{"kind": "event", "event": "go.now"}])
    released = team.emit("go.now", actor=A)
    assert {r.task_id for r in released.runs} == {own.task_id}
    assert {r.task_id for r in team.emit("go.now", actor=ROOT).runs} == {own.task_id, admin_task.task_id}


def test_tasks_an_ai_run_makes_from_fetched_data_are_marked_and_held(team: Service, store: Store) -> None:
    parent = _task(team, A, "digest", {"kind": "ai", "prompt": "digest"})
    run = store.add_run(NewRun(task_id=parent.task_id, status=RunStatus.PENDING, reason=RunReason.MANUAL,
                               due_at=team.clock.now()), now=team.clock.now())
    ai = Actor("ana", Role.MEMBER, ai_run_id=run.run_id, origin={"via": "ai", "fetched": "https://evil.example/"})
    phish = _task(team, ai, "verify", {"kind": "reminder", "message": "verify your account at https://evil.example"})
    assert phish.status == TaskStatus.PENDING_APPROVAL
    assert phish.origin["from_fetched_data"] == "https://evil.example/"
    assert "fetched" not in phish.origin
    assert team.approve_task(str(phish.task_id), actor=A).status == TaskStatus.ACTIVE  # its owner confirms
    plain = Actor("ana", Role.MEMBER, ai_run_id=run.run_id, origin={"via": "ai"})
    assert _task(team, plain, "plain", {"kind": "reminder", "message": "stretch"}).status == TaskStatus.ACTIVE


# --- roles take effect at once ------------------------------------------------------------------

def test_demotion_and_removal_take_effect_on_the_next_call(team: Service) -> None:
    _task(team, A, "mine")
    token_session = Actor("ana", Role.MEMBER)  # e.g. an API token issued while ana was a member
    version = team.access_version("ana")
    team.set_role("ana", "viewer", actor=ROOT)
    assert team.access_version("ana") != version
    with pytest.raises(PermissionDenied, match="viewers"):
        team.pause_task("mine", actor=token_session)
    assert team.check_actor(token_session).role == Role.VIEWER
    assert [t.name for t in team.list_tasks(actor=token_session)] == ["mine"]
    team.remove_person("ana", actor=ROOT)
    with pytest.raises(PermissionDenied, match="no longer has access"):
        team.list_tasks(actor=token_session)
    assert team.access_version("ana") == "removed"
    assert [e["action"] for e in team.audit(actor=ROOT, person="ana", actions=["access"])] == ["access"]


def test_the_last_admin_stays_and_listed_admins_are_changed_in_settings(store: Store, clock: FakeClock, tmp_path: Path) -> None:
    from scheduler.people import AccessPolicy

    service = Service(store, clock=clock, access_policy=AccessPolicy(admins=frozenset({"slack:UADMIN"})),
                      secret_box=SecretBox(key_file=tmp_path / "k"))
    service.add_person("ada", role="admin", actor=ROOT)
    with pytest.raises(Conflict, match="last admin"):
        service.set_role("ada", "member", actor=ROOT)
    listed = service.people.identify("slack", "UADMIN")
    with pytest.raises(Conflict, match="CRONPILOT_ADMINS"):
        service.set_role(listed.user_id, "member", actor=ROOT)
    assert service.set_role("ada", "member", actor=ROOT)[1].role == "member"


def test_removed_people_get_no_new_account_from_open_signup(team: Service) -> None:
    team.add_person("sam", role="member", slack="U0SAM", actor=ROOT)
    team.remove_person("sam", actor=ROOT)
    assert "removed" in team.people.identify("slack", "U0SAM").reason


def test_only_admins_manage_people_and_a_viewer_changes_nothing(team: Service) -> None:
    team.add_person("vic", role="viewer", actor=ROOT)
    vic = Actor("vic", Role.VIEWER)
    with pytest.raises(PermissionDenied):
        team.add_person("eve", role="admin", actor=A)
    with pytest.raises(PermissionDenied):
        team.set_role("ana", "admin", actor=A)
    with pytest.raises(PermissionDenied):
        _task(team, vic, "nope")
    assert {p.user_id for p in team.list_people(actor=vic)} >= {"ana", "ben", "vic"}


# --- quotas ---------------------------------------------------------------------------------------

def test_a_person_has_a_task_quota_with_a_friendly_refusal(team: Service, clock: FakeClock) -> None:
    for i in range(4):
        _task(team, A, f"r{i}")
    with pytest.raises(PermissionDenied, match="last hour"):
        _task(team, A, "r4")
    clock.advance(timedelta(hours=2))
    _task(team, A, "r4")
    with pytest.raises(PermissionDenied, match="5 tasks"):
        _task(team, A, "r5")
    for i in range(6):  # admins aren't held to it
        _task(team, ROOT, f"admin{i}")


# --- the audit trail ------------------------------------------------------------------------------

def test_edits_are_audited_with_who_via_and_before_after(team: Service) -> None:
    _task(team, A, "standup", {"kind": "reminder", "message": "standup"})
    team.update_task("standup", {"action": {"kind": "reminder", "message": "stand-up at 9"}}, actor=A)
    team.pause_task("standup", actor=ROOT)
    pause, edit, create = team.audit(actor=A, task="standup")[:3]
    assert (pause["action"], pause["actor"], pause["via"]) == ("pause_task", "root", "cli")
    assert pause["before"] == {"status": "active"} and pause["after"] == {"status": "paused"}
    assert (edit["action"], edit["via"]) == ("update_task", "chat:slack")
    assert edit["before"]["action"]["message"] == "standup"
    assert edit["after"]["action"]["message"] == "stand-up at 9"
    assert create["action"] == "create_task"
    assert team.audit(actor=B, task=None) == [] or all(e["actor"] == "ben" for e in team.audit(actor=B))


def test_run_now_cancel_sign_in_and_tokens_are_audited(team: Service) -> None:
    _task(team, A, "job")
    run = team.run_now("job", actor=A)
    team.cancel_run(run.run_id, actor=A)
    team.record_sign_in(A, how="dashboard")
    team.record_token(ROOT, action="token_created", user="ana", label="ci", token_id=7)
    actions = [e["action"] for e in team.audit(actor=ROOT, limit=10)]
    assert actions[:4] == ["token_created", "sign_in", "cancel_run", "run_now"]


def _tamper(store: Store, audit_id: int) -> None:
    with store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE audit SET target = 'nothing to see' WHERE audit_id = :i"), {"i": audit_id})


def test_the_audit_chain_reports_the_first_broken_link(team: Service, store: Store) -> None:
    for i in range(3):
        _task(team, A, f"job{i}")
    checked, broken = team.verify_audit(actor=ROOT)
    assert broken is None and checked >= 6
    entries = sorted(e["audit_id"] for e in team.audit(actor=ROOT, limit=100))
    _tamper(store, entries[3])
    assert team.verify_audit(actor=ROOT) == (3, entries[3])
    with store.engine.begin() as conn:  # deleting an entry breaks the next one's link
        conn.execute(sa.text("DELETE FROM audit WHERE audit_id = :i"), {"i": entries[1]})
    assert team.verify_audit(actor=ROOT)[1] == entries[2]
    with pytest.raises(PermissionDenied):
        team.verify_audit(actor=A)


def test_the_audit_trail_pages_back_by_id_within_what_the_reader_may_see(team: Service, store: Store) -> None:
    for i in range(7):
        _task(team, A if i % 2 else B, f"job{i}")
    everything = [e["audit_id"] for e in team.audit(actor=ROOT, limit=1000)]
    first = team.audit_page(actor=ROOT, limit=3, verify=True)
    assert [e["audit_id"] for e in first.entries] == everything[:3] and first.older == everything[2]
    assert first.chain is not None and first.chain.broken_at is None and first.chain.checked == len(everything)
    second = team.audit_page(actor=ROOT, limit=3, before_id=first.older, show_check=True)
    assert [e["audit_id"] for e in second.entries] == everything[3:6]
    assert second.chain == first.chain  # the last walk's result, not walked again
    last = team.audit_page(actor=ROOT, limit=100, before_id=everything[-2])
    assert [e["audit_id"] for e in last.entries] == everything[-1:] and last.older is None
    anas = team.audit_page(actor=A, limit=100)
    assert anas.entries and {e["actor"] for e in anas.entries} == {"ana"} and anas.chain is None
    with pytest.raises(PermissionDenied):
        team.audit_page(actor=A, verify=True)


def test_concurrent_audit_writers_keep_one_chain(store: Store, clock: FakeClock) -> None:
    """Eight threads append at once (on PostgreSQL each its own connection): the chain stays a
    single line, no two entries on the same predecessor."""
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(15):
                store.add_audit(at=clock.now(), actor=f"w{n}", action="x", decision="allowed", target=str(i))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    checked, broken = store.verify_audit()
    assert (checked, broken) == (120, None)
    prevs = [e["prev_hash"] for e in store.list_audit(limit=1000)]
    assert len(set(prevs)) == len(prevs)


def test_supabase_row_level_security_covers_the_access_tables() -> None:
    from scheduler import supabase
    from scheduler.store.tables import metadata

    assert {"groups", "group_members", "task_shares"} <= set(supabase.TABLES)
    assert set(metadata.tables) <= set(supabase.TABLES)
