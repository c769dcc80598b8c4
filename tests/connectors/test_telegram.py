"""Telegram through the real python-telegram-bot Application: updates in through the webhook
route, Bot API calls out to a local server."""

from __future__ import annotations

import time

import pytest
from fakes.telegram_api import WEBHOOK_SECRET, callback_update, message_update

from connectors.telegram.http import SECRET_HEADER

GOOD = {SECRET_HEADER: WEBHOOK_SECRET}


async def test_telegram_start_sets_up_the_webhook_with_its_secret(telegram, telegram_api):
    [webhook] = telegram_api.called("setWebhook")
    assert webhook.params["secret_token"] == WEBHOOK_SECRET
    assert webhook.params["url"].endswith("/telegram/webhook")
    assert telegram_api.called("setMyCommands")


async def test_telegram_webhook_refuses_a_missing_or_wrong_secret(telegram_http, telegram, telegram_api, service):
    update = message_update(1, "remind me in 1 minute to stretch")
    for headers in ({}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: WEBHOOK_SECRET[:-1]}):
        response = await telegram_http.post("/telegram/webhook", json=update, headers=headers)
        assert response.status_code == 403
    await telegram.drain()
    assert service.list_tasks() == [] and telegram_api.sent() == []


async def test_telegram_webhook_with_the_secret_reaches_the_assistant(telegram_http, telegram, telegram_api, service):
    response = await telegram_http.post(
        "/telegram/webhook", json=message_update(2, "remind me in 1 minute to stretch"), headers=GOOD
    )
    assert response.status_code == 200
    await telegram.drain()
    [task] = service.list_tasks()
    assert task.origin["conversation"] == {"platform": "telegram", "chat": "42"}
    assert task.owner == "telegram:42"
    [reply] = telegram_api.sent()
    assert reply["chat_id"] in (42, "42") and reply["parse_mode"] == "HTML"


async def test_telegram_duplicate_update_is_handled_once(telegram_http, telegram, telegram_api, service):
    update = message_update(3, "remind me in 1 minute to stretch")
    for _ in range(3):
        assert (await telegram_http.post("/telegram/webhook", json=update, headers=GOOD)).status_code == 200
    await telegram.drain()
    assert len(service.list_tasks()) == 1
    assert len(telegram_api.sent()) == 1


async def test_telegram_stale_message_is_not_acted_on(telegram_http, telegram, telegram_api, service):
    update = message_update(4, "remind me in 1 minute to stretch", date=time.time() - 3600)
    assert (await telegram_http.post("/telegram/webhook", json=update, headers=GOOD)).status_code == 200
    await telegram.drain()
    assert service.list_tasks() == [] and telegram_api.sent() == []


async def test_telegram_stranger_is_told_how_to_get_access(telegram_http, telegram, telegram_api, service):
    update = message_update(5, "remind me in 1 minute to stretch", user_id=777)
    await telegram_http.post("/telegram/webhook", json=update, headers=GOOD)
    await telegram.drain()
    assert service.list_tasks() == []
    [reply] = telegram_api.sent()
    assert "777" in reply["text"] and "CRONPILOT_TELEGRAM_ALLOWED" in reply["text"]


async def test_telegram_stranger_in_a_group_is_ignored(telegram_http, telegram, telegram_api, service):
    update = message_update(6, "remind me in 1 minute to stretch", user_id=777, chat_id=-100)
    await telegram_http.post("/telegram/webhook", json=update, headers=GOOD)
    await telegram.drain()
    assert service.list_tasks() == [] and telegram_api.sent() == []


