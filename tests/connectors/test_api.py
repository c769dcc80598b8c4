"""``/api/v1`` through a real uvicorn server on 127.0.0.1 and a real store: the walk of the
people-and-access issue (a viewer reads but can't change, a member can't see the admin's task,
no token is 401), every task and run route, and errors as one line with the status they mean."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from connectors.api import ApiLimits, api_router
from connectors.web import HttpServer, build_api
from scheduler.clock import FakeClock
from scheduler.models import RunStatus, TaskStatus
from scheduler.secret_box import SecretBox
from scheduler.service import Actor, Role, Service
from scheduler.store import Store

ADMIN = Actor("boss", Role.ADMIN)
REMINDER = {"name": "water plants", "triggers": [{"kind": "cron", "expression": "0 9 * * *"}],
            "action": {"kind": "reminder", "message": "water the plants"}}


@dataclass
class World:
    service: Service
    store: Store
    client: httpx.AsyncClient
    tokens: dict[str, str]
    base: str

    def as_(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


@pytest.fixture
def api_store(tmp_path: Path) -> Iterator[Store]:
    store = Store(f"sqlite:///{tmp_path / 'api.db'}")
    yield store
    store.close()


async def _world(store: Store, clock: FakeClock, tmp_path: Path, limits: ApiLimits | None = None) -> AsyncIterator[World]:
    service = Service(store, clock=clock, secret_box=SecretBox(key_file=tmp_path / "secret.key"))
    store.add_identity("cli", "boss", role="admin", now=clock.now(), user_id="boss")
    store.add_identity("slack", "UVERA", role="viewer", now=clock.now(), display_name="vera")
    store.add_identity("slack", "UMAX", role="member", now=clock.now(), display_name="max")
    tokens = {who: service.create_token(who, actor=ADMIN, name="test")[1] for who in ("boss", "vera", "max")}
    server = HttpServer(build_api([api_router(service, limits)]), host="127.0.0.1", port=0)
    await server.start()
    try:
        async with httpx.AsyncClient(base_url=f"{server.url}/api/v1", timeout=30) as client:
            yield World(service, store, client, tokens, server.url)
    finally:
        await server.stop()


@pytest.fixture
async def world(api_store: Store, clock: FakeClock, tmp_path: Path) -> AsyncIterator[World]:
    async for w in _world(api_store, clock, tmp_path):
        yield w


@pytest.fixture
async def pg_world(pg_schema_url: str, clock: FakeClock, tmp_path: Path) -> AsyncIterator[World]:
    store = Store(pg_schema_url)
    try:
        async for w in _world(store, clock, tmp_path):
            yield w
    finally:
        store.close()


async def test_api_walk_viewer_reads_member_is_blind_to_the_admins_task_and_no_token_is_401(world: World) -> None:
    await _walk(world)


async def test_api_walk_on_postgresql(pg_world: World) -> None:
    await _walk(pg_world)


async def _walk(world: World) -> None:
    c = world.client
    made = await c.post("/tasks", json={**REMINDER, "name": "admin private"}, headers=world.as_("boss"))
    assert made.status_code == 201, made.text
    private = made.json()
    assert private["owner"] == "boss" and len(private["next_fires"]) == 5
    # no token, a wrong scheme, an unknown token: 401 with the challenge
    for headers in ({}, {"Authorization": "Basic Ym9zczp4"}, {"Authorization": "Bearer cp_nope"}):
        refused = await c.get("/tasks", headers=headers)
        assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Bearer")
        assert isinstance(refused.json()["detail"], str)
    # the viewer reads but changes nothing
    me = await c.get("/me", headers=world.as_("vera"))
    assert me.json()["role"] == "viewer" and me.json()["user"] == "slack:UVERA"
    assert (await c.get("/tasks", headers=world.as_("vera"))).status_code == 200
    assert (await c.get("/runs", headers=world.as_("vera"))).status_code == 200
    denied = await c.post("/tasks", json=REMINDER, headers=world.as_("vera"))
    assert denied.status_code == 403 and "viewer" in denied.json()["detail"]
    # the member doesn't see the admin's task: 404, said like a task that doesn't exist at all
    for method, path in (("GET", "/tasks/{}"), ("POST", "/tasks/{}/pause"), ("POST", "/tasks/{}/run"),
                         ("DELETE", "/tasks/{}"), ("PATCH", "/tasks/{}")):
        seen = await c.request(method, path.format(private["task_id"]), headers=world.as_("max"),
                               json={"description": "x"} if method == "PATCH" else None)
        ghost = await c.request(method, path.format(999999), headers=world.as_("max"),
                                json={"description": "x"} if method == "PATCH" else None)
        assert seen.status_code == ghost.status_code == 404, (method, path, seen.text)
        assert seen.json()["detail"].replace(str(private["task_id"]), "N") == \
            ghost.json()["detail"].replace("999999", "N")
    by_name = await c.get("/tasks/admin private", headers=world.as_("max"))
    assert by_name.status_code == 404 and "boss" not in by_name.text
    listed = await c.get("/tasks", headers=world.as_("max"))
    assert listed.json()["total"] == 0
    assert (await c.get("/tasks", params={"owner": "boss"}, headers=world.as_("max"))).json()["total"] == 0
    assert (await c.get("/tasks", params={"owner": "boss"}, headers=world.as_("boss"))).json()["total"] == 1
    # the admin's task is untouched
    assert world.service.get_task(private["task_id"]).status == "active"


async def test_api_tokens_follow_their_persons_role_at_once(world: World) -> None:
    c = world.client
    assert (await c.post("/tasks", json=REMINDER, headers=world.as_("max"))).status_code == 201
    world.store.set_role("slack:UMAX", "viewer")
    demoted = await c.post("/tasks/water plants/pause", headers=world.as_("max"))
    assert demoted.status_code == 403
    with world.store.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM identities WHERE user_id = 'slack:UMAX'"))
        conn.execute(sa.text("DELETE FROM users WHERE user_id = 'slack:UMAX'"))
    assert (await c.get("/me", headers=world.as_("max"))).status_code == 401
    world.service.revoke_token("test", actor=Actor("slack:UVERA", Role.VIEWER))
    assert (await c.get("/me", headers=world.as_("vera"))).status_code == 401


async def test_api_task_round_trip_show_json_creates_edits_pauses_runs_deletes(world: World) -> None:
    c, h = world.client, world.as_("max")
    made = (await c.post("/tasks", json=REMINDER, headers=h)).json()
    # what show prints can be posted back as a new task (read-only fields are ignored)
    shown = (await c.get(f"/tasks/{made['task_id']}", headers=h)).json()
    copy = await c.post("/tasks", json={**shown, "name": "water plants 2"}, headers=h)
    assert copy.status_code == 201, copy.text
    assert copy.json()["triggers"] == shown["triggers"] and copy.json()["task_id"] != shown["task_id"]
    assert copy.json()["action"] == shown["action"]
    edited = await c.patch(f"/tasks/{made['task_id']}", json={"description": "kitchen", "status": "paused"},
                           headers=h)
    assert edited.status_code == 200, edited.text
    assert edited.json()["description"] == "kitchen" and edited.json()["status"] == "paused"
    assert edited.json()["next_fires"] == []
    assert (await c.post(f"/tasks/{made['task_id']}/pause", headers=h)).status_code == 409
    resumed = await c.post(f"/tasks/{made['task_id']}/resume", headers=h)
    assert resumed.json()["status"] == "active"
    listed = (await c.get("/tasks", params={"status": "active", "name": "plants", "kind": "reminder"},
                          headers=h)).json()
    assert listed["total"] == 2 and all(t["next_fire_at"] for t in listed["tasks"])
    assert (await c.get("/tasks", params={"kind": "shell"}, headers=h)).json()["total"] == 0
    assert (await c.get("/tasks", params={"limit": 1, "offset": 1}, headers=h)).json()["tasks"][0]["name"] \
        == "water plants 2"
    run = await c.post(f"/tasks/{made['task_id']}/run", headers=h)
    assert run.status_code == 202 and run.json()["status"] == "pending" and "log_path" not in run.json()
    run_id = run.json()["run_id"]
    runs = (await c.get("/runs", params={"task": made["task_id"], "status": "pending,running"}, headers=h)).json()
    assert [r["run_id"] for r in runs["runs"]] == [run_id]
    one = (await c.get(f"/runs/{run_id}", headers=h)).json()
    assert one["history"][0]["status"] == "pending"
    assert (await c.get(f"/runs/{run_id}/log", headers=h)).status_code == 200
    cancelled = await c.post(f"/runs/{run_id}/cancel", headers=h)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == RunStatus.CANCELLED
    assert (await c.get(f"/runs/{run_id}", headers=world.as_("vera"))).status_code == 404
    gone = await c.delete(f"/tasks/{made['task_id']}", headers=h)
    assert gone.json() == {"task_id": made["task_id"], "name": "water plants", "deleted": True}
    assert (await c.get(f"/tasks/{made['task_id']}", headers=h)).status_code == 404


async def test_api_bad_input_is_one_line_4xx_and_changes_nothing(world: World) -> None:
    c, h = world.client, world.as_("max")
    cases = [
        ("POST", "/tasks", {"content": b"{not json", "headers": {"content-type": "application/json"}}, 422),
        ("POST", "/tasks", {"json": {**REMINDER, "bogus": 1}}, 422),
        ("POST", "/tasks", {"json": {**REMINDER, "timezone": "Mars/Base"}}, 422),
        ("POST", "/tasks", {"json": {**REMINDER, "triggers": [{"kind": "cron", "expression": "61 * * * *"}]}}, 422),
        ("POST", "/tasks", {"json": {**REMINDER, "triggers": [{"kind": "once", "at": "2000-01-01T00:00:00+00:00"}]}}, 422),
        ("POST", "/tasks", {"json": [1, 2]}, 422),
        ("GET", "/tasks", {"params": {"status": "sleeping"}}, 422),
        ("GET", "/tasks", {"params": {"limit": 0}}, 422),
        ("GET", "/runs", {"params": {"since": "last tuesday-ish"}}, 422),
        ("GET", "/runs", {"params": {"status": "exploded"}}, 422),
        ("GET", "/runs/abc", {}, 422),
        ("GET", "/runs/424242", {}, 404),
        ("PATCH", "/tasks/1", {"json": {"task_id": 5}}, 422),
        ("GET", "/people", {}, 403),
        ("GET", "/nowhere", {}, 404),
    ]
    for method, path, kwargs, status in cases:
        answer = await c.request(method, path, headers={**h, **kwargs.pop("headers", {})}, **kwargs)
        assert answer.status_code == status, (method, path, answer.text)
        detail = answer.json()["detail"]
        assert isinstance(detail, str) and "\n" not in detail and "Traceback" not in detail, detail
    assert world.service.list_tasks() == []
    mine = (await c.post("/tasks", json=REMINDER, headers=h)).json()
    fixed = await c.patch(f"/tasks/{mine['task_id']}", json={"task_id": 5}, headers=h)
    assert fixed.status_code == 422 and fixed.json()["detail"] == "task_id can't be changed"
    assert (await c.patch(f"/tasks/{mine['task_id']}", json={}, headers=h)).status_code == 422


async def test_api_people_and_audit(world: World) -> None:
    c = world.client
    people = await c.get("/people", headers=world.as_("boss"))
    assert {p["user"]: p["role"] for p in people.json()["people"]} == {
        "boss": "admin", "slack:UMAX": "member", "slack:UVERA": "viewer"}
    await c.post("/tasks", json=REMINDER, headers=world.as_("vera"))  # refused, and audited
    entries = (await c.get("/audit", headers=world.as_("boss"))).json()["entries"]
    refused = [e for e in entries if e["actor"] == "slack:UVERA" and e["decision"] == "refused"]
    assert refused and refused[0]["action"] == "create_task"
    own = (await c.get("/audit", headers=world.as_("vera"))).json()["entries"]
    assert own and {e["actor"] for e in own} == {"slack:UVERA"}
    # The filters of the service's audit (as `cronpilot audit` has them): who, what, since when.
    boss = world.as_("boss")
    filtered = (await c.get("/audit", params={"person": "slack:UVERA", "action": "create_task", "since": "1h"},
                            headers=boss)).json()["entries"]
    assert filtered and {(e["actor"], e["action"]) for e in filtered} == {("slack:UVERA", "create_task")}
    assert (await c.get("/audit", params={"action": "no_such_action"}, headers=boss)).json()["entries"] == []
    assert (await c.get("/audit", params={"since": "whenever"}, headers=boss)).status_code == 422
    assert (await c.get("/audit", params={"task": "nope"}, headers=boss)).status_code == 404


async def test_api_workflows_list_show_run(world: World) -> None:
    steps = [{"name": "fetch", "action": {"kind": "noop"}},
             {"name": "load", "action": {"kind": "noop"}, "after": ["fetch"]}]
    world.service.create_workflow("nightly", steps, actor=Actor("slack:UMAX", Role.MEMBER))
    c, h = world.client, world.as_("max")
    listed = (await c.get("/workflows", headers=h)).json()["workflows"]
    assert [w["name"] for w in listed] == ["nightly"]
    shown = (await c.get("/workflows/nightly", headers=h)).json()
    assert [s["name"] for s in shown["steps"]] == ["fetch", "load"] and shown["edges"] == [["fetch", "load"]]
    assert (await c.get("/workflows/nightly", headers=world.as_("vera"))).status_code == 404
    ran = await c.post("/workflows/nightly/run", headers=h)
    assert ran.status_code == 202
    assert (await c.get("/workflows/nightly", headers=h)).json()["runs"][0]["run"]["run_id"] == ran.json()["run_id"]


async def test_api_never_shows_a_secret_used_in_an_http_header(
    cli, monkeypatch: pytest.MonkeyPatch, isolated_settings: Path
) -> None:
    """The CLI's own wiring (its key file, its database) serves the API; the secret reaches a
    local server in the header and no API answer carries it, in any of its usual encodings."""
    import base64
    import io
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from threading import Thread
    from urllib.parse import quote, quote_plus

    canary = "cp-canary/9f3e+77=Zq"
    seen: list[str] = []

    class Echo(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.headers.get("Authorization", ""))
            body = json.dumps({"authorization": self.headers.get("Authorization", "")}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    echo = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    Thread(target=echo.serve_forever, daemon=True).start()
    monkeypatch.setenv("CRONPILOT_HTTP_ALLOWED_HOSTS", '["127.0.0.1"]')
    try:
        monkeypatch.setattr("sys.stdin", io.StringIO(canary + "\n"))
        assert cli("secret", "set", "API_KEY").code == 0
        made = cli("token", "create", "--user", "tester")
        token = made.out.strip().splitlines()[-1]
        from cronpilot.settings import Settings
        from cronpilot.wiring import build_app

        app = build_app(Settings())  # the CLI's wiring, its own instance (cli() resets the CLI's)
        server = HttpServer(build_api([api_router(app.service)]), host="127.0.0.1", port=0)
        await server.start()
        try:
            async with httpx.AsyncClient(base_url=f"{server.url}/api/v1", timeout=30,
                                         headers={"Authorization": f"Bearer {token}"}) as c:
                spec = {"name": "echo", "triggers": [{"kind": "interval", "every": "PT1H"}],
                        "action": {"kind": "http", "method": "GET", "url": f"http://127.0.0.1:{echo.server_port}/x",
                                   "headers": {"Authorization": "Bearer {{ secrets.API_KEY }}"}}}
                answers = [await c.post("/tasks", json=spec)]
                assert answers[0].status_code == 201, answers[0].text
                ran = await asyncio.to_thread(cli, "run", "echo", "--json")
                assert ran.code == 0, ran.err
                run_id = ran.json()["run_id"]
                for path in ("/tasks", "/tasks/echo", f"/runs?task={answers[0].json()['task_id']}",
                             f"/runs/{run_id}", f"/runs/{run_id}/log", "/audit", "/me", "/people",
                             "/openapi.json"):
                    answers.append(await c.get(path))
                    assert answers[-1].status_code == 200, (path, answers[-1].text)
                answers.append(await c.patch("/tasks/echo", json={"description": "still secret"}))
        finally:
            await server.stop()
            app.close()
        assert seen == [f"Bearer {canary}"]
        forms = [canary, quote(canary, safe=""), quote_plus(canary),
                 base64.b64encode(canary.encode()).decode(), base64.urlsafe_b64encode(canary.encode()).decode()]
        for answer in answers:
            assert not any(form in answer.text for form in forms), answer.request.url
        assert "{{ secrets.API_KEY }}" in answers[2].text  # the reference is what a task shows
    finally:
        echo.shutdown()
        echo.server_close()


def test_listed_next_fires_are_remembered_only_while_ahead_and_unchanged(api_store: Store, clock: FakeClock) -> None:
    from datetime import timedelta

    from connectors.api.shapes import NextFires

    service = Service(api_store, clock=clock)
    task = service.create_task(service.build_spec(REMINDER), actor=ADMIN)  # 09:00 daily; clock 09:00
    fires = NextFires()
    first = fires.next_fire(service, task)
    assert first == service.next_fires(task, count=1)[0]
    calls: list[object] = []
    real = service.next_fires
    service.next_fires = lambda *a, **k: calls.append(a) or real(*a, **k)  # type: ignore[method-assign]
    assert fires.next_fire(service, task) == first and calls == []  # remembered
    clock.advance(first - clock.now() + timedelta(seconds=1))  # that fire is now past
    assert fires.next_fire(service, task) == first + timedelta(days=1) and len(calls) == 1
    edited = service.update_task(str(task.task_id), {"triggers": [{"kind": "cron", "expression": "0 18 * * *"}]},
                                 actor=ADMIN)
    assert fires.next_fire(service, edited).hour == 18 and len(calls) == 2  # a new revision: recomputed


_APPROVALS = {
    "approve it: runs code (shell, writing SQL, internal http)": ("approve", "shell"),
    "approve it: anything else (an AI-made check, content from fetched data)": ("approve", "http"),
    "turn it down while it waits for approval (reject_task)": ("reject", "shell"),
}


async def test_api_approve_and_reject_follow_the_permission_matrix_404_before_403(world: World) -> None:
    """Every approve / reject cell of docs/access.md's matrix through ``/api/v1``: ok → 200 (and
    the task active, or gone), denied → 403, hidden → 404 worded like a task that doesn't exist."""
    from access_matrix import TASK_OPERATIONS, WHOSE

    service, store, c = world.service, world.store, world.client
    now = service.clock.now()
    store.add_identity("slack", "UOTTO", role="operator", now=now, display_name="otto")
    store.add_identity("slack", "UBOB", role="member", now=now, display_name="bob")
    world.tokens["otto"] = service.create_token("otto", actor=ADMIN, name="test")[1]
    users = {"admin": ("boss", "boss"), "operator": ("otto", "slack:UOTTO"),
             "member": ("max", "slack:UMAX"), "viewer": ("vera", "slack:UVERA")}
    for group in ("readers", "managers"):
        service.create_group(group, actor=ADMIN)
        for _, user in users.values():
            service.set_group_member(group, user, member=True, actor=ADMIN)
    actions = {"shell": {"kind": "shell", "argv": ["true"]}, "http": {"kind": "http", "url": "https://example.com/"}}
    cells = 0
    for operation, (verb, kind) in _APPROVALS.items():
        for role, (who, user) in users.items():
            for column, whose in enumerate(WHOSE):
                spec = service.build_spec({"name": f"{verb}-{kind}-{role}-{column}", "action": actions[kind],
                                           "triggers": [{"kind": "cron", "expression": "0 9 * * *"}]})
                owner = user if whose == "own" else "slack:UBOB"
                task = store.add_task(spec, owner=owner, actor=owner, now=now, status=TaskStatus.PENDING_APPROVAL)
                if whose != "own" and whose != "other's":
                    store.share_task(task.task_id, "readers" if whose == "shared read" else "managers",
                                     "read" if whose == "shared read" else "manage", now=now)
                answer = await c.post(f"/tasks/{task.task_id}/{verb}", headers=world.as_(who))
                expected = TASK_OPERATIONS[operation][role][column]
                where = (operation, role, whose, answer.text)
                assert answer.status_code == {"ok": 200, "denied": 403, "hidden": 404}[expected], where
                left = store.get_task(task.task_id) if verb == "approve" or expected != "ok" else None
                if expected == "ok":
                    assert answer.json()["task_id"] == task.task_id, where
                    if verb == "approve":
                        assert answer.json()["status"] == "active" and left and left.status == "active", where
                    else:
                        assert answer.json()["deleted"] is True
                        assert not any(t.task_id == task.task_id for t in service.list_tasks()), where
                else:
                    assert left is not None and left.status == TaskStatus.PENDING_APPROVAL, where
                if expected == "hidden":
                    ghost = await c.post(f"/tasks/999999/{verb}", headers=world.as_(who))
                    assert ghost.status_code == 404
                    assert answer.json()["detail"].replace(str(task.task_id), "N") == \
                        ghost.json()["detail"].replace("999999", "N"), where
                cells += 1
    assert cells == len(_APPROVALS) * len(users) * len(WHOSE)


