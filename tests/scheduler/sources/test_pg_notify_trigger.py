"""pg_notify triggers on the real test PostgreSQL: an inserted row fires its task with the row,
through ``install_notify_trigger``; the listener reconnects after losing its connection.
Every test here goes through ``pg_schema_url``, so under CI=true an unreachable server fails
them (``require_postgres``) instead of skipping."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import uuid
from collections.abc import Iterator

import psycopg
import pytest

from scheduler.errors import NotFound
from scheduler.models import RunReason, RunStatus
from scheduler.service import Actor, Role, Service
from scheduler.sources import pgnotify
from scheduler.sources.payloads import notify_payload
from scheduler.sources.pgnotify import install_notify_trigger
from scheduler.store import Store


@pytest.fixture
def store_url(pg_schema_url: str) -> str:
    return pg_schema_url  # the task store itself is the database that notifies


@pytest.fixture
def schema(store_url: str) -> str:
    found = re.search(r"search_path%3D(\w+)", store_url)
    assert found
    return found.group(1)


@pytest.fixture
def channel() -> str:
    return f"tickets_{uuid.uuid4().hex[:10]}"


@pytest.fixture
def db(store_url: str) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    with psycopg.connect(store_url.replace("+psycopg", ""), autocommit=True) as conn:
        yield conn


@pytest.fixture
def tickets(db: psycopg.Connection[tuple[object, ...]], schema: str) -> str:
    db.execute(f'CREATE TABLE "{schema}".tickets (id serial PRIMARY KEY, title text, body text)')
    return "tickets"


async def test_pg_notify_fires_task_with_the_inserted_row(
    add_task, started_engine, watch_fires, store, store_url, schema, channel, db, tickets
):
    installed = await install_notify_trigger(store_url, tickets, channel, schema=schema)
    assert installed.key_columns == ("id",)
    task = add_task(name="triage", triggers=[{"kind": "pg_notify", "channel": channel}])
    engine = await started_engine()
    fires = watch_fires(engine)
    await asyncio.wait_for(engine.sources.ready(), 10)

    db.execute(f'INSERT INTO "{schema}".tickets (title, body) VALUES (%s, %s)', ("printer on fire", "help"))
    fired = await fires.next()

    row = {"id": 1, "title": "printer on fire", "body": "help", "channel": channel}
    assert fired.task_id == task.task_id and fired.reason == RunReason.EVENT
    assert fired.payload == row and fired.event == f"pg:{channel}"
    await engine.run_until_idle()
    [run] = store.list_runs(task_id=task.task_id)
    assert run.status == RunStatus.COMPLETED
    assert run.context == {"event": {"name": f"pg:{channel}", "data": row}}


async def test_pg_notify_sends_only_the_key_of_a_row_too_large_to_notify(
    add_task, started_engine, watch_fires, store_url, schema, channel, db, tickets
):
    await install_notify_trigger(store_url, tickets, channel, schema=schema)
    await install_notify_trigger(store_url, tickets, channel, schema=schema)  # idempotent
    count = db.execute(
        "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
        " JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s AND c.relname = 'tickets' AND NOT t.tgisinternal", (schema,)).fetchone()
    assert count == (1,)
    add_task(name="triage", triggers=[{"kind": "pg_notify", "channel": channel}])
    engine = await started_engine()
    fires = watch_fires(engine)
    await asyncio.wait_for(engine.sources.ready(), 10)

    db.execute(f'INSERT INTO "{schema}".tickets (title, body) VALUES (%s, %s)', ("big", "x" * 10_000))
    fired = await fires.next()
    assert fired.payload == {"table": "tickets", "schema": schema, "id": 1, "truncated": True,
                             "channel": channel}


async def test_pg_notify_listener_reconnects_after_its_connection_drops(
    add_task, started_engine, watch_fires, store_url, channel, db, monkeypatch
):
    monkeypatch.setattr(pgnotify, "RETRY_FIRST", 0.05)
    task = add_task(name="raw", triggers=[{"kind": "pg_notify", "channel": channel}])
    engine = await started_engine()
    fires = watch_fires(engine)
    await asyncio.wait_for(engine.sources.ready(), 10)
    [listener] = engine.sources.listeners._listeners.values()

    db.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = %s",
               (f'LISTEN "{channel}"',))
    await asyncio.wait_for(listener.dropped.wait(), 10)
    await asyncio.wait_for(listener.listening.wait(), 10)
    db.execute("SELECT pg_notify(%s, %s)", (channel, "plain text"))
    fired = await fires.next()
    assert fired.task_id == task.task_id
    assert fired.payload == {"payload": "plain text", "channel": channel}


async def test_pg_notify_on_a_sqlite_store_is_reported_not_fatal(make_engine, caplog, tmp_path):
    sqlite = Store(f"sqlite:///{tmp_path / 'side.db'}")
    service = Service(sqlite, default_timezone="UTC")
    spec = service.build_spec({"name": "n", "triggers": [{"kind": "pg_notify", "channel": "c"}],
                               "action": {"kind": "noop"}})
    service.create_task(spec, actor=Actor("alice", Role.MEMBER))
    engine = make_engine(start_store=sqlite)
    with caplog.at_level(logging.ERROR):
        await engine.start()
    assert "pg_notify needs PostgreSQL" in caplog.text
    assert engine.sources.listeners._listeners == {}
    await engine.sources.stop()
    sqlite.close()


async def test_install_notify_trigger_names_a_missing_table(store_url, schema):
    with pytest.raises(NotFound, match="no table"):
        await install_notify_trigger(store_url, "nope", "c", schema=schema)


def test_notify_payload_decodes_objects_and_keeps_other_text():
    assert notify_payload("c", json.dumps({"id": 3})) == {"id": 3, "channel": "c"}
    assert notify_payload("c", "[1, 2]") == {"payload": "[1, 2]", "channel": "c"}
    assert notify_payload("c", "NaN") == {"payload": "NaN", "channel": "c"}
    assert notify_payload("c", '{"channel": "own"}') == {"channel": "own"}

