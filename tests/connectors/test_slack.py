"""Slack in HTTP mode through the real slack-bolt app and slack-sdk client: signed requests in,
Web API calls out to a local server."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import httpx
from fakes.slack_api import SIGNING_SECRET, event_body, mention, signed_headers

from connectors.slack.app import SlackConfig, SlackConnector
from connectors.slack.http import slack_router
from connectors.web import build_api


async def test_slack_mention_gets_a_reply_in_its_thread(slack_http, slack, slack_api, service):
    body = event_body(mention("list my tasks", ts="5.0"))
    response = await slack_http.post("/slack/events", content=body, headers=signed_headers(body))
    assert response.status_code == 200
    await slack.drain()
    [post] = slack_api.posts()
    assert post["channel"] == "C1" and post["thread_ts"] == "5.0"
    assert post["blocks"][0]["type"] == "section"


async def test_slack_refuses_a_bad_signature_and_creates_nothing(slack_http, slack, slack_api, service):
    body = event_body(mention("remind me in 1 minute to stretch"))
    headers = signed_headers(body, secret="not-the-secret")
    response = await slack_http.post("/slack/events", content=body, headers=headers)
    assert response.status_code == 401
    await slack.drain()
    assert service.list_tasks() == []
    assert slack_api.posts() == [] and slack_api.called("auth.test") == []


async def test_slack_refuses_a_body_changed_after_signing(slack_http, slack, service):
    body = event_body(mention("remind me in 1 minute to stretch"))
    headers = signed_headers(body)
    response = await slack_http.post("/slack/events", content=body.replace("stretch", "strftch"), headers=headers)
    assert response.status_code == 401
    await slack.drain()
    assert service.list_tasks() == []


async def test_slack_refuses_an_old_timestamp(slack_http, slack, service):
    body = event_body(mention("remind me in 1 minute to stretch"))
    response = await slack_http.post(
        "/slack/events", content=body, headers=signed_headers(body, timestamp=int(time.time()) - 301)
    )
    assert response.status_code == 401
    await slack.drain()
    assert service.list_tasks() == []


async def test_slack_retries_of_one_event_are_handled_once(slack_http, slack, slack_api, service):
    body = event_body(mention("remind me in 1 minute to stretch"), event_id="Ev42")
    for retry in range(4):
        headers = signed_headers(body)
        if retry:
            headers |= {"x-slack-retry-num": str(retry), "x-slack-retry-reason": "http_timeout"}
        response = await slack_http.post("/slack/events", content=body, headers=headers)
        assert response.status_code == 200
    await slack.drain()
    assert [t.name for t in service.list_tasks()] != [] and len(service.list_tasks()) == 1
    assert len(slack_api.posts()) == 1


async def test_slack_url_verification_answers_the_challenge(slack_http):
    body = json.dumps({"type": "url_verification", "challenge": "abc123", "token": "x"})
    response = await slack_http.post("/slack/events", content=body, headers=signed_headers(body))
    assert response.status_code == 200 and "abc123" in response.text


async def test_slack_direct_message_uses_the_profile_time_zone(slack_http, slack, slack_api, service):
    event = {"type": "message", "channel_type": "im", "user": "U1", "text": "remind me tomorrow at 9 to call Bob",
             "channel": "D1", "ts": "7.0", "team": "T1"}
    body = event_body(event, event_id="EvDM")
    assert (await slack_http.post("/slack/events", content=body, headers=signed_headers(body))).status_code == 200
    await slack.drain()
    [task] = service.list_tasks()
    assert task.timezone == "Europe/Berlin"  # from users.info → user.tz
    assert task.origin["conversation"] == {"platform": "slack", "team": "T1", "channel": "D1"}
    [post] = slack_api.posts()
    assert post["channel"] == "D1" and post.get("thread_ts") is None


async def test_slack_ignores_its_own_messages(slack_http, slack, slack_api):
    event = {"type": "message", "channel_type": "im", "user": "UBOT", "bot_id": "BBOT", "text": "hello",
             "channel": "D1", "ts": "8.0", "team": "T1"}
    body = event_body(event, event_id="EvSelf")
    assert (await slack_http.post("/slack/events", content=body, headers=signed_headers(body))).status_code == 200
    await slack.drain()
    assert slack_api.posts() == []


async def test_slack_slash_command_lists_tasks_with_block_kit_buttons(slack_http, slack, slack_api, service):
    create = event_body(mention("remind me every day at 9 to stand up"), event_id="EvC")
    await slack_http.post("/slack/events", content=create, headers=signed_headers(create))
    await slack.drain()
    form = urlencode({
        "command": "/cronpilot", "text": "tasks", "user_id": "U1", "user_name": "ann", "team_id": "T1",
        "channel_id": "C1", "trigger_id": "tr1", "response_url": slack_api.response_url("tasks"),
    })
    headers = signed_headers(form, content_type="application/x-www-form-urlencoded")
    response = await slack_http.post("/slack/events", content=form, headers=headers)
    assert response.status_code == 200
    await slack.drain()
    [answer] = slack_api.responses
    kinds = [b["type"] for b in answer.params["blocks"]]
    assert kinds[0] == "section" and "actions" in kinds
    actions = next(b for b in answer.params["blocks"] if b["type"] == "actions")
    assert {e["value"].split(":")[0] for e in actions["elements"]} == {"pause", "run_now"}


async def test_slack_button_pauses_for_the_clicking_owner(slack_http, slack, slack_api, service):
    create = event_body(mention("remind me every day at 9 to stand up"), event_id="EvB")
    await slack_http.post("/slack/events", content=create, headers=signed_headers(create))
    await slack.drain()
    [task] = service.list_tasks()
    payload = {
        "type": "block_actions", "team": {"id": "T1"}, "user": {"id": "U1"}, "api_app_id": "A1",
        "channel": {"id": "C1"}, "container": {"type": "message", "message_ts": "9.0"},
        "message": {"ts": "9.0", "thread_ts": "5.0", "text": "tasks"}, "response_url": slack_api.response_url("b"),
        "trigger_id": "tr2",
        "actions": [{"action_id": f"cronpilot:pause:{task.task_id}", "value": f"pause:{task.task_id}",
                     "type": "button", "text": {"type": "plain_text", "text": "Pause"}, "action_ts": "9.1"}],
    }
    form = urlencode({"payload": json.dumps(payload)})
    for _ in range(2):  # a double delivery of the click is handled once
        headers = signed_headers(form, content_type="application/x-www-form-urlencoded")
        assert (await slack_http.post("/slack/events", content=form, headers=headers)).status_code == 200
    await slack.drain()
    assert service.get_task(task.task_id).status == "paused"
    replies = [p for p in slack_api.posts() if p.get("thread_ts") == "5.0"]
    assert len(replies) == 2  # the creation reply and one answer to the click
    assert "Paused" in replies[-1]["text"] or "paused" in replies[-1]["text"]


async def test_slack_stranger_cannot_press_someone_elses_button(slack_http, slack, slack_api, service):
    create = event_body(mention("remind me every day at 9 to stand up"), event_id="EvS")
    await slack_http.post("/slack/events", content=create, headers=signed_headers(create))
    await slack.drain()
    [task] = service.list_tasks()
    payload = {
        "type": "block_actions", "team": {"id": "T1"}, "user": {"id": "U2"}, "channel": {"id": "C1"},
        "message": {"ts": "9.0"}, "response_url": slack_api.response_url("s"), "trigger_id": "tr3",
        "actions": [{"action_id": f"cronpilot:pause:{task.task_id}", "value": f"pause:{task.task_id}",
                     "type": "button", "text": {"type": "plain_text", "text": "Pause"}, "action_ts": "9.2"}],
    }
    form = urlencode({"payload": json.dumps(payload)})
    headers = signed_headers(form, content_type="application/x-www-form-urlencoded")
    assert (await slack_http.post("/slack/events", content=form, headers=headers)).status_code == 200
    await slack.drain()
    assert service.get_task(task.task_id).status == "active"  # U2 is a member, not the owner


async def test_slack_claim_code_is_refused_in_a_channel_and_accepted_in_a_dm(slack_http, slack, slack_api, gateway,
                                                                            sqlite_store):
    code = gateway.people.issue_claim_code()
    public = event_body(mention(f"claim {code}", user="U9"), event_id="EvPub")
    await slack_http.post("/slack/events", content=public, headers=signed_headers(public))
    await slack.drain()
    assert "direct message" in slack_api.posts()[-1]["text"]
    assert sqlite_store.find_identity("slack", "U9") is None
    dm = {"type": "message", "channel_type": "im", "user": "U9", "text": f"claim {code}", "channel": "D9",
          "ts": "2.0", "team": "T1"}
    private = event_body(dm, event_id="EvDm")
    await slack_http.post("/slack/events", content=private, headers=signed_headers(private))
    await slack.drain()
    assert "now an admin" in slack_api.posts()[-1]["text"]
    assert sqlite_store.find_identity("slack", "U9").role == "admin"


async def test_slack_slash_command_free_text_goes_to_the_assistant(slack_http, slack, slack_api, service):
    form = urlencode({
        "command": "/cronpilot", "text": "remind me in 5 minutes to check the oven", "user_id": "U1",
        "team_id": "T1", "channel_id": "C3", "trigger_id": "tr9", "response_url": slack_api.response_url("free"),
    })
    headers = signed_headers(form, content_type="application/x-www-form-urlencoded")
    assert (await slack_http.post("/slack/events", content=form, headers=headers)).status_code == 200
    await slack.drain()
    [task] = service.list_tasks()
    assert task.origin["conversation"] == {"platform": "slack", "team": "T1", "channel": "C3"}
    [answer] = slack_api.responses
    assert "check the oven" in answer.params["text"]


async def test_slack_user_from_another_organization_is_ignored(slack_http, slack, slack_api, service):
    event = mention("remind me in 1 minute to stretch", user="UEXT") | {"user_team": "T999"}
    body = event_body(event, event_id="EvExt")
    assert (await slack_http.post("/slack/events", content=body, headers=signed_headers(body))).status_code == 200
    await slack.drain()
    assert service.list_tasks() == [] and slack_api.posts() == []


async def test_slack_is_acknowledged_before_the_assistant_answers(slack_api, sqlite_store, service, clock):
    import asyncio

    from fakes.slack_api import SIGNING_SECRET

    from agent.messages import OutboundMessage
    from connectors.chat import ChatGateway
    from connectors.slack.app import SlackConfig, SlackConnector
    from connectors.slack.http import slack_router
    from connectors.web import build_api

    release = asyncio.Event()

    class SlowAssistant:  # an agent turn that takes longer than Slack's 3 seconds
        async def handle(self, message):
            await release.wait()
            return OutboundMessage("done thinking")

        async def press(self, action, *, user, role):
            return OutboundMessage("pressed")

    slow = SlowAssistant()
    gateway = ChatGateway(service=service, assistant=lambda: slow, clock=clock)
    connector = SlackConnector(
        SlackConfig(bot_token="xoxb-test", signing_secret=SIGNING_SECRET, api_url=slack_api.api_url), gateway
    )
    api = build_api([slack_router(connector)])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api), base_url="http://cronpilot") as client:
        body = event_body(mention("think hard"), event_id="EvSlow")
        response = await client.post("/slack/events", content=body, headers=signed_headers(body))
    assert response.status_code == 200 and not release.is_set()  # acked while the turn still runs
    assert slack_api.posts() == []
    release.set()
    await connector.drain()
    assert slack_api.posts()[-1]["text"] == "done thinking"


async def test_slack_event_signed_for_another_workspace_creates_no_account_and_no_answer(
    slack_http, slack, slack_api, service, sqlite_store
):
    event = mention("remind me in 1 minute to stretch") | {"team": "T2"}
    body = event_body(event, event_id="EvOther", team="T2")
    response = await slack_http.post("/slack/events", content=body, headers=signed_headers(body))
    assert response.status_code == 200  # acknowledged, so Slack doesn't retry it
    await slack.drain()
    assert service.list_tasks() == [] and slack_api.posts() == []
    assert sqlite_store.find_identity("slack", "U1") is None
    # The same event for our workspace (T1, from auth.test) is served.
    ours = event_body(mention("remind me in 1 minute to stretch"), event_id="EvOurs")
    assert (await slack_http.post("/slack/events", content=ours, headers=signed_headers(ours))).status_code == 200
    await slack.drain()
    assert len(service.list_tasks()) == 1 and len(slack_api.posts()) == 1


async def test_slack_command_and_button_from_another_workspace_are_dropped(slack_http, slack, slack_api, service):
    form = urlencode({
        "command": "/cronpilot", "text": "tasks", "user_id": "U1", "user_name": "ann", "team_id": "T2",
        "channel_id": "C1", "trigger_id": "tr2", "response_url": slack_api.response_url("other"),
    })
    headers = signed_headers(form, content_type="application/x-www-form-urlencoded")
    assert (await slack_http.post("/slack/events", content=form, headers=headers)).status_code == 200
    await slack.drain()
    assert slack_api.responses == []


async def test_slack_configured_workspaces_and_app_id_are_enforced(slack_api, gateway, service):
    connector = SlackConnector(SlackConfig(bot_token="xoxb-test", signing_secret=SIGNING_SECRET,
                                           api_url=slack_api.api_url, team_ids=frozenset({"T9"}),
                                           app_id="A1"), gateway)
    try:
        async with _client(connector, slack_router) as client:
            t1 = event_body(mention("remind me in 1 minute to stretch"), event_id="EvT1")
            t9 = event_body(mention("remind me in 2 minutes to stretch") | {"team": "T9"}, event_id="EvT9", team="T9")
            wrong_app = json.loads(t9) | {"api_app_id": "A2", "event_id": "EvA2"}
            for body in (t1, json.dumps(wrong_app), t9):
                await client.post("/slack/events", content=body, headers=signed_headers(body))
            await connector.drain()
        [task] = service.list_tasks()  # only T9's event with the right app id was served
        assert task.origin is not None and task.origin["conversation"]["team"] == "T9"
    finally:
        await connector.stop()


def _client(connector, router_of):
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=build_api([router_of(connector)])),
                             base_url="http://cronpilot")


async def test_slack_start_has_no_token_unused_warning(slack_api, gateway, monkeypatch, caplog):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")  # bolt reads it on its own, as at serve
    with caplog.at_level("WARNING"):
        connector = SlackConnector(SlackConfig(bot_token="xoxb-test", signing_secret=SIGNING_SECRET,
                                               api_url=slack_api.api_url), gateway)
    try:
        assert not [r for r in caplog.records if r.name.startswith("slack_bolt")]
    finally:
        await connector.stop()


async def test_slack_user_locale_reaches_the_time_phrase_reader(slack_http, slack, slack_api, service):
    # "a cada 15 minutos" reads as Spanish or Portuguese; the person's Slack locale decides.
    slack_api.add_user("U1", tz="Europe/Lisbon", name="Ann", locale="pt-BR")
    event = {"type": "message", "channel_type": "im", "user": "U1", "text": "a cada 15 minutos alongar",
             "channel": "D1", "ts": "8.0", "team": "T1"}
    body = event_body(event, event_id="EvLocale")
    assert (await slack_http.post("/slack/events", content=body, headers=signed_headers(body))).status_code == 200
    await slack.drain()
    [call] = slack_api.called("users.info")
    assert str(call.params.get("include_locale")).lower() in ("true", "1")
    [task] = service.list_tasks()
    assert task.action.message == "alongar"  # Spanish would have kept the "a"
    [post] = slack_api.posts()
    assert "a cada 15 minutos" in post["text"]
