"""The dashboard's live feed as the engine's neighbour on serve's event loop: one read per poll
off the loop's thread whatever the number of open pages, a poll's changes coalesced and encoded
once for every page that sees them, and a full poll read again at once. A scripted change feed
stands in for the service, so each poll's contents are known."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any, cast

from connectors.dashboard import LiveFeed
from scheduler.service import Actor, Role, Service
from scheduler.service_views import Change, Changes, Cursor

ADMIN = Actor("owner", Role.ADMIN)
OTHER_ADMIN = Actor("second", Role.ADMIN)
MEMBER = Actor("slack:M2", Role.MEMBER)


class ScriptedFeed:
    """What ``LiveFeed`` asks of the service, answering each read with the next scripted page
    (then nothing new); records the thread of every read."""

    def __init__(self, *pages: Changes, owners: dict[int, str] | None = None) -> None:
        self.pages = list(pages)
        self.owners = owners or {}
        self.reads = 0
        self.threads: list[threading.Thread] = []
        self.limits: list[int] = []
        self.started = threading.Event()  # the reader has taken its starting cursor
        self.fifth_read = threading.Event()

    def change_cursor(self) -> Cursor:
        self.threads.append(threading.current_thread())
        self.started.set()
        return Cursor()

    def changes_since(self, cursor: Cursor, *, limit: int = 500) -> Changes:
        self.threads.append(threading.current_thread())
        self.reads += 1
        self.limits.append(limit)
        if self.reads >= 5:
            self.fifth_read.set()
        return self.pages.pop(0) if self.pages else Changes(cursor=cursor)

    def get_task(self, task_id: int) -> Any:
        self.threads.append(threading.current_thread())
        return type("Task", (), {"owner": self.owners.get(task_id)})()


def _feed(script: ScriptedFeed, **options: Any) -> LiveFeed:
    return LiveFeed(cast(Service, script), **options)


def _page(*changes: Change, more: bool = False) -> Changes:
    return Changes(cursor=Cursor(run_event=len(changes)), items=list(changes), more=more)


async def test_the_live_feed_reads_once_per_poll_off_the_loop_thread_whatever_the_pages_open() -> None:
    script = ScriptedFeed(_page(Change(task_id=1, status="running", run_id=10)))
    feed = _feed(script, interval=0.01)
    pages = [feed.subscribe(ADMIN) for _ in range(50)]
    try:
        for page in pages:
            await asyncio.wait_for(page.queue.get(), 10)
        assert await asyncio.to_thread(script.fifth_read.wait, 10)  # a few empty polls more
    finally:
        await feed.close()
    assert script.reads == feed.polls  # 50 open pages, one read per poll
    loop_thread = threading.current_thread()
    assert script.threads and all(t is not loop_thread for t in script.threads)


async def test_the_live_feed_sends_each_run_once_per_poll_with_its_newest_status() -> None:
    script = ScriptedFeed(_page(
        Change(task_id=1, status="pending", run_id=10),
        Change(task_id=2, status="running", run_id=11),
        Change(task_id=1, status="running", run_id=10),
        Change(task_id=1, status="paused"),
        Change(task_id=1, status="completed", run_id=10),
    ))
    feed = _feed(script, interval=0.01)
    page = feed.subscribe(ADMIN)
    try:
        message = await asyncio.wait_for(page.queue.get(), 10)
    finally:
        await feed.close()
    assert message.changes == [Change(task_id=2, status="running", run_id=11), Change(task_id=1, status="paused"),
                               Change(task_id=1, status="completed", run_id=10)]
    event, data = message.frame.decode().rstrip("\n").split("\n")
    assert event == "event: change"
    assert json.loads(data.removeprefix("data: ")) == [
        {"task_id": 2, "run_id": 11, "status": "running"}, {"task_id": 1, "run_id": None, "status": "paused"},
        {"task_id": 1, "run_id": 10, "status": "completed"}]


async def test_the_live_feed_encodes_a_poll_once_for_all_pages_that_see_the_same(monkeypatch: Any) -> None:
    encodes: list[object] = []
    dumps = json.dumps

    def counting(value: object, **kwargs: Any) -> str:
        encodes.append(value)
        return dumps(value, **kwargs)

    monkeypatch.setattr(json, "dumps", counting)  # the module the feed encodes with
    script = ScriptedFeed(_page(Change(task_id=1, status="running", run_id=10),
                                Change(task_id=2, status="running", run_id=11)), owners={1: "owner", 2: MEMBER.user})
    feed = _feed(script, interval=0.01)
    admins = [feed.subscribe(ADMIN if i % 2 else OTHER_ADMIN) for i in range(20)]
    members = [feed.subscribe(MEMBER) for _ in range(5)]
    try:
        got = [await asyncio.wait_for(page.queue.get(), 10) for page in admins + members]
    finally:
        await feed.close()
    assert len(encodes) == 2  # one for every admin's page, one for the member's pages
    assert all(m.frame is got[0].frame for m in got[:20])
    assert all(m.frame is got[20].frame for m in got[20:])
    assert [c.task_id for c in got[20].changes] == [2]
    assert [c.task_id for c in got[0].changes] == [1, 2]


async def test_the_live_feed_reads_again_at_once_after_a_full_poll() -> None:
    first = Changes(cursor=Cursor(run_event=2), items=[Change(task_id=1, status="running", run_id=1),
                                                       Change(task_id=1, status="running", run_id=2)], more=True)
    second = Changes(cursor=Cursor(run_event=3), items=[Change(task_id=1, status="running", run_id=3)])
    script = ScriptedFeed(first, second)
    feed = _feed(script, interval=3600, batch=2)  # an interval no test would wait out
    page = feed.subscribe(ADMIN)
    try:
        # The cursor read, then one wait for the interval or a poke: poke once to start polling.
        assert await asyncio.to_thread(script.started.wait, 10)
        feed.poke()
        runs: list[int | None] = []
        while len(runs) < 3:
            runs += [c.run_id for c in (await asyncio.wait_for(page.queue.get(), 10)).changes]
    finally:
        await feed.close()
    assert runs == [1, 2, 3]
    assert script.limits[:2] == [2, 2]
