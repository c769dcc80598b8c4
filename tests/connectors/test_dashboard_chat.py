"""Asking for the dashboard in chat: the person gets their own one-time link, privately (a DM or
Slack's ephemeral slash-command answer), never in a group."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from fakes.slack_api import SIGNING_SECRET, signed_headers

from connectors.chat import ChatEvent, ChatGateway
from connectors.slack.app import SlackConfig, SlackConnector
from connectors.slack.http import slack_router
from scheduler.service import Service

LINK = re.compile(r"https://cron\.example\.com/dashboard/signin\?token=([\w-]+)")


def _event(text: str, *, private: bool = True, user: str = "U1") -> ChatEvent:
    return ChatEvent(platform="slack", platform_user=user, text=text,
                     conversation={"platform": "slack", "team": "T1", "channel": "D1" if private else "C1"},
                     conversation_id=f"slack:T1:{'D1' if private else 'C1'}", private=private)


def _gateway(gateway: ChatGateway) -> ChatGateway:
    gateway.dashboard_url = "https://cron.example.com/dashboard"
    return gateway


async def test_open_the_dashboard_in_a_dm_sends_the_persons_own_link(gateway: ChatGateway, service: Service):
    reply = await _gateway(gateway).converse(_event("hey, open the dashboard please"))
    assert reply is not None
    found = LINK.search(reply.text)
    assert found, reply.text
    signed = service.web.sign_in(found.group(1))
    assert signed is not None and signed[1].actor.user == "slack:U1" and signed[1].actor.role.value == "member"


async def test_in_a_group_the_link_is_refused(gateway: ChatGateway, service: Service):
    reply = await _gateway(gateway).converse(_event("/cronpilot dashboard", private=False))
    assert reply is not None and "direct message" in reply.text and not LINK.search(reply.text)


async def test_a_question_about_dashboards_is_not_a_link_request(gateway: ChatGateway):
    reply = await _gateway(gateway).converse(_event("remind me to check the dashboard at 9"))
    assert reply is not None and not LINK.search(reply.text)


async def test_slack_slash_dashboard_answers_ephemerally_with_a_link(slack_api, gateway: ChatGateway,
                                                                     service: Service):
    import httpx

    from connectors.web import build_api

    connector = SlackConnector(SlackConfig(bot_token="xoxb-test", signing_secret=SIGNING_SECRET,
                                           api_url=slack_api.api_url), _gateway(gateway))
    try:
        transport = httpx.ASGITransport(app=build_api([slack_router(connector)]))
        async with httpx.AsyncClient(transport=transport, base_url="http://cronpilot") as client:
            form = urlencode({
                "command": "/cronpilot", "text": "dashboard", "user_id": "U1", "user_name": "ann", "team_id": "T1",
                "channel_id": "C1", "trigger_id": "tr9", "response_url": slack_api.response_url("dash"),
            })
            response = await client.post("/slack/events", content=form,
                                         headers=signed_headers(form, content_type="application/x-www-form-urlencoded"))
            assert response.status_code == 200
            await connector.drain()
        [answer] = slack_api.responses
        assert answer.params.get("response_type", "ephemeral") == "ephemeral"
        found = LINK.search(answer.params["text"])
        assert found and service.web.sign_in(found.group(1)) is not None
        assert slack_api.posts() == [], "nothing posted to the channel"
    finally:
        await connector.stop()
