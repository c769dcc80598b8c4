"""The dashboard over HTTP (FastAPI's test client, a real SQLite store): who gets in, what each
role sees and may do, CSRF, pages with filters and pagination, and the change feed."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from connectors.dashboard import LiveFeed, dashboard_router
from connectors.web import build_api
from scheduler.clock import FakeClock
from scheduler.models import TaskStatus
from scheduler.service import Actor, Role, Service
from scheduler.service_views import Cursor
from scheduler.store import Store

OWNER = Actor("owner", Role.ADMIN)
PAGES = ["/dashboard/", "/dashboard/tasks/1", "/dashboard/runs", "/dashboard/runs/1", "/dashboard/workflows",
         "/dashboard/workflows/2", "/dashboard/stats"]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(f"sqlite:///{tmp_path / 'dash.db'}")
    yield s
    s.close()


@pytest.fixture
def service(store: Store, clock: FakeClock) -> Service:
    service = Service(store, clock=clock, default_timezone="UTC", local_user="owner")
    service.create_task(service.build_spec({"name": "ping", "action": {"kind": "noop"},
                                            "triggers": [{"kind": "cron", "expression": "*/5 * * * *"}]}),
                        actor=OWNER)
    service.create_workflow("diamond", [
        {"name": "A", "action": {"kind": "noop"}},
        {"name": "B", "action": {"kind": "noop"}, "after": ["A"]},
        {"name": "C", "action": {"kind": "noop"}, "after": ["A"]},
        {"name": "D", "action": {"kind": "noop"}, "after": ["B", "C"]},
    ], actor=OWNER)
    service.run_now("ping", actor=OWNER)
    return service


@pytest.fixture
def client(service: Service) -> Iterator[TestClient]:
    with TestClient(build_api([dashboard_router(service)]), base_url="http://testserver") as c:
        yield c


def _sign_in(client: TestClient, token: str) -> str:
    response = client.post("/dashboard/signin", data={"token": token}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/dashboard/"
    return response.headers["set-cookie"]


def _csrf(client: TestClient) -> str:
    html = client.get("/dashboard/").text
    return html.split('data-csrf="', 1)[1].split('"', 1)[0]


def test_without_a_session_pages_send_to_sign_in_and_stream_and_actions_are_refused(
    client: TestClient, service: Service
) -> None:
    for path in PAGES:
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"] == "/dashboard/signin"
        assert "ping" not in response.text
    assert client.get("/dashboard/events").status_code == 401
    client.cookies.set("cronpilot_session", "forged", path="/dashboard")
    assert client.get("/dashboard/events").status_code == 401
    assert client.post("/dashboard/tasks/1/pause", headers={"X-CSRF-Token": "x"}).status_code == 401
    assert service.get_task("ping").status == TaskStatus.ACTIVE


def test_the_link_page_only_offers_a_button_and_the_session_cookie_is_locked_down(
    client: TestClient, service: Service
) -> None:
    token = service.web.issue_local_link()
    page = client.get(f"/dashboard/signin?token={token}")
    assert page.status_code == 200 and 'id="signin-form"' in page.text
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "script-src 'self'" in page.headers["content-security-policy"]
    cookie = _sign_in(client, token)  # the GET above did not use the link up
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/dashboard" in cookie
    assert "Secure" not in cookie  # plain http on loopback
    again = client.post("/dashboard/signin", data={"token": token}, follow_redirects=False)
    assert again.status_code == 401


def test_over_https_the_cookie_is_secure(service: Service) -> None:
    with TestClient(build_api([dashboard_router(service)]), base_url="https://testserver") as c:
        assert "Secure" in _sign_in(c, service.web.issue_local_link())


def test_every_page_renders_for_the_admin(client: TestClient, service: Service) -> None:
    _sign_in(client, service.web.issue_local_link())
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
    tasks = client.get("/dashboard/").text
    assert "ping" in tasks and "every 5 minutes" in tasks and "Run now" in tasks
    graph = client.get("/dashboard/workflows/2").text
    assert graph.count('class="edge"') == 4 and 'data-step="D"' in graph
    assert client.get("/dashboard/tasks/999").status_code == 404


def test_changes_need_the_session_csrf_token_and_nothing_changes_without_it(
    client: TestClient, service: Service
) -> None:
    _sign_in(client, service.web.issue_local_link())
    assert client.post("/dashboard/tasks/1/pause").status_code == 403
    assert client.post("/dashboard/tasks/1/pause", data={"csrf": "wrong"}).status_code == 403
    csrf = _csrf(client)
    cross = client.post("/dashboard/tasks/1/pause", headers={"X-CSRF-Token": csrf, "Origin": "https://evil.test"})
    assert cross.status_code == 403
    assert service.get_task("ping").status == TaskStatus.ACTIVE
    done = client.post("/dashboard/tasks/1/pause", data={"csrf": csrf}, follow_redirects=False)
    assert done.status_code == 303
    assert service.get_task("ping").status == TaskStatus.PAUSED
    twice = client.post("/dashboard/tasks/1/pause", headers={"X-CSRF-Token": csrf, "Accept": "application/json"})
    assert twice.status_code == 409 and "already paused" in twice.json()["error"]


def test_a_viewer_sees_no_actions_and_a_forged_change_is_refused(
    client: TestClient, service: Service, store: Store, clock: FakeClock
) -> None:
    # A viewer sees only their own tasks, like everywhere else: give them one to look at, made
    # while they were a member (the service caps a claimed role by the stored one, so a viewer
    # can't be made to create it).
    store.add_identity("slack", "V1", role="member", now=clock.now())
    viewer_task = service.create_task(service.build_spec({"name": "mine", "action": {"kind": "noop"}}),
                                      actor=Actor("slack:V1", Role.MEMBER))
    store.set_role("slack:V1", "viewer")
    _sign_in(client, service.web.issue_link("slack:V1"))
    page = client.get(f"/dashboard/tasks/{viewer_task.task_id}").text
    assert "mine" in page and "Run now" not in page and "Pause" not in page and "Delete" not in page
    assert "Run now" not in client.get("/dashboard/").text
    csrf = _csrf(client)
    forged = client.post(f"/dashboard/tasks/{viewer_task.task_id}/run",
                         headers={"X-CSRF-Token": csrf, "Accept": "application/json"})
    assert forged.status_code == 403 and "viewers" in forged.json()["error"]
    assert service.list_runs(task=str(viewer_task.task_id)) == []
    assert client.get("/dashboard/tasks/1").status_code == 404, "others' tasks stay invisible"


def test_a_demoted_member_is_signed_out_on_the_next_request(
    client: TestClient, service: Service, store: Store, clock: FakeClock
) -> None:
    store.add_identity("slack", "M1", role="member", now=clock.now())
    _sign_in(client, service.web.issue_link("slack:M1"))
    assert client.get("/dashboard/", follow_redirects=False).status_code == 200
    store.set_role("slack:M1", "viewer")
    assert client.get("/dashboard/", follow_redirects=False).status_code == 303


def test_sign_out_needs_the_token_and_ends_the_session(client: TestClient, service: Service) -> None:
    _sign_in(client, service.web.issue_local_link())
    csrf = _csrf(client)
    assert client.post("/dashboard/signout", follow_redirects=False).status_code == 403
    out = client.post("/dashboard/signout", data={"csrf": csrf}, follow_redirects=False)
    assert out.status_code == 303
    assert client.get("/dashboard/", follow_redirects=False).status_code == 303


def test_a_plain_form_post_from_the_page_is_accepted_though_its_origin_reads_null(
    client: TestClient, service: Service
) -> None:
    # Pages are sent with Referrer-Policy: no-referrer, under which browsers (Firefox and
    # Chromium alike) send "Origin: null" with a form posted without script, such as Sign out.
    # Sec-Fetch-Site tells where it came from; the session's token is still required.
    _sign_in(client, service.web.issue_local_link())
    csrf = _csrf(client)
    from_page = {"Origin": "null", "Sec-Fetch-Site": "same-origin"}
    assert client.post("/dashboard/tasks/1/pause", headers=from_page, follow_redirects=False).status_code == 403
    for elsewhere in ({"Origin": "null", "Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
                      {"Origin": "https://evil.test", "Sec-Fetch-Site": "same-origin"}):
        refused = client.post("/dashboard/tasks/1/pause", data={"csrf": csrf}, headers=elsewhere, follow_redirects=False)
        assert refused.status_code == 403 and "another site" in refused.text, elsewhere
    assert service.get_task("ping").status == TaskStatus.ACTIVE
    paused = client.post("/dashboard/tasks/1/pause", data={"csrf": csrf}, headers=from_page, follow_redirects=False)
    assert paused.status_code == 303
    assert service.get_task("ping").status == TaskStatus.PAUSED
    out = client.post("/dashboard/signout", data={"csrf": csrf}, headers=from_page, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/dashboard/signin"
    assert client.get("/dashboard/", follow_redirects=False).status_code == 303


def test_tasks_filter_search_and_paginate(client: TestClient, service: Service) -> None:
    for i in range(60):
        service.create_task(service.build_spec({"name": f"bulk-{i:02d}", "action": {"kind": "reminder", "message": "x"}}),
                            actor=OWNER)
    _sign_in(client, service.web.issue_local_link())
    first = client.get("/dashboard/").text
    assert "bulk-00" in first and "page 1 of 2" in first and "bulk-59" not in first
    assert "bulk-59" in client.get("/dashboard/?page=2").text
    found = client.get("/dashboard/?q=bulk-4").text
    assert "bulk-41" in found and "bulk-05" not in found and "ping" not in found
    kinds = client.get("/dashboard/?kind=noop").text
    assert "ping" in kinds and "bulk-01" not in kinds


def test_stats_show_the_services_numbers_with_the_per_task_table_a_page_at_a_time(
    client: TestClient, service: Service, store: Store, clock: FakeClock
) -> None:
    from datetime import timedelta

    from scheduler.store.tables import runs
    from scheduler.wording import elapsed_text

    for i in range(60):
        service.create_task(service.build_spec({"name": f"bulk-{i:02d}", "action": {"kind": "noop"}}), actor=OWNER)
    now = clock.now()
    rows = []
    for task in service.task_page(actor=OWNER, search="bulk-", limit=100).tasks:
        for k in range(3):
            start = now - timedelta(hours=k + 1)
            rows.append({"task_id": task.task_id, "status": "failed" if k == 0 and task.task_id % 7 == 0 else "completed",
                         "reason": "schedule", "attempt": 1, "due_at": start, "created_at": start, "started_at": start,
                         "finished_at": start + timedelta(seconds=task.task_id + k, microseconds=1234),
                         "cancel_requested": False, "chain_depth": 0})
    with store.engine.begin() as conn:
        conn.execute(runs.insert(), rows)
    overall, per_task = service.stats(actor=OWNER, since=now - timedelta(hours=24))
    assert len(per_task) > 50
    _sign_in(client, service.web.issue_local_link())
    first, second = client.get("/dashboard/stats").text, client.get("/dashboard/stats?page=2").text

    # the overall p95 of closed hours comes from their duration histograms: shown as approximate
    shown, _, total, _ = service.stats_page(actor=OWNER, since=now - timedelta(hours=24))
    assert shown.p95_approx and abs(shown.p95_duration_s - overall.p95_duration_s) <= 0.022 * overall.p95_duration_s
    for text in (first, second):
        assert f"<strong>{overall.runs}</strong>" in text and f"<strong>{overall.failed}</strong>" in text
        assert f">≈ {elapsed_text(timedelta(seconds=shown.p95_duration_s))}</strong>" in text
    # the list is every task the person sees, those without runs in the period too
    assert total == service.task_page(actor=OWNER, limit=1).total >= len(per_task)
    assert f"page 1 of 2 ({total} tasks)" in first
    listed = sorted(store.task_ids())
    for stats in per_task:
        page, other = (first, second) if listed.index(stats.task_id) < 50 else (second, first)
        row = page.split(f'href="/dashboard/tasks/{stats.task_id}">{stats.name}</a>', 1)[1].split("</tr>", 1)[0]
        assert f'<td data-label="p95">{elapsed_text(timedelta(seconds=stats.p95_duration_s))}</td>' in row
        assert f'<td data-label="Failed">{stats.failed}</td>' in row
        assert f'href="/dashboard/tasks/{stats.task_id}">{stats.name}</a></td>' not in other


def test_the_change_feed_sees_changes_made_by_another_process(service: Service, store: Store,
                                                              clock: FakeClock) -> None:
    cursor = service.change_cursor()
    assert service.changes_since(cursor).items == []
    other = Store(store.url)  # another process's connection to the same database
    try:
        other_service = Service(other, clock=clock)
        run = other_service.run_now("ping", actor=OWNER)
        other_service.pause_task("ping", actor=OWNER)
    finally:
        other.close()
    changes = service.changes_since(cursor)
    assert any(c.run_id == run.run_id and c.status == "pending" for c in changes.items)
    assert any(c.run_id is None and c.status == "paused" for c in changes.items)
    assert service.changes_since(changes.cursor).items == []
    assert service.changes_since(Cursor()).items  # from the start: everything


async def test_the_live_feed_fans_out_only_what_each_person_may_see(service: Service, store: Store,
                                                                    clock: FakeClock) -> None:
    store.add_identity("slack", "M2", role="member", now=clock.now())
    member = Actor("slack:M2", Role.MEMBER)
    theirs = service.create_task(service.build_spec({"name": "theirs", "action": {"kind": "noop"}}), actor=member)
    feed = LiveFeed(service, interval=0.05)
    admin_sub, member_sub = feed.subscribe(OWNER), feed.subscribe(member)
    try:
        await asyncio.sleep(0.2)  # the reader takes its starting cursor
        await asyncio.to_thread(service.run_now, "ping", actor=OWNER)
        await asyncio.to_thread(service.run_now, "theirs", actor=member)
        seen: list[int] = []
        while len(seen) < 2:
            seen += [c.task_id for c in (await asyncio.wait_for(admin_sub.queue.get(), 5)).changes]
        mine = (await asyncio.wait_for(member_sub.queue.get(), 5)).changes
        assert {c.task_id for c in mine} == {theirs.task_id}
        assert set(seen) >= {1, theirs.task_id}
    finally:
        await feed.close()
    assert feed.subscribers == 0


def test_times_read_in_the_viewers_own_zone_with_the_tasks_zone_beside_them(
    client: TestClient, service: Service, store: Store, clock: FakeClock
) -> None:
    store.add_identity("slack", "T1", role="member", now=clock.now())
    store.set_user_timezone("slack:T1", "Asia/Tokyo")
    mine = service.create_task(service.build_spec({
        "name": "standup", "action": {"kind": "noop"}, "timezone": "Europe/Berlin",
        "triggers": [{"kind": "cron", "expression": "0 9 * * *"}]}), actor=Actor("slack:T1", Role.MEMBER))
    _sign_in(client, service.web.issue_link("slack:T1"))
    fires = client.get(f"/dashboard/tasks/{mine.task_id}").text.split('class="fires"', 1)[1].split("</ol>", 1)[0]
    # 09:00 in Berlin is 17:00 in Tokyo in winter, 16:00 in summer: either way the viewer's
    # clock comes first and Berlin's is named beside it.
    assert "(09:00 Europe/Berlin)" in fires and ("17:00 (09:00" in fires or "16:00 (09:00" in fires), fires
    # Someone without a zone of their own reads the install's default (UTC here).
    store.set_user_timezone("slack:T1", None)
    fires = client.get(f"/dashboard/tasks/{mine.task_id}").text.split('class="fires"', 1)[1].split("</ol>", 1)[0]
    assert "08:00 (09:00 Europe/Berlin)" in fires or "07:00 (09:00 Europe/Berlin)" in fires, fires


def test_stats_show_runs_over_time_with_the_numbers(client: TestClient, service: Service, store: Store,
                                                    clock: FakeClock) -> None:
    import sqlalchemy as sa

    from scheduler.store.tables import runs

    now = clock.now()
    with store.db.write() as conn:
        conn.execute(sa.insert(runs), [
            {"task_id": 1, "status": status, "reason": "schedule", "attempt": 1, "due_at": now - ago,
             "created_at": now - ago, "started_at": now - ago + timedelta(seconds=2),
             "finished_at": now - ago + timedelta(seconds=3), "cancel_requested": False, "chain_depth": 0}
            for status, ago in (("completed", timedelta(days=2)), ("failed", timedelta(days=2, hours=1)),
                                ("failed", timedelta(hours=3)))])
    _sign_in(client, service.web.issue_local_link())
    week = client.get("/dashboard/stats?since=7d").text
    assert "Over time" in week and week.count('class="bar s-failed"') >= 2
    table = week.split('class="stats over-time-table"', 1)[1].split("</table>", 1)[0]
    two_days_ago = (now - timedelta(days=2)).strftime("%a %d %b")
    row = table.split(two_days_ago, 1)[1].split("</tr>", 1)[0]
    cells = [c.split(">", 1)[1].split("<", 1)[0] for c in row.split("<td")[1:]]
    assert cells[:4] == ["2", "1", "1", "0"] and cells[4] == "2.0 s", cells  # runs, completed, failed, skipped
    day = client.get("/dashboard/stats?since=24h").text
    assert "per hour" in day and day.count("<tr><td data-label=\"Hour\">") in (24, 25)
