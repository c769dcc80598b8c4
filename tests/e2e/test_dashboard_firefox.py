"""The dashboard in Debian's Firefox ESR (driven over WebDriver BiDi, ``e2e/firefox.py``) against a
real ``cronpilot serve``: signing in through the one-time link, the tasks page, runs started from
the page and from the CLI reaching the open page through server-sent events without a reload, the
stream coming back after a server restart, phone width, dark mode, and no script error anywhere.

The same flows run in Chromium (``test_dashboard_browser.py``); these are the ones where engines
differ: EventSource reconnection, form submission by script, CSS layout and media queries."""

from __future__ import annotations

import json
from pathlib import Path

import psutil
import pytest
from e2e import firefox
from e2e.conftest import PAGES, Server, run_waiting_for_go, start_server, stop_server, wide_content
from e2e.firefox import Firefox, Tab

from cronpilot.commands.context import current_app
from scheduler.models import RunStatus

pytestmark = pytest.mark.browser


def _sign_in(tab: Tab, link: str) -> None:
    tab.goto(link)  # the page presses "Sign in" by itself and lands on the tasks
    tab.wait_for("location.pathname === '/dashboard/' && !!document.querySelector('header .who')",
                 message="signed in and on the tasks page")


def _live(tab: Tab) -> None:
    tab.wait_for("document.getElementById('live-state')?.textContent === 'live'", message="the event stream is open")


def _cell(name: str, cell: str) -> str:
    """A script expression: the text of ``cell`` in the tasks table's row for task ``name``."""
    return (f"[...document.querySelectorAll('tr[data-task-id]')].find(r => r.querySelector('a')?.textContent"
            f" === {json.dumps(name)})?.querySelector({json.dumps(cell)})?.textContent.trim() ?? ''")


def _shows(tab: Tab, name: str, cell: str, text: str) -> None:
    tab.wait_for(f"({_cell(name, cell)}).includes({json.dumps(text)})", message=f"{name}'s {cell} shows {text!r}")


def _task_id(tab: Tab, name: str) -> int:
    return int(tab.evaluate(f"[...document.querySelectorAll('tr[data-task-id]')].find(r => r.querySelector('a')"
                            f"?.textContent === {json.dumps(name)})?.dataset.taskId"))


def _mark(tab: Tab) -> None:
    tab.evaluate("window.__stayed = true")


def _not_reloaded(tab: Tab) -> bool:
    return tab.evaluate("window.__stayed === true") is True


def test_firefox_signs_in_through_the_one_time_link_and_lists_the_tasks(
    firefox_browser: Firefox, server: Server
) -> None:
    server.cli("task", "add", "--name", "ping", "--noop", "--every", "5m")
    server.cli("task", "add", "--name", "backup", "--noop", "--every", "1h")
    link = server.link()
    tab = firefox_browser.new_tab()
    _sign_in(tab, link)
    assert "admin" in tab.text("header .who")
    _shows(tab, "ping", "td[data-label='Schedule']", "every 5 minutes")
    _shows(tab, "backup", ".last-run", "never ran")
    # The link is used up: another person (another user context, no cookie) is refused with it.
    other = firefox_browser.new_tab()
    other.goto(link)
    other.wait_for("document.querySelector('[role=alert]')?.textContent.includes('already used')",
                   message="the used link is refused")
    other.goto(server.url + "/dashboard/")
    assert other.evaluate("location.pathname") == "/dashboard/signin"
    # Signing out (a plain form post) ends the session: the tasks are behind the sign-in page again.
    tab.click("header form.who button")
    tab.wait_for("location.pathname === '/dashboard/signin'", message="signed out")
    tab.goto(server.url + "/dashboard/")
    assert tab.evaluate("location.pathname") == "/dashboard/signin"
    assert firefox_browser.script_errors() == []


def test_firefox_shows_runs_from_the_page_and_from_the_cli_without_reload(
    firefox_browser: Firefox, server: Server
) -> None:
    server.cli("task", "add", "--name", "ping", "--noop", "--every", "1h")
    server.cli("task", "add", "--name", "pong", "--noop", "--every", "1h")
    tab = firefox_browser.new_tab()
    _sign_in(tab, server.link())
    _live(tab)
    _mark(tab)
    _shows(tab, "ping", ".last-run", "never ran")
    # A real click on the form's button: the page posts it by script with the CSRF header.
    tab.click(f"tr[data-task-id='{_task_id(tab, 'ping')}'] form[action$='/run'] button")
    tab.wait_for("document.getElementById('flash')?.textContent.includes('started')", message="the page says started")
    _shows(tab, "ping", ".last-run", "completed")
    _shows(tab, "pong", ".last-run", "never ran")
    server.cli("run", "pong")  # another process: the engine inside serve runs it
    _shows(tab, "pong", ".last-run", "completed")
    server.cli("task", "pause", "pong")
    _shows(tab, "pong", ".task-status", "paused")
    assert _not_reloaded(tab)
    assert firefox_browser.script_errors() == []


