"""The assistant's edges: the one per-conversation lock, the one apology, the one zone fallback."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent import offline
from agent.assistant import Assistant
from agent.messages import InboundMessage
from scheduler.clock import FakeClock
from scheduler.service import Service
from scheduler.store import Store
from scheduler.wording import SORRY
from tools.context import ToolContext


@pytest.fixture
def service(tmp_path: Path, clock: FakeClock) -> Iterator[Service]:
    store = Store(f"sqlite:///{tmp_path / 'assistant.db'}")
    yield Service(store, clock=clock, default_timezone="UTC")
    store.close()


def message(text: str, conversation_id: str, *, timezone: str | None = None) -> InboundMessage:
    return InboundMessage(text=text, user="alice", conversation_id=conversation_id, timezone=timezone)


class Gate:
    """Offline answers that wait, in their worker thread, until the test lets them finish."""

    def __init__(self) -> None:
        self.entered: dict[str, threading.Event] = {}
        self.release: dict[str, threading.Event] = {}
        self.zones: dict[str, str] = {}

    def answer(self, ctx: ToolContext, text: str) -> offline.Answer:
        self.zones[text] = ctx.timezone
        self.entered.setdefault(text, threading.Event()).set()
        assert self.release.setdefault(text, threading.Event()).wait(10)
        return offline.Answer(f"answered {text}")

    def prepare(self, *texts: str) -> None:
        for text in texts:
            self.entered[text] = threading.Event()
            self.release[text] = threading.Event()

    async def wait_entered(self, text: str, seconds: float = 10) -> bool:
        return await asyncio.to_thread(self.entered[text].wait, seconds)


async def test_turns_of_one_conversation_wait_for_each_other_and_others_do_not(service, monkeypatch):
    gate = Gate()
    gate.prepare("first", "second", "elsewhere")
    monkeypatch.setattr(offline, "answer", gate.answer)
    assistant = Assistant(service)
    first = asyncio.create_task(assistant.handle(message("first", "slack:T1:C1")))
    assert await gate.wait_entered("first")
    second = asyncio.create_task(assistant.handle(message("second", "slack:T1:C1")))
    other = asyncio.create_task(assistant.handle(message("elsewhere", "tg:42")))
    assert await gate.wait_entered("elsewhere")  # another conversation is not held up
    assert not await gate.wait_entered("second", 0.2)  # the same one waits its turn
    gate.release["elsewhere"].set()
    gate.release["first"].set()
    assert (await first).text == "answered first"
    assert await gate.wait_entered("second")
    gate.release["second"].set()
    assert [(await second).text, (await other).text] == ["answered second", "answered elsewhere"]


async def test_an_unknown_zone_from_the_platform_falls_back_to_the_default(service, monkeypatch):
    gate = Gate()
    gate.prepare("a", "b")
    gate.release["a"].set()
    gate.release["b"].set()
    monkeypatch.setattr(offline, "answer", gate.answer)
    assistant = Assistant(service, default_timezone="Europe/Berlin")
    await assistant.handle(message("a", "c1", timezone="Mars/Olympus"))
    await assistant.handle(message("b", "c1", timezone="Asia/Tokyo"))
    assert gate.zones == {"a": "Europe/Berlin", "b": "Asia/Tokyo"}


async def test_a_crash_gets_the_one_apology(service, monkeypatch):
    def broken(ctx: ToolContext, text: str) -> offline.Answer:
        raise RuntimeError("boom")

    monkeypatch.setattr(offline, "answer", broken)
    reply = await Assistant(service).handle(message("list my tasks", "c1"))
    assert reply.text == SORRY
