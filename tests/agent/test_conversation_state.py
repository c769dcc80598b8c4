"""What a conversation is in the middle of lives in the database: a pending "delete X?" or a
clarifying question is answered in the next message from another process or after a restart,
"it" means the task last talked about, and stale conversations expire."""

from __future__ import annotations

from datetime import timedelta

import pytest

from agent.assistant import Assistant
from agent.messages import InboundMessage
from scheduler.errors import AmbiguousPhrase, Reading
from scheduler.models import TaskStatus
from scheduler.service_conversations import CONVERSATION_TTL

ZONE = "Europe/Berlin"


def test_delete_then_yes_works_across_two_chat_commands_and_a_restart(cli):
    assert cli("task", "add", "--name", "stand-up", "--cron", "0 9 * * 1-5", "--remind", "stand-up").code == 0
    asked = cli("chat", "-m", "delete the stand-up reminder")
    assert asked.code == 0 and asked.out.startswith("Delete 'stand-up' (task #1")
    assert [t["name"] for t in cli("task", "list", "--json").json()] == ["stand-up"]
    done = cli("chat", "-m", "yes")  # a new App: a new store, a new assistant, nothing in memory
    assert done.out.strip() == "Deleted 'stand-up' (task #1)."
    assert cli("task", "list", "--json").json() == []


def test_a_clarifying_question_is_answered_in_the_next_chat_command(cli):
    asked = cli("chat", "-m", "remind me to call mom")
    assert asked.out.startswith("When should I remind you to call mom?")
    done = cli("chat", "-m", "tomorrow at 5pm")
    assert done.out.startswith("Done: 'call mom' (task #1), once on")
    [task] = cli("task", "list", "--json").json()
    assert task["triggers"][0]["kind"] == "once" and task["action"]["message"] == "call mom"


async def _say(assistant: Assistant, text: str, conversation_id: str = "slack:T1:C1") -> str:
    message = InboundMessage(text=text, user="alice", timezone=ZONE, conversation_id=conversation_id,
                             conversation={"platform": "slack", "team": "T1", "channel": "C1"})
    return (await assistant.handle(message)).text


async def test_a_question_asked_by_one_worker_is_answered_in_another(service, store_url, add_task):
    add_task("backup")
    first = Assistant(service, default_timezone=ZONE, database_url=store_url)
    second = Assistant(service, default_timezone=ZONE, database_url=store_url)
    assert (await _say(first, "delete backup")).startswith("Delete 'backup'")
    assert await _say(second, "yes") == "Deleted 'backup' (task #1)."
    assert service.list_tasks() == []
    assert (await _say(first, "remind me every monday")).startswith("What should I remind you of")
    assert (await _say(second, "to water the plants")).startswith("Done: 'water the plants'")


async def test_it_means_the_task_last_talked_about_in_this_conversation_only(service, store_url, add_task):
    add_task("backup")
    add_task("report")
    assistant = Assistant(service, default_timezone=ZONE, database_url=store_url)
    await _say(assistant, "tell me about the report")
    other = await _say(assistant, "pause it", conversation_id="slack:T1:C2")
    assert "not sure what 'it' is" in other
    assert (await _say(assistant, "pause it")).startswith("Paused 'report'")
    assert service.get_task("backup").status == TaskStatus.ACTIVE


async def test_a_yes_long_after_the_question_or_in_another_conversation_deletes_nothing(
    service, store_url, add_task, clock
):
    add_task("backup")
    assistant = Assistant(service, default_timezone=ZONE, database_url=store_url)
    await _say(assistant, "delete backup")
    assert (await _say(assistant, "yes", conversation_id="slack:T1:C2")).startswith("Yes to what?")
    clock.advance(CONVERSATION_TTL + timedelta(minutes=1))
    assert (await _say(assistant, "yes")).startswith("Yes to what?")  # the state expired
    assert service.get_task("backup")


def test_stale_conversations_are_dropped(service, clock):
    service.begin_conversation_turn("old")
    service.save_conversation("old", {"last_task_id": 1})
    clock.advance(timedelta(days=1))
    service.begin_conversation_turn("new")
    clock.advance(CONVERSATION_TTL - timedelta(hours=12))
    assert service.forget_stale_conversations() == 1
    assert service.begin_conversation_turn("new") == (2, {})
    assert service.begin_conversation_turn("old") == (1, {})  # gone: starts over


def test_turns_count_per_conversation_and_the_state_round_trips(service):
    assert service.begin_conversation_turn("a") == (1, {})
    service.save_conversation("a", {"pending": {"kind": "clarify"}, "asked": {"3": 1}})
    assert service.begin_conversation_turn("a") == (2, {"pending": {"kind": "clarify"}, "asked": {"3": 1}})
    assert service.begin_conversation_turn("b") == (1, {})


async def test_an_ambiguous_phrase_becomes_a_question_and_the_answer_carries_on(service, store_url):
    assistant = Assistant(service, default_timezone=ZONE, database_url=store_url)
    asked = await _say(assistant, "remind me every second tuesday to pay the cleaner")
    assert "Which do you mean?" in asked and "1. every other Tuesday" in asked
    assert service.list_tasks() == []
    done = await _say(assistant, "the second one")
    assert done.startswith("Done: 'pay the cleaner'") and "second Tuesday" in done
    [task] = service.list_tasks()
    assert task.action.model_dump()["message"] == "pay the cleaner"


async def test_any_parser_ambiguity_is_asked_generically(service, store_url, monkeypatch):
    """The flow doesn't know the phrases: whatever the parser finds ambiguous is asked about."""
    from agent import requests as request_reading
    from scheduler import phrases

    real_split, real_parse = request_reading.split_request, phrases.parse_schedule
    readings = (Reading("at 7:00", "at 7am"), Reading("at 19:00", "at 7pm"))

    def split(text, **kw):
        if "at seven" in text:
            raise AmbiguousPhrase("'at seven' could be morning or evening.", readings)
        return real_split(text, **kw)

    def parse(text, **kw):
        if text.strip() == "at seven":
            raise AmbiguousPhrase("'at seven' could be morning or evening.", readings)
        return real_parse(text, **kw)

    monkeypatch.setattr(request_reading, "split_request", split)
    monkeypatch.setattr(phrases, "parse_schedule", parse)
    assistant = Assistant(service, default_timezone=ZONE, database_url=store_url)
    asked = await _say(assistant, "remind me tomorrow at seven to feed the cat")
    assert asked.startswith("'at seven' could be morning or evening. Which do you mean?\n1. at 7:00\n2. at 19:00")
    done = await _say(assistant, "19:00")
    assert done.startswith("Done: 'feed the cat'") and "19:00" in done


@pytest.mark.parametrize("answer", ["never mind", "no", "forget it"])
async def test_a_pending_question_can_be_dropped(service, store_url, answer):
    assistant = Assistant(service, default_timezone=ZONE, database_url=store_url)
    await _say(assistant, "remind me to call mom")
    assert await _say(assistant, answer) == "OK, I've dropped that."
    # no longer the answer to "when?": a new request, which lacks its "what"
    assert (await _say(assistant, "tomorrow at 5pm")).startswith("What should I remind you of")
    assert service.list_tasks() == []