def test_firefox_deletes_a_task_only_after_its_confirm_is_accepted(firefox_browser: Firefox, server: Server) -> None:
    server.cli("task", "add", "--name", "doomed", "--noop", "--every", "1h")
    app = current_app()
    task_id = app.service.list_tasks()[0].task_id
    tab = firefox_browser.new_tab()
    _sign_in(tab, server.link())
    tab.goto(f"{server.url}/dashboard/tasks/{task_id}")
    question = tab.click("form[action$='/delete'] button", prompt=False)
    assert question == "Delete task 'doomed'? Its runs stay in the history."
    assert [t.name for t in app.service.list_tasks()] == ["doomed"]
    assert tab.evaluate("location.pathname") == f"/dashboard/tasks/{task_id}"
    tab.click("form[action$='/delete'] button", prompt=True)
    tab.wait_for("location.pathname === '/dashboard/'", message="back on the tasks page after deleting")
    tab.wait_for("!document.querySelector('tr[data-task-id]')", message="the task left the list")
    assert app.service.list_tasks() == []
    assert firefox_browser.script_errors() == []


def test_firefox_keyboard_alone_skips_to_the_content_and_runs_a_task(firefox_browser: Firefox, server: Server) -> None:
    server.cli("task", "add", "--name", "ping", "--noop", "--every", "1h")
    tab = firefox_browser.new_tab()
    _sign_in(tab, server.link())
    _live(tab)
    tab.press("Tab")  # the first stop is the skip link, shown while it has the focus
    assert tab.evaluate("document.activeElement.classList.contains('skip')")
    assert tab.evaluate("document.activeElement.getBoundingClientRect().left >= 0")
    tab.press("Enter")
    tab.wait_for("location.hash === '#live'", message="the skip link went to the content")
    for _ in range(40):
        tab.press("Tab")
        if tab.evaluate("document.activeElement.textContent.trim() === 'Run now'"):
            break
    else:
        raise AssertionError("Tab never reached the Run now button")
    focus = tab.evaluate("(e => [e.matches(':focus-visible'), getComputedStyle(e).outlineStyle])(document.activeElement)")
    assert focus == [True, "solid"], focus  # a visible focus ring
    tab.press("Enter")
    tab.wait_for("document.getElementById('flash')?.textContent.includes('started')", message="the page says started")
    _shows(tab, "ping", ".last-run", "completed")
    assert firefox_browser.script_errors() == []


def test_firefox_streams_a_running_runs_log_while_it_is_written(firefox_browser: Firefox, server: Server) -> None:
    with run_waiting_for_go(server) as (run_id, go):
        tab = firefox_browser.new_tab()
        _sign_in(tab, server.link())
        tab.goto(f"{server.url}/dashboard/runs/{run_id}")
        tab.wait_for("document.getElementById('run-log')?.textContent.includes('first-line')",
                     message="the log's first line, while the run waits")
        assert current_app().service.get_run(run_id).status == RunStatus.RUNNING
        assert "second-line" not in tab.text("#run-log")
        _mark(tab)
        go.touch()
        tab.wait_for("document.getElementById('run-log')?.textContent.includes('second-line')",
                     message="the log's second line, streamed")
        tab.wait_for("document.querySelector('h1 .badge')?.textContent.trim() === 'completed'",
                     message="the run shown completed")
        assert _not_reloaded(tab)
        assert firefox_browser.script_errors() == []


def test_firefox_reconnects_the_live_stream_after_a_server_restart(
    firefox_browser: Firefox, server: Server
) -> None:
    server.cli("task", "add", "--name", "ping", "--noop", "--every", "1h")
    tab = firefox_browser.new_tab()
    _sign_in(tab, server.link())
    _live(tab)
    _mark(tab)
    port = int(server.url.rsplit(":", 1)[1])
    stop_server(server)
    tab.wait_for("document.getElementById('live-state')?.textContent === 'reconnecting'",
                 message="the page noticed the server went away")
    restarted = start_server(server.env, server.log, port=port)
    try:
        _live(tab)
        restarted.cli("run", "ping")
        _shows(tab, "ping", ".last-run", "completed")
        assert _not_reloaded(tab)
    finally:
        stop_server(restarted)
    assert firefox_browser.script_errors() == []


