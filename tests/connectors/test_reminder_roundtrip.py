"""Whole flows: a person asks in a chat, the real assistant (offline mode, no model) creates the
task, the engine fires it on a fake clock, and the reminder arrives in the same conversation."""

from __future__ import annotations

from datetime import timedelta

from fakes.slack_api import event_body, mention, signed_headers
from fakes.telegram_api import WEBHOOK_SECRET, message_update

from connectors.telegram.http import SECRET_HEADER
from scheduler.models import RunStatus


async def _fire(engine, clock, seconds: int = 61) -> None:
    await engine.start()
    clock.advance(timedelta(seconds=seconds))
    await engine.run_until_idle()


async def test_slack_reminder_is_delivered_to_the_same_channel_and_thread(
    slack_http, slack, slack_api, service, make_router, make_engine, clock, sqlite_store
):
    body = event_body(mention("remind me in 1 minute to stretch", channel="C7", ts="1700000000.000100"))
    assert (await slack_http.post("/slack/events", content=body, headers=signed_headers(body))).status_code == 200
    await slack.drain()
    [task] = service.list_tasks()
    assert task.origin["conversation"]["thread"] == "1700000000.000100"
    engine = make_engine(make_router(slack=slack))
    await _fire(engine, clock)
    reminder = slack_api.posts()[-1]
    assert reminder["channel"] == "C7" and reminder["thread_ts"] == "1700000000.000100"
    assert "stretch" in reminder["text"]
    [run] = sqlite_store.list_runs()
    assert run.status == RunStatus.COMPLETED


async def test_slack_delivery_failure_is_recorded_in_the_run(
    slack_http, slack, slack_api, service, make_router, make_engine, clock, sqlite_store
):
    body = event_body(mention("remind me in 1 minute to stretch", channel="C8", ts="6.0"))
    await slack_http.post("/slack/events", content=body, headers=signed_headers(body))
    await slack.drain()
    slack_api.script("chat.postMessage", body={"ok": False, "error": "channel_not_found"})
    await _fire(make_engine(make_router(slack=slack)), clock)
    [run] = sqlite_store.list_runs()
    assert run.status == RunStatus.FAILED
    assert "slack channel C8, thread 6.0" in run.error and "channel_not_found" in run.error


async def test_telegram_reminder_is_delivered_to_the_same_chat(
    telegram_http, telegram, telegram_api, service, make_router, make_engine, clock, sqlite_store
):
    update = message_update(20, "remind me in 1 minute to stretch", user_id=42)
    response = await telegram_http.post("/telegram/webhook", json=update, headers={SECRET_HEADER: WEBHOOK_SECRET})
    assert response.status_code == 200
    await telegram.drain()
    assert len(service.list_tasks()) == 1
    await _fire(make_engine(make_router(telegram=telegram)), clock)
    reminder = telegram_api.sent()[-1]
    assert str(reminder["chat_id"]) == "42" and "stretch" in reminder["text"]
    assert reminder["parse_mode"] == "HTML"
    [run] = sqlite_store.list_runs()
    assert run.status == RunStatus.COMPLETED


async def test_task_named_in_slack_with_a_channel_mention_is_delivered_escaped(
    slack_http, slack, slack_api, make_router, make_engine, clock
):
    body = event_body(mention("remind me in 1 minute to ping <!channel> about the demo", ts="9.0"))
    await slack_http.post("/slack/events", content=body, headers=signed_headers(body))
    await slack.drain()
    await _fire(make_engine(make_router(slack=slack)), clock)
    for post in slack_api.posts():
        everything = post["text"] + "".join(b.get("text", {}).get("text", "") for b in post["blocks"])
        assert "<!channel>" not in everything
    assert "&lt;!channel&gt;" in slack_api.posts()[-1]["text"]