async def test_api_approve_by_name_and_a_task_not_waiting_is_409(world: World) -> None:
    c = world.client
    shell = {"name": "backup", "triggers": [{"kind": "cron", "expression": "0 3 * * *"}],
             "action": {"kind": "shell", "argv": ["true"]}}
    made = await c.post("/tasks", json=shell, headers=world.as_("max"))
    assert made.status_code == 201 and made.json()["status"] == "pending_approval", made.text
    refused = await c.post("/tasks/backup/approve", headers=world.as_("max"))
    assert refused.status_code == 403 and "admin" in refused.json()["detail"]
    approved = await c.post(f"/tasks/{made.json()['task_id']}/approve", headers=world.as_("boss"))
    assert approved.status_code == 200 and approved.json()["status"] == "active", approved.text
    again = await c.post(f"/tasks/{made.json()['task_id']}/approve", headers=world.as_("boss"))
    assert again.status_code == 409 and "not waiting" in again.json()["detail"]
    assert (await c.post(f"/tasks/{made.json()['task_id']}/reject", headers=world.as_("boss"))).status_code == 409
    entries = (await c.get("/audit", params={"action": "approve_task"}, headers=world.as_("boss"))).json()["entries"]
    assert [(e["actor"], e["decision"]) for e in entries][-1] == ("slack:UMAX", "refused")
    assert entries[0]["actor"] == "boss" and entries[0]["via"] == "api"