def test_firefox_at_phone_width_no_page_scrolls_sideways(firefox_browser: Firefox, server: Server) -> None:
    workflow = wide_content(server)
    app = current_app()
    breaks = app.service.create_task(app.service.build_spec({
        "name": "breaks", "action": {"kind": "shell", "argv": ["sh", "-c", "echo broken >&2; exit 3"]}}),
        actor=app.local_actor)
    server.cli("run", "breaks", "--wait", check=False)
    tab = firefox_browser.new_tab(width=375, height=740)
    _sign_in(tab, server.link())
    assert tab.evaluate("document.documentElement.clientWidth") <= 375
    pages = [*PAGES, "/dashboard/tasks/1", "/dashboard/runs/1", f"/dashboard/tasks/{breaks.task_id}",
             f"/dashboard/workflows/{workflow.head.task_id}"]
    for path in pages:
        tab.goto(server.url + path)
        widths = tab.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert widths[0] <= widths[1], f"{path} scrolls sideways in Firefox: {widths}"
        assert tab.evaluate(MISPLACED_IN_CARDS) == [], f"{path}: a table row's card is jumbled"
    assert firefox_browser.script_errors() == []


# At phone width each table row is a card whose cells are a grid: the label (::before) on the
# left, everything the cell holds on the right. Lists what breaks that: an element of a cell
# left of the value column (under the label), or a badge stretched across the column.
MISPLACED_IN_CARDS = """[...document.querySelectorAll('table td')].flatMap(td => {
  const style = getComputedStyle(td);
  if (style.display !== 'grid') return [];
  const valueColumn = td.getBoundingClientRect().left + parseFloat(style.paddingLeft)
                      + parseFloat(style.gridTemplateColumns.split(' ')[0]);
  const where = (td.dataset.label || '?') + ': ';
  const under = [...td.children].filter(c => c.getBoundingClientRect().width > 0
                                           && c.getBoundingClientRect().left < valueColumn - 1)
    .map(c => where + 'under the label: ' + c.textContent.trim().slice(0, 40));
  const stretched = [...td.querySelectorAll('.badge')].filter(b => {
    const text = document.createRange(); text.selectNodeContents(b);
    return b.getBoundingClientRect().width > text.getBoundingClientRect().width + 40;
  }).map(b => where + 'badge stretched: ' + b.textContent.trim());
  return [...under, ...stretched];
})"""


LUMINANCE = """(css => {
  const [r, g, b] = css.match(/[\\d.]+/g).slice(0, 3).map(v => Number(v) / 255)
    .map(c => c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
})"""


def _contrast(tab: Tab, selector: str, against: str) -> list[float]:
    """[text luminance, background luminance, contrast ratio] of ``selector``'s text on ``against``'s
    background (WCAG's formulas)."""
    values = tab.evaluate(f"""(() => {{
        const lum = {LUMINANCE};
        const fg = lum(getComputedStyle(document.querySelector({json.dumps(selector)})).color);
        const bg = lum(getComputedStyle(document.querySelector({json.dumps(against)})).backgroundColor);
        return [fg, bg, (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05)];
    }})()""")
    return [float(v) for v in values]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_firefox_in_either_colour_scheme_the_page_follows_it_and_stays_readable(
    firefox_installed: None, server: Server, scheme: str
) -> None:
    server.cli("task", "add", "--name", "ping", "--noop", "--every", "5m")
    with firefox.launch(color_scheme=scheme) as browser:
        tab = browser.new_tab()
        _sign_in(tab, server.link())
        assert tab.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") is (scheme == "dark")
        text, background, ratio = _contrast(tab, "body", "body")
        if scheme == "dark":
            assert background < 0.05 < text, (text, background)  # light text on a dark page
        else:
            assert text < 0.05 < 0.8 < background, (text, background)
        assert ratio >= 7, f"body text contrast {ratio:.1f}"
        for selector, on in [("table.tasks td a", "table.tasks"), (".last-run .note", "table.tasks"),
                             ("header nav a", "header.top"), ("table.tasks th", "table.tasks")]:
            ratio = _contrast(tab, selector, on)[2]
            assert ratio >= 4.5, f"{selector} on {on}: contrast {ratio:.1f} in {scheme}"
        assert browser.script_errors() == []


def test_a_firefox_the_tests_start_is_gone_with_all_its_processes_even_when_the_test_fails(
    firefox_installed: None,
) -> None:
    started: list[int] = []
    with pytest.raises(RuntimeError), firefox.launch() as browser:
        browser.new_tab().goto("about:blank")
        started = [browser.process.pid] + [p.pid for p in psutil.Process(browser.process.pid).children(recursive=True)]
        folder = browser.folder
        raise RuntimeError("the test failed here")
    assert len(started) > 1  # content processes were running

    def alive(pid: int) -> bool:
        try:
            return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE  # a zombie is dead, awaiting its reaper
        except psutil.NoSuchProcess:
            return False

    assert [pid for pid in started if alive(pid)] == []
    assert not Path(folder).exists()
