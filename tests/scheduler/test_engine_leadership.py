"""Reactive sources run on one engine at a time (``scheduler/leadership.py``): with two engines
on one database, one inserted row is one run, and when the leading engine goes its place is
taken at the other's next poll."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest

from scheduler.leadership import leadership_for
from scheduler.sources.pgnotify import install_notify_trigger


@pytest.fixture
def store_url(pg_schema_url: str) -> str:
    return pg_schema_url  # pg_notify needs the store on PostgreSQL


def test_one_holder_at_a_time_on_sqlite_and_postgresql(tmp_path: Path, pg_schema_url: str):
    for url in (f"sqlite:///{tmp_path / 'cronpilot.db'}", pg_schema_url):
        first, second = leadership_for(url), leadership_for(url)
        try:
            assert first.lead() and not second.lead()
            assert first.lead()  # keeps it
            first.close()  # the holder goes (a dead process lets go the same way)
            assert second.lead() and not first.lead()
        finally:
            first.close()
            second.close()


async def _runs_settle(store, task_id: int, *, expected: int, within: float = 10.0) -> int:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if len(store.list_runs(task_id=task_id)) >= expected:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(1.0)  # a second engine watching too would have fired by now
    return len(store.list_runs(task_id=task_id))


async def test_two_engines_one_inserted_row_one_run_and_failover(pg_schema_url, make_engine, add_task, clock, store):
    schema = re.search(r"search_path%3D(\w+)", pg_schema_url)
    assert schema
    channel = f"tickets_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_schema_url.replace("+psycopg", ""), autocommit=True) as db:
        db.execute(f'CREATE TABLE "{schema[1]}".tickets (id serial PRIMARY KEY, title text)')
        await install_notify_trigger(pg_schema_url, "tickets", channel, schema=schema[1])
        task = add_task(name="triage", triggers=[{"kind": "pg_notify", "channel": channel}])
        first, second = make_engine(), make_engine()
        await first.start()
        await second.start()
        try:
            assert first.leads_sources and not second.leads_sources
            await asyncio.wait_for(first.sources.ready(), 10)
            db.execute(f'INSERT INTO "{schema[1]}".tickets (title) VALUES (%s)', ("one",))
            assert await _runs_settle(store, task.task_id, expected=1) == 1

            await first.shutdown(grace=timedelta(0))  # the leader goes
            clock.advance(timedelta(seconds=1))  # the other's next poll
            await second.tick()
            assert second.leads_sources
            await asyncio.wait_for(second.sources.ready(), 10)
            db.execute(f'INSERT INTO "{schema[1]}".tickets (title) VALUES (%s)', ("two",))
            assert await _runs_settle(store, task.task_id, expected=2) == 2
        finally:
            await second.sources.stop()
            await first.sources.stop()


def test_the_leadership_connection_carries_tcp_keepalives_on_both_sides(pg_schema_url: str, monkeypatch) -> None:
    """A dead network is noticed within about a minute: libpq's keepalives (and
    ``tcp_user_timeout``) on the client, ``tcp_keepalives_*`` on the server's side of the
    session, so a holder cut off loses the lock and the server frees it for another engine."""
    from scheduler.sources.pgnotify import KEEPALIVES

    seen: list[dict] = []
    real = psycopg.connect

    def recording(conninfo: str, **kwargs):
        seen.append(kwargs)
        return real(conninfo, **kwargs)

    monkeypatch.setattr(psycopg, "connect", recording)  # leadership reads it lazily, through the module
    holder = leadership_for(pg_schema_url)
    try:
        assert holder.lead()
        assert seen and all(seen[0].get(k) == v for k, v in KEEPALIVES.items()), seen
        assert seen[0]["keepalives"] == 1 and seen[0]["keepalives_idle"] <= 60 and seen[0]["tcp_user_timeout"] > 0
        conn = holder._conn  # type: ignore[attr-defined]
        params = conn.info.get_parameters()
        assert params["keepalives_idle"] == "30" and params["tcp_user_timeout"] == "60000"
        server = {name: conn.execute(f"SHOW {name}").fetchone()[0]
                  for name in ("tcp_keepalives_idle", "tcp_keepalives_interval", "tcp_keepalives_count")}
        assert server == {"tcp_keepalives_idle": "30", "tcp_keepalives_interval": "10", "tcp_keepalives_count": "3"}
    finally:
        holder.close()


async def test_the_change_listener_connects_with_tcp_keepalives(pg_schema_url: str, monkeypatch) -> None:
    import scheduler.wakeups as wakeups
    from scheduler.sources.pgnotify import KEEPALIVES

    seen: list[dict] = []
    real = psycopg.AsyncConnection.connect

    async def recording(conninfo: str, **kwargs):
        seen.append(kwargs)
        return await real(conninfo, **kwargs)

    monkeypatch.setattr(wakeups.psycopg.AsyncConnection, "connect", recording)
    listener = wakeups.ChangeListener(pg_schema_url, lambda: None)
    listener.start()
    try:
        await asyncio.wait_for(listener.listening.wait(), 30)
    finally:
        await listener.stop()
    assert seen and all(seen[0].get(k) == v for k, v in KEEPALIVES.items()), seen
    assert seen[0]["keepalives"] == 1 and seen[0]["tcp_user_timeout"] > 0
