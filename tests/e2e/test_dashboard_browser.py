"""The dashboard in a real browser (Chromium via Playwright) against a real ``cronpilot serve``:
signing in, live updates without reloads (from the page and from the CLI, and after a server
restart), the diamond workflow's graph, what a viewer sees, refusals, and phone width."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from e2e.conftest import PAGES, Server, sign_in, start_server, stop_server, wide_content
from playwright.sync_api import expect

from cronpilot.commands.context import current_app
from scheduler.access import Actor, Role

pytestmark = pytest.mark.browser


def _live(page: Any) -> None:
    """Wait until the page's event stream is open (changes from now on reach it)."""
    expect(page.locator("#live-state")).to_have_text("live")


def _mark(page: Any) -> None:
    page.evaluate("window.__stayed = true")


def _not_reloaded(page: Any) -> bool:
    return bool(page.evaluate("window.__stayed === true"))


def _row(page: Any, name: str) -> Any:
    return page.locator("tr", has=page.get_by_role("link", name=name, exact=True))


def test_sign_in_through_the_one_time_link_and_see_the_tasks(server: Server, new_page: Callable[..., Any]) -> None:
    server.cli("task", "add", "--name", "ping", "--noop", "--every", "5m")
    server.cli("task", "add", "--name", "backup", "--noop", "--every", "1h")
    link = server.link()
    page = new_page()
    sign_in(page, link)
    expect(page.locator("header .who")).to_contain_text("admin")
    expect(_row(page, "ping")).to_contain_text("every 5 minutes")
    expect(_row(page, "backup")).to_contain_text("never ran")
    # The link is used up: a second browser gets the sign-in page, not the tasks.
    other = new_page()
    other.goto(link)
    expect(other.get_by_role("alert")).to_contain_text("already used")
    other.goto(server.url + "/dashboard/")
    expect(other).to_have_url(re.compile(r"/dashboard/signin$"))


def test_running_from_the_page_and_from_the_cli_updates_the_open_page_without_reload(
    server: Server, new_page: Callable[..., Any]
) -> None:
    server.cli("task", "add", "--name", "ping", "--noop", "--every", "1h")
    server.cli("task", "add", "--name", "pong", "--noop", "--every", "1h")
    page = new_page()
    sign_in(page, server.link())
    _live(page)
    _mark(page)
    ping, pong = _row(page, "ping"), _row(page, "pong")
    expect(ping.locator(".last-run")).to_contain_text("never ran")
    ping.get_by_role("button", name="Run now").click()
    expect(page.locator("#flash")).to_contain_text("started")
    expect(ping.locator(".last-run")).to_contain_text("completed")
    expect(pong.locator(".last-run")).to_contain_text("never ran")
    server.cli("run", "pong")  # another process: the engine in serve runs it
    expect(pong.locator(".last-run")).to_contain_text("completed")
    server.cli("task", "pause", "pong")
    expect(pong.locator(".task-status")).to_contain_text("paused")
    assert _not_reloaded(page)


def test_a_page_in_a_background_tab_refreshes_when_shown_not_before(
    server: Server, new_page: Callable[..., Any]
) -> None:
    """Each refresh is a page rendered on the event loop serve's engine shares: a tab nobody
    looks at doesn't ask for one, and catches up when it is shown."""
    server.cli("task", "add", "--name", "ping", "--noop", "--every", "1h")
    page = new_page()
    sign_in(page, server.link())
    _live(page)
    _mark(page)
    refreshes: list[str] = []
    page.on("request", lambda r: refreshes.append(r.url) if r.headers.get("x-live") else None)
    page.evaluate("""() => {
        Object.defineProperty(document, "hidden", {value: true, configurable: true});
        document.dispatchEvent(new Event("visibilitychange"));
        window.__changes = 0;  // a second stream, to know when the change has reached the page
        new EventSource("/dashboard/events").addEventListener("change", () => { window.__changes += 1; });
    }""")
    page.wait_for_timeout(500)  # the second stream is open
    server.cli("run", "ping")
    for _ in range(100):  # (wait_for_function would eval a string: the page's CSP refuses it)
        if page.evaluate("() => window.__changes") > 0:
            break
        page.wait_for_timeout(100)
    assert page.evaluate("() => window.__changes") > 0
    page.wait_for_timeout(1000)  # ten times the page's 100 ms debounce
    assert refreshes == []
    expect(_row(page, "ping").locator(".last-run")).to_contain_text("never ran")
    page.evaluate("""() => {
        Object.defineProperty(document, "hidden", {value: false, configurable: true});
        document.dispatchEvent(new Event("visibilitychange"));
    }""")
    expect(_row(page, "ping").locator(".last-run")).to_contain_text("completed")
    assert refreshes and _not_reloaded(page)


def test_the_page_reconnects_after_a_server_restart(server: Server, new_page: Callable[..., Any],
                                                    tmp_path: Path) -> None:
    server.cli("task", "add", "--name", "ping", "--noop", "--every", "1h")
    page = new_page()
    sign_in(page, server.link())
    _live(page)
    _mark(page)
    port = int(server.url.rsplit(":", 1)[1])
    stop_server(server)
    expect(page.locator("#live-state")).to_have_text("reconnecting")
    restarted = start_server(server.env, server.log, port=port)
    try:
        _live(page)
        restarted.cli("run", "ping")
        expect(_row(page, "ping").locator(".last-run")).to_contain_text("completed")
        assert _not_reloaded(page)
    finally:
        stop_server(restarted)