async def test_api_a_name_someone_else_uses_is_free_and_resolves_to_ones_own(world: World) -> None:
    """Names are unique per owner: no 409 that would say the admin's task exists, and a name
    resolves to the caller's own task; an admin who sees two and owns neither is asked (422)."""
    c = world.client
    boss = await c.post("/tasks", json={**REMINDER, "name": "admin private"}, headers=world.as_("boss"))
    mine = await c.post("/tasks", json={**REMINDER, "name": "admin private"}, headers=world.as_("max"))
    assert mine.status_code == 201, mine.text
    again = await c.post("/tasks", json={**REMINDER, "name": "admin private"}, headers=world.as_("max"))
    assert again.status_code == 409 and "boss" not in again.text
    shown = await c.get("/tasks/admin private", headers=world.as_("max"))
    assert shown.json()["task_id"] == mine.json()["task_id"]
    shown = await c.get("/tasks/admin private", headers=world.as_("boss"))
    assert shown.json()["task_id"] == boss.json()["task_id"]
    assert (await c.delete(f"/tasks/{boss.json()['task_id']}", headers=world.as_("boss"))).status_code == 200
    world.store.add_identity("slack", "UZED", role="member", now=world.service.clock.now(), display_name="zed")
    zed = world.service.create_token("zed", actor=ADMIN, name="test")[1]
    theirs = await c.post("/tasks", json={**REMINDER, "name": "admin private"}, headers={"Authorization": f"Bearer {zed}"})
    assert theirs.status_code == 201
    which = await c.post("/tasks/admin private/pause", headers=world.as_("boss"))
    assert which.status_code == 422, which.text
    assert f"#{mine.json()['task_id']}" in which.json()["detail"] and f"#{theirs.json()['task_id']}" in which.json()["detail"]
    assert (await c.post("/tasks/admin private/pause", headers=world.as_("max"))).json()["status"] == "paused"