async def test_telegram_tasks_command_lists_with_an_inline_keyboard(telegram_http, telegram, telegram_api):
    await telegram_http.post("/telegram/webhook", json=message_update(7, "remind me every day at 9 to <b>stand</b> up"),
                             headers=GOOD)
    await telegram_http.post("/telegram/webhook", json=message_update(8, "/tasks"), headers=GOOD)
    await telegram.drain()
    listing = telegram_api.sent()[-1]
    assert listing["text"].startswith("<b>Your tasks</b>")
    assert "&lt;b&gt;stand&lt;/b&gt;" in listing["text"]  # the name is data, escaped
    buttons = [b for row in listing["reply_markup"]["inline_keyboard"] for b in row]
    assert {b["callback_data"].split(":")[1] for b in buttons} == {"pause", "run_now"}


async def test_telegram_button_pauses_the_task(telegram_http, telegram, telegram_api, service):
    await telegram_http.post("/telegram/webhook", json=message_update(9, "remind me every day at 9 to stand up"),
                             headers=GOOD)
    await telegram.drain()
    [task] = service.list_tasks()
    await telegram_http.post("/telegram/webhook", json=callback_update(10, f"cp:pause:{task.task_id}"), headers=GOOD)
    await telegram.drain()
    assert service.get_task(task.task_id).status == "paused"
    assert telegram_api.called("answerCallbackQuery")
    assert "aused" in telegram_api.sent()[-1]["text"]


async def test_telegram_tz_command_sets_the_zone_new_tasks_use(telegram_http, telegram, telegram_api, service):
    await telegram_http.post("/telegram/webhook", json=message_update(11, "/tz Mars/Olympus"), headers=GOOD)
    await telegram_http.post("/telegram/webhook", json=message_update(12, "/tz Asia/Tokyo"), headers=GOOD)
    await telegram.drain()
    texts = [m["text"] for m in telegram_api.sent()]
    assert "unknown time zone" in texts[0] and "Asia/Tokyo" in texts[1]
    await telegram_http.post("/telegram/webhook", json=message_update(13, "remind me tomorrow at 9 to call Bob"),
                             headers=GOOD)
    await telegram.drain()
    [task] = service.list_tasks()
    assert task.timezone == "Asia/Tokyo"


async def test_telegram_help_and_runs_commands_answer(telegram_http, telegram, telegram_api):
    await telegram_http.post("/telegram/webhook", json=message_update(14, "/help"), headers=GOOD)
    await telegram_http.post("/telegram/webhook", json=message_update(15, "/runs"), headers=GOOD)
    await telegram.drain()
    texts = [m["text"] for m in telegram_api.sent()]
    assert any("/tasks" in t for t in texts) and any("Recent runs" in t for t in texts)


async def test_telegram_claim_command_makes_one_sender_admin(telegram_http, telegram, telegram_api,
                                                             gateway, sqlite_store):
    code = gateway.people.issue_claim_code()
    for update_id, user_id in ((40, 555), (41, 556)):  # two chats: handled concurrently
        update = message_update(update_id, f"/claim {code}", user_id=user_id)
        await telegram_http.post("/telegram/webhook", json=update, headers=GOOD)
    await telegram.drain()
    texts = sorted(m["text"] for m in telegram_api.sent())
    assert "now an admin" in texts[0] and "not valid" in texts[1]
    people = [sqlite_store.find_identity("telegram", uid) for uid in ("555", "556")]
    assert sorted(str(p and p.role) for p in people) == ["None", "admin"]  # the loser got no account
    assert sqlite_store.count_admins() == 1


@pytest.mark.parametrize(("language_code", "message", "described"), [
    ("pt-br", "alongar", "a cada 15 minutos"),
    (None, "a alongar", "cada 15 minutos"),  # no hint: the tie goes to Spanish
])
async def test_telegram_language_code_reaches_the_time_phrase_reader(
        telegram_http, telegram, telegram_api, service, language_code, message, described):
    update = message_update(9, "a cada 15 minutos alongar", language_code=language_code)
    assert (await telegram_http.post("/telegram/webhook", json=update, headers=GOOD)).status_code == 200
    await telegram.drain()
    [task] = service.list_tasks()
    assert task.action.message == message
    [reply] = telegram_api.sent()
    assert f"{described}, " in reply["text"]
