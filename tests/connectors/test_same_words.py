"""One task, worded the same by every interface, each through its real renderer: the chat reply,
Slack's /cronpilot tasks (Block Kit), Telegram's /tasks (HTML) and the CLI (rich).

The task is made from Slack by a person in Europe/Berlin; the Telegram person and the CLI read
in UTC, so their times of the task carry its zone and the Slack person's don't.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

import pytest
from fakes.slack_api import event_body, mention, signed_headers
from fakes.telegram_api import WEBHOOK_SECRET, message_update

from connectors.identity import AccessPolicy
from connectors.telegram.http import SECRET_HEADER
from scheduler.clock import FakeClock

SCHEDULE = "every Monday at 09:00, Europe/Berlin"
NEXT_HERE = "next Mon 12 Jan 09:00"  # for the Berlin reader: her own zone, unlabelled
NEXT_ELSEWHERE = "Mon 12 Jan 09:00 (Europe/Berlin)"  # for a reader in UTC


@pytest.fixture
def policy() -> AccessPolicy:
    # The Telegram person is an admin, so she sees the Slack person's task.
    return AccessPolicy(admins=frozenset({"telegram:42"}), allowed=frozenset({"telegram:42"}))


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str], clock: FakeClock, tmp_path: Path,
            monkeypatch: pytest.MonkeyPatch) -> Callable[..., str]:
    """The real ``cronpilot`` command on the connectors' database and clock, 200 columns wide."""
    from cronpilot import render
    from cronpilot.cli import main
    from cronpilot.commands.context import reset_app
    from cronpilot.settings import Settings
    from cronpilot.wiring import build_app

    monkeypatch.setenv("CRONPILOT_DATABASE_URL", f"sqlite:///{tmp_path / 'connectors.db'}")
    monkeypatch.setattr(render.console, "width", 200)

    def run(*args: str) -> str:
        capsys.readouterr()
        reset_app(build_app(Settings(), clock=clock))
        try:
            main(list(args))
        except SystemExit as exc:
            assert not exc.code, capsys.readouterr().err
        finally:
            reset_app()
        return capsys.readouterr().out

    return run


async def test_every_interface_words_one_task_the_same(
    slack_http, slack, slack_api, telegram_http, telegram, telegram_api, run_cli, sqlite_store, clock
):
    sqlite_store.register_worker("engine-serve", now=clock.now())  # as under `serve`: no "nothing runs" note
    made = event_body(mention("remind me every Monday at 9 to send the report", ts="5.0"), event_id="Ev1")
    await slack_http.post("/slack/events", content=made, headers=signed_headers(made))
    await slack.drain()
    created = slack_api.posts()[-1]["text"]
    assert created == f"Done: 'send the report' (task #1), {SCHEDULE}; {NEXT_HERE}."

    form = urlencode({"command": "/cronpilot", "text": "tasks", "user_id": "U1", "user_name": "ann",
                      "team_id": "T1", "channel_id": "C1", "trigger_id": "t1",
                      "response_url": slack_api.response_url("tasks")})
    await slack_http.post("/slack/events", content=form,
                          headers=signed_headers(form, content_type="application/x-www-form-urlencoded"))
    await slack.drain()
    slack_view = "\n".join(b["text"]["text"] for b in slack_api.responses[-1].params["blocks"]
                           if b["type"] == "section")
    assert f"{SCHEDULE} · {NEXT_HERE}" in slack_view

    good = {SECRET_HEADER: WEBHOOK_SECRET}
    await telegram_http.post("/telegram/webhook", json=message_update(1, "/tasks"), headers=good)
    await telegram_http.post("/telegram/webhook", json=message_update(2, "list my tasks"), headers=good)
    await telegram.drain()
    telegram_view, telegram_chat = (html.unescape(m["text"]) for m in telegram_api.sent()[-2:])
    assert f"{SCHEDULE} · next {NEXT_ELSEWHERE}" in telegram_view
    assert f"— {SCHEDULE}; remind: send the report; active; next {NEXT_ELSEWHERE}" in telegram_chat

    listing = run_cli("task", "list")
    assert SCHEDULE in listing and NEXT_ELSEWHERE in listing
    shown = run_cli("task", "show", "1")
    assert f"{SCHEDULE} (cron 0 9 * * 1)" in shown
    assert "Mon 12 Jan 2026 09:00:00 (Europe/Berlin)" in shown  # the detail view: seconds and year



async def test_a_failure_on_our_side_gets_the_same_apology_from_the_gateway(service, clock):
    from connectors.chat import ChatEvent, ChatGateway
    from scheduler.wording import SORRY

    class Broken:
        async def handle(self, message):
            raise RuntimeError("boom")

        async def press(self, action, *, user, role):
            raise RuntimeError("boom")

    gateway = ChatGateway(service=service, assistant=Broken, clock=clock)
    event = ChatEvent(platform="telegram", platform_user="42", text="list my tasks", conversation={"chat": "42"},
                      conversation_id="tg:42")
    reply = await gateway.converse(event)
    assert reply is not None and reply.text == SORRY