def test_a_diamond_with_a_failing_branch_shows_it_red_and_the_join_skipped_with_the_reason(
    server: Server, new_page: Callable[..., Any]
) -> None:
    app = current_app()
    workflow = app.service.create_workflow("diamond", [
        {"name": "A", "action": {"kind": "noop"}},
        {"name": "B", "action": {"kind": "shell", "argv": ["sh", "-c", "echo broken >&2; exit 3"]}, "after": ["A"]},
        {"name": "C", "action": {"kind": "noop"}, "after": ["A"]},
        {"name": "D", "action": {"kind": "noop"}, "after": ["B", "C"]},
    ], actor=app.local_actor)
    page = new_page()
    sign_in(page, server.link())
    page.goto(f"{server.url}/dashboard/workflows/{workflow.head.task_id}")
    expect(page.locator("svg.graph path.edge")).to_have_count(4)
    _live(page)
    _mark(page)
    server.cli("run", "diamond")
    step = lambda name: page.locator(f"tr[data-step='{name}']")  # noqa: E731
    expect(step("B").locator(".step-status")).to_contain_text("failed")
    expect(step("D").locator(".step-status")).to_contain_text("skipped")
    expect(step("D").locator(".step-reason")).to_contain_text("B failed")
    expect(step("C").locator(".step-status")).to_contain_text("completed")
    node_b = page.locator("svg.graph a[data-step='B']")
    expect(node_b).to_have_attribute("data-status", "failed")
    stroke = node_b.locator("rect").evaluate("r => getComputedStyle(r).stroke")
    red, green, blue = (int(v) for v in re.findall(r"\d+", stroke)[:3])
    assert red > 150 and green < 110 and blue < 110, stroke
    expect(page.locator("svg.graph a[data-step='D']")).to_have_attribute("data-status", "skipped")
    assert _not_reloaded(page)


def test_a_viewer_sees_no_action_buttons_and_a_forged_change_is_refused(
    server: Server, new_page: Callable[..., Any]
) -> None:
    app = current_app()
    # Made while Vera was a member: a claimed role is capped by the stored one, so not as a viewer.
    app.store.add_identity("slack", "V1", role="member", now=app.clock.now(), display_name="Vera")
    task = app.service.create_task(app.service.build_spec({"name": "veras", "action": {"kind": "noop"}}),
                                   actor=Actor("slack:V1", Role.MEMBER))
    app.store.set_role("slack:V1", "viewer")
    page = new_page()
    sign_in(page, server.link("--for", "slack:V1"))
    expect(page.locator("header .who")).to_contain_text("Vera · viewer")
    expect(_row(page, "veras")).to_be_visible()
    expect(page.get_by_role("button", name="Run now")).to_have_count(0)
    page.goto(f"{server.url}/dashboard/tasks/{task.task_id}")
    expect(page.get_by_role("heading", name=re.compile("veras"))).to_be_visible()
    for name in ("Run now", "Pause", "Delete"):
        expect(page.get_by_role("button", name=name)).to_have_count(0)
    forged = page.evaluate(
        """async (id) => {
            const csrf = document.body.dataset.csrf;
            const r = await fetch(`/dashboard/tasks/${id}/run`, {method: "POST",
                headers: {"X-CSRF-Token": csrf, "Accept": "application/json"}});
            return [r.status, await r.json()];
        }""",
        task.task_id,
    )
    assert forged[0] == 403 and "viewers" in forged[1]["error"]
    assert app.service.list_runs(task=str(task.task_id)) == []


def test_without_signing_in_no_page_or_stream_gives_data(server: Server, new_page: Callable[..., Any]) -> None:
    server.cli("task", "add", "--name", "secretive", "--noop", "--every", "1h")
    page = new_page()
    for path in [*PAGES, "/dashboard/tasks/1", "/dashboard/runs/1", "/dashboard/workflows/1"]:
        page.goto(server.url + path)
        expect(page).to_have_url(re.compile(r"/dashboard/signin$"))
        assert "secretive" not in page.content()
    for stream in ("/dashboard/events", "/dashboard/runs/1/log"):
        assert page.request.get(server.url + stream).status == 401, stream
    for action in ("/dashboard/tasks/1/run", "/dashboard/approvals/1/approve", "/dashboard/people/role"):
        assert page.request.post(server.url + action, headers={"X-CSRF-Token": "x"}).status == 401, action
    assert current_app().service.list_runs(task="secretive") == []


def test_at_phone_width_no_page_scrolls_sideways(server: Server, new_page: Callable[..., Any]) -> None:
    workflow = wide_content(server)
    page = new_page(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    sign_in(page, server.link())
    for path in [*PAGES, "/dashboard/tasks/1", "/dashboard/runs/1", f"/dashboard/workflows/{workflow.head.task_id}"]:
        page.goto(server.url + path)
        page.wait_for_load_state("load")
        widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert widths[0] <= widths[1], f"{path} scrolls sideways: {widths}"
