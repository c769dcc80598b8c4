"""The dashboard's approvals, audit, people and run pages in a real browser (Chromium via
Playwright) against a real ``cronpilot serve``: deciding a waiting task, what a viewer gets, the
audit trail with its chain check reached by keyboard, changing a role (and the demoted person's
session ending), a running run's log arriving as it is written, and an AI run's transcript."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from e2e.conftest import Server, run_waiting_for_go, sign_in, start_server, stop_server
from fakes.openai_server import OpenAIStub, tool_then_text
from playwright.sync_api import expect

from cronpilot.commands.context import current_app
from scheduler.access import Actor, Role
from scheduler.models import RunStatus, TaskStatus

pytestmark = pytest.mark.browser
MO = Actor("mo", Role.MEMBER)


def _mark(page: Any) -> None:
    page.evaluate("window.__stayed = true")


def _not_reloaded(page: Any) -> bool:
    return bool(page.evaluate("window.__stayed === true"))


def _live(page: Any) -> None:
    expect(page.locator("#live-state")).to_have_text("live")


def _people(*names: tuple[str, str]) -> None:
    app = current_app()
    for name, role in names:
        app.service.add_person(name, role=role, actor=app.local_actor, display_name=name.title())


def _waiting_shell_task(name: str = "cleanup") -> int:
    app = current_app()
    spec = app.service.build_spec({"name": name, "action": {"kind": "shell", "argv": ["rm", "-rf", "/tmp/old-builds"]},
                                   "triggers": [{"kind": "cron", "expression": "0 3 * * *"}]})
    task = app.service.create_task(spec, actor=MO)
    assert task.status == TaskStatus.PENDING_APPROVAL
    return task.task_id


def test_an_admin_approves_a_waiting_task_from_the_page(server: Server, new_page: Callable[..., Any]) -> None:
    _people(("mo", "member"))
    task_id = _waiting_shell_task()
    page = new_page()
    sign_in(page, server.link())
    page.get_by_role("link", name="Approvals", exact=True).click()
    card = page.locator(f"section.approval[data-task-id='{task_id}']")
    expect(card).to_contain_text("rm -rf /tmp/old-builds")
    expect(card).to_contain_text("at 03:00")
    expect(card).to_contain_text("shell")
    _live(page)
    _mark(page)
    card.get_by_role("button", name="Approve").click()
    expect(page.locator("#flash")).to_contain_text("approved")
    expect(card).to_have_count(0)  # gone from the list, without a reload
    assert _not_reloaded(page)
    task = current_app().service.get_task(task_id)
    assert task.status == TaskStatus.ACTIVE and task.approved_by == current_app().local_actor.user


def test_a_viewer_sees_no_approval_buttons_and_forged_decisions_are_refused(
    server: Server, new_page: Callable[..., Any]
) -> None:
    _people(("mo", "member"), ("vera", "member"))
    others = _waiting_shell_task()
    app = current_app()
    own = app.service.create_task(app.service.build_spec({"name": "veras-own", "action": {"kind": "noop"}}),
                                  actor=Actor("vera", Role.MEMBER), status=TaskStatus.PENDING_APPROVAL)
    app.store.set_role("vera", "viewer")  # made while a member: a viewer makes nothing
    page = new_page()
    sign_in(page, server.link("--for", "vera"))
    page.goto(server.url + "/dashboard/approvals")
    expect(page.locator(f"section.approval[data-task-id='{own.task_id}']")).to_contain_text("veras-own")
    expect(page.locator(f"section.approval[data-task-id='{others}']")).to_have_count(0)
    for name in ("Approve", "Reject"):
        expect(page.get_by_role("button", name=name)).to_have_count(0)
    forged = page.evaluate(
        """async (ids) => {
            const csrf = document.body.dataset.csrf, out = [];
            for (const [id, what] of ids) {
                const r = await fetch(`/dashboard/approvals/${id}/${what}`, {method: "POST",
                    headers: {"X-CSRF-Token": csrf, "Accept": "application/json"}});
                out.push([r.status, (await r.json()).error]);
            }
            return out;
        }""",
        [[own.task_id, "approve"], [others, "approve"], [others, "reject"]],
    )
    assert forged[0][0] == 403 and "viewers" in forged[0][1]
    assert [f[0] for f in forged[1:]] == [404, 404]  # what they can't see: not found
    assert app.service.get_task(own.task_id).status == TaskStatus.PENDING_APPROVAL
    assert app.service.get_task(others).status == TaskStatus.PENDING_APPROVAL


def test_the_audit_trail_is_reached_by_keyboard_and_shows_the_chain_check(
    server: Server, new_page: Callable[..., Any]
) -> None:
    server.cli("task", "add", "--name", "ping", "--noop", "--every", "1h")
    server.cli("task", "pause", "ping")
    page = new_page()
    sign_in(page, server.link())
    for _ in range(20):  # Tab through the header to the Audit link, then Enter
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Audit":
            break
    else:
        raise AssertionError("the Audit link is not reachable with Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/dashboard/audit$"))
    expect(page.get_by_role("link", name="Audit", exact=True)).to_have_attribute("aria-current", "page")
    expect(page.locator("#chain")).to_contain_text("hasn't been checked")
    page.get_by_role("link", name="Check the chain now").click()
    expect(page.locator("#chain")).to_contain_text("Hash chain checks")
    rows = page.locator("table.audit tbody tr")
    expect(rows.first).to_contain_text("dashboard_sign_in")  # newest first: signing in came last
    paused = rows.filter(has_text="pause_task")
    expect(paused).to_contain_text("cli")
    expect(paused).to_contain_text("status: active → paused")


def test_an_admin_changes_a_role_and_the_demoted_persons_session_ends(
    server: Server, new_page: Callable[..., Any]
) -> None:
    _people(("mo", "member"))
    admin = new_page()
    sign_in(admin, server.link())
    theirs = new_page()
    sign_in(theirs, server.link("--for", "mo"))
    expect(theirs.locator("header .who")).to_contain_text("Mo · member")
    expect(theirs.get_by_role("link", name="People", exact=True)).to_have_count(0)  # an admin's page
    admin.get_by_role("link", name="People", exact=True).click()
    row = admin.locator("tr[data-user='mo']")
    expect(row.locator(".role")).to_have_text("member")
    _mark(admin)
    row.get_by_label("Role of Mo").select_option("viewer")
    row.get_by_role("button", name="Set").click()
    expect(admin.locator("#flash")).to_contain_text("mo is now viewer (was member)")
    expect(row.locator(".role")).to_have_text("viewer")
    assert _not_reloaded(admin)
    theirs.reload()
    expect(theirs).to_have_url(re.compile(r"/dashboard/signin$"))


def test_a_running_runs_log_arrives_while_it_is_written(
    server: Server, new_page: Callable[..., Any]
) -> None:
    with run_waiting_for_go(server) as (run_id, go):
        page = new_page()
        sign_in(page, server.link())
        page.goto(f"{server.url}/dashboard/runs/{run_id}")
        log = page.locator("#run-log")
        expect(log).to_contain_text("first-line")  # while the run waits for "go"
        assert current_app().service.get_run(run_id).status == RunStatus.RUNNING
        assert "second-line" not in log.inner_text()
        _mark(page)
        go.touch()
        expect(log).to_contain_text("second-line")
        expect(page.locator("h1 .badge")).to_have_text("completed")
        assert _not_reloaded(page)


def test_an_ai_runs_page_shows_its_transcript(
    serve_env: dict[str, str], new_page: Callable[..., Any], tmp_path: Path
) -> None:
    stub = OpenAIStub(tool_then_text("list_tasks", {}, tokens=42, final=lambda _r: "You have one task: digest."))
    with stub.running():
        env = {**serve_env, "OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": stub.base_url,
               "CRONPILOT_MODEL": "stub-model"}
        server = start_server(env, tmp_path / "serve.log")
        try:
            server.cli("task", "add", "--name", "digest", "--every", "1d", "--ai", "Summarize my tasks")
            run_id = json.loads(server.cli("run", "digest", "--wait", "--json").stdout)["run_id"]
            page = new_page()
            sign_in(page, server.link())
            page.goto(f"{server.url}/dashboard/runs/{run_id}")
            transcript = page.locator("section.transcript")
            expect(transcript.locator("h2")).to_contain_text("84 tokens")  # two model answers of 42
            expect(transcript.locator(".turn-user")).to_contain_text("Summarize my tasks")
            expect(transcript.locator(".turn-assistant .call")).to_contain_text("list_tasks")
            expect(transcript.locator(".turn-tool")).to_contain_text("Tool list_tasks")
            expect(transcript.locator(".turn-assistant").last).to_contain_text("You have one task: digest.")
        finally:
            stop_server(server)
