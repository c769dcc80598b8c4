"""The dashboard's approvals, audit and people pages, the run log stream and the task page's DST
notes, over HTTP (FastAPI's test client, a real SQLite store): what each role sees, that the page's
buttons do what the service allows and hand-made requests are refused as the service refuses them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from connectors.dashboard import dashboard_router
from connectors.web import build_api
from scheduler.clock import FakeClock
from scheduler.errors import NotFound, PermissionDenied
from scheduler.models import RunStatus, TaskStatus
from scheduler.service import Actor, Role, Service
from scheduler.store import RunOutcome, Store
from scheduler.store.tables import audit

OWNER = Actor("owner", Role.ADMIN)
MO = Actor("mo", Role.MEMBER)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(f"sqlite:///{tmp_path / 'dash.db'}")
    yield s
    s.close()


@pytest.fixture
def service(store: Store, clock: FakeClock, tmp_path: Path) -> Service:
    service = Service(store, clock=clock, default_timezone="UTC", local_user="owner")
    service.pages.live_log_dir = tmp_path / "logs"
    service.add_person("ana", role="admin", actor=OWNER, display_name="Ana")
    service.add_person("mo", role="member", actor=OWNER, display_name="Mo")
    service.add_person("vi", role="viewer", actor=OWNER, display_name="Vi")
    return service


@pytest.fixture
def client(service: Service) -> Iterator[TestClient]:
    with TestClient(build_api([dashboard_router(service)]), base_url="http://testserver") as c:
        yield c


def _as(client: TestClient, service: Service, user: str) -> str:
    """Sign ``client`` in as ``user``; their CSRF token."""
    client.cookies.clear()
    response = client.post("/dashboard/signin", data={"token": service.web.issue_link(user)}, follow_redirects=False)
    assert response.status_code == 303
    return client.get("/dashboard/").text.split('data-csrf="', 1)[1].split('"', 1)[0]


def _shell_by_mo(service: Service, name: str = "cleanup") -> int:
    spec = service.build_spec({"name": name, "action": {"kind": "shell", "argv": ["rm", "-rf", "/tmp/old"]},
                               "triggers": [{"kind": "cron", "expression": "0 3 * * *"}]})
    task = service.create_task(spec, actor=MO)
    assert task.status == TaskStatus.PENDING_APPROVAL  # a member's shell task waits for an admin
    return task.task_id


def _noop_by_mo(service: Service) -> int:
    spec = service.build_spec({"name": "hello", "action": {"kind": "reminder", "message": "hi"},
                               "triggers": [{"kind": "cron", "expression": "0 9 * * *"}]})
    return service.create_task(spec, actor=MO, status=TaskStatus.PENDING_APPROVAL).task_id


# --- approvals -------------------------------------------------------------------------------------


def test_an_admin_sees_what_a_waiting_task_would_do_and_approves_it(client: TestClient, service: Service) -> None:
    task_id = _shell_by_mo(service)
    csrf = _as(client, service, "ana")
    page = client.get("/dashboard/approvals").text
    assert "cleanup" in page and "rm -rf /tmp/old" in page and "at 03:00" in page
    assert f'action="/dashboard/approvals/{task_id}/approve"' in page
    assert f'action="/dashboard/approvals/{task_id}/reject"' in page
    # Without the form token: refused, nothing changed.
    assert client.post(f"/dashboard/approvals/{task_id}/approve").status_code == 403
    assert service.get_task(task_id).status == TaskStatus.PENDING_APPROVAL
    done = client.post(f"/dashboard/approvals/{task_id}/approve", data={"csrf": csrf}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/dashboard/approvals"
    approved = service.get_task(task_id)
    assert approved.status == TaskStatus.ACTIVE and approved.approved_by == "ana"
    entry = service.audit(actor=OWNER, limit=1)[0]
    assert (entry["actor"], entry["action"], entry["via"]) == ("ana", "approve_task", "dashboard")
    assert "cleanup" not in client.get("/dashboard/approvals").text


def test_a_member_gets_the_buttons_the_service_allows_and_a_forged_approval_is_refused(
    client: TestClient, service: Service
) -> None:
    shell_id, own_id = _shell_by_mo(service), _noop_by_mo(service)
    csrf = _as(client, service, "mo")
    page = client.get("/dashboard/approvals").text
    # Their own shell task: an admin must approve it; they may still withdraw it.
    assert f"/approvals/{shell_id}/approve" not in page and f"/approvals/{shell_id}/reject" in page
    assert "needs an admin&#39;s approval (it runs a shell command)" in page
    # Their own reminder: theirs to approve.
    assert f"/approvals/{own_id}/approve" in page
    forged = client.post(f"/dashboard/approvals/{shell_id}/approve", headers={"X-CSRF-Token": csrf,
                                                                               "Accept": "application/json"})
    assert forged.status_code == 403 and "needs an admin" in forged.json()["error"]
    assert service.get_task(shell_id).status == TaskStatus.PENDING_APPROVAL
    ok = client.post(f"/dashboard/approvals/{own_id}/approve", headers={"X-CSRF-Token": csrf,
                                                                         "Accept": "application/json"})
    assert ok.status_code == 200 and ok.json()["ok"]
    assert service.get_task(own_id).status == TaskStatus.ACTIVE


def test_a_viewer_sees_no_buttons_and_their_forged_requests_are_refused_visibility_first(
    client: TestClient, service: Service, store: Store
) -> None:
    others = _shell_by_mo(service)
    store.set_role("vi", "member")  # made while Vi was a member (a viewer makes nothing)
    own = service.create_task(service.build_spec({"name": "vis", "action": {"kind": "noop"}}),
                              actor=Actor("vi", Role.MEMBER), status=TaskStatus.PENDING_APPROVAL)
    store.set_role("vi", "viewer")
    csrf = _as(client, service, "vi")
    page = client.get("/dashboard/approvals").text
    assert "vis" in page and "cleanup" not in page  # only what they can see
    assert "/approve" not in page and "/reject" not in page
    headers = {"X-CSRF-Token": csrf, "Accept": "application/json"}
    mine = client.post(f"/dashboard/approvals/{own.task_id}/approve", headers=headers)
    assert mine.status_code == 403 and "viewers" in mine.json()["error"]
    hidden = client.post(f"/dashboard/approvals/{others}/reject", headers=headers)
    assert hidden.status_code == 404  # a task they can't see: not found, nothing revealed
    assert client.post(f"/dashboard/approvals/{others}/bless", headers=headers).status_code == 404
    assert service.get_task(own.task_id).status == TaskStatus.PENDING_APPROVAL
    assert service.get_task(others).status == TaskStatus.PENDING_APPROVAL


def test_a_waiting_workflow_is_one_item_with_its_steps_and_approving_it_approves_them(
    client: TestClient, service: Service
) -> None:
    workflow = service.create_workflow("deploy", [
        {"name": "build", "action": {"kind": "shell", "argv": ["make"]}},
        {"name": "ship", "action": {"kind": "shell", "argv": ["./ship.sh", "--prod"]}, "after": ["build"]},
    ], actor=MO)
    head = workflow.head.task_id
    assert service.get_task(head).status == TaskStatus.PENDING_APPROVAL
    approvals = service.approvals(actor=Actor("ana", Role.ADMIN))
    assert [a.task.task_id for a in approvals] == [head]
    assert sorted(t.name for t in approvals[0].steps) == ["deploy/build", "deploy/ship"]
    csrf = _as(client, service, "ana")
    page = client.get("/dashboard/approvals").text
    assert "./ship.sh --prod" in page and page.count('class="card approval"') == 1
    done = client.post(f"/dashboard/approvals/{head}/approve", headers={"X-CSRF-Token": csrf,
                                                                        "Accept": "application/json"})
    assert done.status_code == 200
    assert {t.status for t in workflow.steps.values() for t in [service.get_task(t.task_id)]} == {TaskStatus.ACTIVE}


def test_the_approvals_screen_reads_the_same_few_times_however_many_wait(service: Service, store: Store) -> None:
    """One read of the person's role and one of every waiting workflow's steps for the whole
    screen, not a few per waiting task (50 waiting took 236 ms on PostgreSQL that way)."""
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    def reads_for_screen() -> int:
        statements.clear()
        sa.event.listen(store.engine, "before_cursor_execute", count)
        try:
            service.approvals(actor=Actor("ana", Role.ADMIN))
        finally:
            sa.event.remove(store.engine, "before_cursor_execute", count)
        return len(statements)

    _shell_by_mo(service, "one")
    service.create_workflow("deploy", [{"name": "build", "action": {"kind": "shell", "argv": ["make"]}}], actor=MO)
    few = reads_for_screen()
    for i in range(8):
        _shell_by_mo(service, f"more-{i}")
    service.create_workflow("report", [{"name": "gather", "action": {"kind": "shell", "argv": ["gather"]}}], actor=MO)
    assert len(service.approvals(actor=Actor("ana", Role.ADMIN))) == 11
    assert reads_for_screen() == few


def test_turning_down_a_waiting_task_deletes_it(client: TestClient, service: Service) -> None:
    task_id = _shell_by_mo(service)
    csrf = _as(client, service, "ana")
    done = client.post(f"/dashboard/approvals/{task_id}/reject", headers={"X-CSRF-Token": csrf,
                                                                          "Accept": "application/json"})
    assert done.status_code == 200 and "turned down" in done.json()["message"]
    with pytest.raises(NotFound):
        service.get_task(task_id)


# --- audit -----------------------------------------------------------------------------------------


def test_the_audit_page_pages_back_newest_first_and_shows_the_chain_check(
    client: TestClient, service: Service, store: Store
) -> None:
    task = service.create_task(service.build_spec({"name": "ping", "action": {"kind": "noop"}}), actor=OWNER)
    for _ in range(30):
        service.pause_task("ping", actor=OWNER)
        service.resume_task("ping", actor=OWNER)
    _as(client, service, "ana")
    first = client.get("/dashboard/audit").text
    ids = [int(part.split('"', 1)[0]) for part in first.split('data-audit-id="')[1:]]
    assert len(ids) == 50 and ids == sorted(ids, reverse=True)
    assert "hasn't been checked" in first and "resume_task" in first  # walked only when asked
    assert "Hash chain checks" in client.get("/dashboard/audit?check=1").text
    assert "status: paused → active" in first  # the change, before → after
    older = client.get(f"/dashboard/audit?before={ids[-1]}").text
    older_ids = [int(part.split('"', 1)[0]) for part in older.split('data-audit-id="')[1:]]
    assert older_ids and max(older_ids) < ids[-1]
    # Someone edits an entry in the database: the page says where the chain breaks.
    with store.db.write() as conn:
        conn.execute(sa.update(audit).where(audit.c.audit_id == ids[10]).values(actor="nobody"))
    assert "Hash chain checks" in client.get("/dashboard/audit").text  # the last check, until asked again
    assert f"broken at entry #{ids[10]}" in client.get("/dashboard/audit?check=1").text
    assert task.task_id


def test_a_member_reads_their_own_audit_entries_without_the_chain_check(
    client: TestClient, service: Service
) -> None:
    service.create_task(service.build_spec({"name": "admins-own", "action": {"kind": "noop"}}), actor=OWNER)
    _noop_by_mo(service)
    _as(client, service, "mo")
    page = client.get("/dashboard/audit").text
    assert "hello" in page and "admins-own" not in page
    assert "Hash chain" not in page and "Check the chain" not in page
    assert client.get("/dashboard/audit?check=1").status_code == 403  # an admin's check (audited)


# --- people ----------------------------------------------------------------------------------------


def test_an_admin_changes_a_role_from_the_people_page_and_the_demoted_session_ends(
    service: Service,
) -> None:
    api = build_api([dashboard_router(service)])
    with TestClient(api, base_url="http://testserver") as admin, TestClient(api, base_url="http://testserver") as mo:
        csrf = _as(admin, service, "ana")
        _as(mo, service, "mo")
        page = admin.get("/dashboard/people").text
        assert 'data-user="mo"' in page and "Mo" in page and 'name="role"' in page
        assert admin.post("/dashboard/people/role", data={"user": "mo", "role": "viewer"}).status_code == 403
        bad = admin.post("/dashboard/people/role", data={"csrf": csrf, "user": "mo", "role": "king"})
        assert bad.status_code == 400 and "unknown role" in bad.text
        done = admin.post("/dashboard/people/role", data={"csrf": csrf, "user": "mo", "role": "viewer"},
                          follow_redirects=False)
        assert done.status_code == 303
        assert service.find_person("mo", actor=OWNER).role == "viewer"
        # Mo's open session ends with the demotion: the next page goes to sign-in.
        again = mo.get("/dashboard/", follow_redirects=False)
        assert again.status_code == 303 and again.headers["location"] == "/dashboard/signin"


def test_people_is_an_admins_page_and_a_forged_role_change_is_refused(client: TestClient, service: Service) -> None:
    csrf = _as(client, service, "mo")
    assert 'href="/dashboard/people"' not in client.get("/dashboard/").text
    assert client.get("/dashboard/people").status_code == 403
    forged = client.post("/dashboard/people/role", data={"csrf": csrf, "user": "mo", "role": "admin"})
    assert forged.status_code == 403
    assert service.find_person("mo", actor=OWNER).role == "member"


# --- the run log and the task page -------------------------------------------------------------------


def test_a_running_runs_log_is_read_as_it_grows_and_only_by_who_may_see_it(
    client: TestClient, service: Service, tmp_path: Path
) -> None:
    task = service.create_task(service.build_spec({"name": "talk", "action": {"kind": "noop"}}), actor=MO)
    run = service.run_now("talk", actor=MO)
    assert run.status == RunStatus.PENDING
    log = tmp_path / "logs" / f"{run.run_id}.log"
    log.parent.mkdir()
    log.write_bytes(b"first line\n")
    first = service.log_since(run.run_id, actor=MO)
    assert first.text == "first line\n" and first.offset == 11 and not first.ended
    with log.open("ab") as f:
        f.write("é".encode()[:1])  # half a character: not sent until whole
    half = service.log_since(run.run_id, actor=MO, offset=first.offset)
    assert half.text == "" and half.offset == first.offset
    with log.open("ab") as f:
        f.write("é".encode()[1:] + b" second\n")
    rest = service.log_since(run.run_id, actor=MO, offset=first.offset)
    assert rest.text == "é second\n"
    with pytest.raises(NotFound):
        service.log_since(run.run_id, actor=Actor("vi", Role.VIEWER))
    _as(client, service, "vi")
    assert client.get(f"/dashboard/runs/{run.run_id}/log").status_code == 404
    client.cookies.clear()
    assert client.get(f"/dashboard/runs/{run.run_id}/log").status_code == 401
    assert task.task_id


def test_the_log_stream_of_an_ended_run_sends_its_log_and_ends(
    client: TestClient, service: Service, store: Store, clock: FakeClock, tmp_path: Path
) -> None:
    service.create_task(service.build_spec({"name": "talk", "action": {"kind": "noop"}}), actor=MO)
    run = service.run_now("talk", actor=MO)
    kept = tmp_path / "kept.log"
    kept.write_text("hello from the run\n")
    now = clock.now()
    assert store.claim_run(run.run_id, owner="t", now=now, lease_until=now + timedelta(minutes=1))
    store.finish_runs([RunOutcome(run_id=run.run_id, task_id=run.task_id, status=RunStatus.COMPLETED,
                                  finished_at=now, log_path=str(kept))], owner="t", now=now)
    _as(client, service, "mo")
    with client.stream("GET", f"/dashboard/runs/{run.run_id}/log") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        body = b"".join(response.iter_bytes()).decode()
    events = [block for block in body.split("\n\n") if block.startswith("event:")]
    assert len(events) == 2 and events[0].startswith("event: log") and events[1].startswith("event: end")
    assert json.loads(events[0].split("data: ", 1)[1]) == {"text": "hello from the run\n", "start": 0, "offset": 19}


def test_the_task_page_lists_the_next_fires_with_dst_notes(store: Store, tmp_path: Path) -> None:
    clock = FakeClock(datetime(2027, 3, 20, 12, 0, tzinfo=UTC))
    service = Service(store, clock=clock, default_timezone="Europe/Berlin", local_user="owner")
    task = service.create_task(service.build_spec({
        "name": "half-past-two", "action": {"kind": "noop"}, "timezone": "Europe/Berlin",
        "triggers": [{"kind": "cron", "expression": "30 2 * * *"}]}), actor=OWNER)
    fires, ahead = service.fires_with_notes(task, count=10)
    noted = [f for f in fires if f.notes]
    assert len(fires) == 10 and len(noted) == 1 and ahead == ()
    assert noted[0].at == datetime(2027, 3, 28, 1, 0, tzinfo=UTC)  # 03:00 CEST: the gap's end
    assert "02:30 doesn't exist" in noted[0].notes[0] and "happens at 03:00" in noted[0].notes[0]
    with TestClient(build_api([dashboard_router(service)]), base_url="http://testserver") as c:
        c.post("/dashboard/signin", data={"token": service.web.issue_local_link()})
        page = c.get(f"/dashboard/tasks/{task.task_id}").text
    assert "clocks go forward" in page


def test_a_skipped_fire_is_noted_below_the_list(store: Store) -> None:
    clock = FakeClock(datetime(2027, 3, 20, 12, 0, tzinfo=UTC))
    service = Service(store, clock=clock, default_timezone="Europe/Berlin", local_user="owner")
    task = service.create_task(service.build_spec({
        "name": "skip-it", "action": {"kind": "noop"}, "timezone": "Europe/Berlin",
        "triggers": [{"kind": "cron", "expression": "30 2 * * *", "dst": {"skipped": "skip"}}]}), actor=OWNER)
    fires, ahead = service.fires_with_notes(task, count=10)
    assert not any(f.notes for f in fires)
    assert all(f.at.astimezone(task.zone).day != 28 for f in fires)
    assert len(ahead) == 1 and "that run is skipped" in ahead[0]


def test_only_people_can_approve_not_ai_runs(service: Service) -> None:
    task_id = _noop_by_mo(service)
    task = service.get_task(task_id)
    _steps, refusal, may_reject = service.approval_outlook(task, actor=Actor("mo", Role.MEMBER, ai_run_id=5))
    assert refusal and "not an AI run" in refusal and not may_reject
    with pytest.raises(PermissionDenied):
        service.approve_task(str(task_id), actor=Actor("mo", Role.MEMBER, ai_run_id=5))


# --- live refreshes of the busy views ---------------------------------------------------------------


def test_a_live_refresh_of_a_busy_view_is_rendered_once_for_every_admin_until_the_feed_moves(
    service: Service, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With 100 pages on the tasks list, each change made serve render it 100 times beside the
    engine. Admins refreshing the same view after the same change now share one render (each
    with their own CSRF token); a change read by the feed since makes the next one fresh."""
    from connectors.dashboard import LiveFeed
    from scheduler.service_views import Cursor

    feed = LiveFeed(service)
    feed.version = Cursor(run_event=1)  # as while a page's stream is open
    reads: list[str] = []
    task_page = service.task_page

    def counted(**kwargs):  # type: ignore[no-untyped-def]
        reads.append(kwargs["actor"].user)
        return task_page(**kwargs)

    service.create_task(service.build_spec({"name": "ping", "action": {"kind": "noop"}}), actor=OWNER)
    service.add_person("zed", role="admin", actor=OWNER, display_name="Zed")
    with TestClient(build_api([dashboard_router(service, feed=feed)]), base_url="http://testserver") as client:

        def refresh(user: str, live: bool = True) -> tuple[str, str]:
            """(the page's answer, the user's CSRF token), signed in as ``user``."""
            csrf = _as(client, service, user)
            monkeypatch.setattr(service, "task_page", counted)
            try:
                answer = client.get("/dashboard/", headers={"X-Live": "1"} if live else {})
            finally:
                monkeypatch.setattr(service, "task_page", task_page)
            assert answer.status_code == 200
            return answer.text, csrf

        first, ana_csrf = refresh("ana")
        second, zed_csrf = refresh("zed")
        assert reads == ["ana"]  # one render for both admins
        assert first.startswith('<main id="live">') and "<header" not in first  # the part swapped in
        assert ana_csrf in first and zed_csrf in second and ana_csrf not in second
        assert first.replace(ana_csrf, "T") == second.replace(zed_csrf, "T")
        refresh("mo")  # another role (and person): a render of its own
        assert reads == ["ana", "mo"]
        feed.version = Cursor(run_event=2)  # the feed read a change: the view is read again
        refresh("zed")
        assert reads == ["ana", "mo", "zed"]
        refresh("zed", live=False)  # a page load (no X-Live) is always its own
        assert reads == ["ana", "mo", "zed", "zed"]
