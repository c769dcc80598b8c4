"""The connectors as ``serve`` runs them: which are on and why, Socket Mode, and the routes on a
real uvicorn server bound to port 0."""

from __future__ import annotations

import httpx
from fakes.slack_api import SIGNING_SECRET, event_body, mention, signed_headers
from fakes.telegram_api import TOKEN, WEBHOOK_SECRET, message_update

from connectors.console import ConsoleNotifier
from connectors.runtime import Connectors
from connectors.slack.app import SlackConfig
from connectors.telegram.bot import TelegramConfig
from connectors.telegram.http import SECRET_HEADER
from connectors.web import HttpServer, build_api
from scheduler.actions.base import SmtpConfig


async def test_runtime_reports_every_connector_off_without_settings(gateway):
    connectors = Connectors(gateway=gateway, console=ConsoleNotifier())
    lines = [s.line() for s in await connectors.start()]
    assert lines == [
        "slack: off (SLACK_BOT_TOKEN not set)",
        "telegram: off (TELEGRAM_BOT_TOKEN not set)",
        "email: off (CRONPILOT_SMTP_HOST not set)",
    ]
    assert connectors.routers() == [] and not connectors.chat_enabled
    await connectors.stop()


async def test_runtime_refuses_a_weak_telegram_webhook_secret(gateway, telegram_api):
    config = TelegramConfig(bot_token=TOKEN, api_url=telegram_api.api_url, webhook_secret="short",
                            webhook_url="https://example.invalid/telegram/webhook")
    connectors = Connectors(gateway=gateway, console=ConsoleNotifier(), telegram=config)
    statuses = {s.name: s for s in await connectors.start()}
    assert not statuses["telegram"].on and "32-256" in statuses["telegram"].why
    assert connectors.routers() == [] and telegram_api.called("setWebhook") == []
    await connectors.stop()


async def test_runtime_serves_slack_and_telegram_routes_on_a_real_port(gateway, slack_api, telegram_api, service):
    connectors = Connectors(
        gateway=gateway, console=ConsoleNotifier(),
        slack=SlackConfig(bot_token="xoxb-test", signing_secret=SIGNING_SECRET, api_url=slack_api.api_url),
        telegram=TelegramConfig(bot_token=TOKEN, api_url=telegram_api.api_url, webhook_secret=WEBHOOK_SECRET,
                                webhook_url="https://bot.example.com/telegram/webhook"),
        smtp=SmtpConfig(host="127.0.0.1", port=2525, security="none"),
    )
    statuses = {s.name: s.line() for s in await connectors.start()}
    assert statuses["slack"] == "slack: on (workspace Team One, HTTP mode at POST /slack/events)"
    assert statuses["telegram"] == "telegram: on (@cronpilot_bot, webhook https://bot.example.com/telegram/webhook)"
    assert statuses["email"].startswith("email: on (SMTP 127.0.0.1:2525 (none)")
    server = HttpServer(build_api(connectors.routers()), host="127.0.0.1", port=0)
    await server.start()
    try:
        async with httpx.AsyncClient(base_url=server.url) as client:
            assert (await client.get("/healthz")).json() == {"status": "ok"}
            body = event_body(mention("remind me in 1 minute to stretch"), event_id="EvReal")
            assert (await client.post("/slack/events", content=body, headers=signed_headers(body))).status_code == 200
            update = message_update(30, "remind me in 2 minutes to drink water")
            response = await client.post("/telegram/webhook", json=update, headers={SECRET_HEADER: WEBHOOK_SECRET})
            assert response.status_code == 200
            assert (await client.post("/telegram/webhook", json=update)).status_code == 403
        await connectors.slack.drain()
        await connectors.telegram.drain()
    finally:
        await server.stop()
        await connectors.stop()
    assert sorted(t.owner for t in service.list_tasks()) == ["slack:U1", "telegram:42"]


async def test_slack_socket_mode_handles_an_event_and_acks_it(gateway, slack_api, service):
    connectors = Connectors(
        gateway=gateway, console=ConsoleNotifier(),
        slack=SlackConfig(bot_token="xoxb-test", app_token="xapp-test", api_url=slack_api.api_url),
    )
    [slack_status, *_] = await connectors.start()
    try:
        assert slack_status.line() == "slack: on (workspace Team One, Socket Mode)"
        [opened] = slack_api.called("apps.connections.open")
        assert opened.headers["Authorization"] == "Bearer xapp-test"
        payload = {"type": "event_callback", "team_id": "T1", "api_app_id": "A1", "event_id": "EvSock",
                   "event": mention("remind me in 1 minute to stretch", ts="3.0")}
        await slack_api.push_envelope({"envelope_id": "env-1", "type": "events_api", "payload": payload,
                                       "accepts_response_payload": False})
        assert slack_api.socket_acks[-1]["envelope_id"] == "env-1"
        await connectors.slack.drain()
    finally:
        await connectors.stop()
    [task] = service.list_tasks()
    assert task.origin["conversation"]["thread"] == "3.0"
    assert slack_api.posts()[-1]["thread_ts"] == "3.0"
