"""``cronpilot hook create|list|delete`` and ``cronpilot pg watch-table``."""

from __future__ import annotations

import json
import re

import psycopg
import pytest


def test_hook_create_prints_the_secret_once_and_a_recipe(cli):
    result = cli("hook", "create", "Deploy.Finished")
    assert result.code == 0, result.err
    assert "deploy.finished" in result.out
    lines = result.out.splitlines()
    secret = lines[lines.index("secret (shown only now; give it to the sender):") + 1]
    assert len(secret) >= 40 and f"SECRET='{secret}'" in lines
    assert "http://127.0.0.1:8787/hooks/deploy.finished" in result.out
    assert "X-Cronpilot-Signature: sha256=$SIG" in result.out

    listed = cli("hook", "list", "--json")
    assert listed.json() == [{"event": "deploy.finished", "url": "http://127.0.0.1:8787/hooks/deploy.finished"}]
    assert secret not in cli("hook", "list").out


def test_hook_create_again_replaces_the_secret(cli):
    first = cli("hook", "create", "a.b", "--json").json()["secret"]
    second = cli("hook", "create", "a.b", "--json").json()["secret"]
    assert first != second and len(second) >= 40


def test_hook_delete_and_unknown_names(cli):
    cli("hook", "create", "a.b")
    assert cli("hook", "delete", "a.b").code == 0
    assert cli("hook", "list", "--json").json() == []
    gone = cli("hook", "delete", "a.b")
    assert gone.code == 3 and "no webhook for event 'a.b'" in gone.err
    bad = cli("hook", "create", "not valid!")
    assert bad.code == 2 and "Traceback" not in bad.err


def test_pg_watch_table_needs_postgresql(cli):
    result = cli("pg", "watch-table", "tickets", "--channel", "new_tickets")
    assert result.code == 2 and "needs a PostgreSQL database" in result.err


def test_pg_watch_table_installs_the_trigger(cli, pg_schema_url, monkeypatch: pytest.MonkeyPatch):
    schema = re.search(r"search_path%3D(\w+)", pg_schema_url).group(1)
    with psycopg.connect(pg_schema_url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'CREATE TABLE "{schema}".orders (order_id bigint PRIMARY KEY, total numeric)')
    monkeypatch.setenv("CRONPILOT_SQL_DATABASES", json.dumps({"shop": pg_schema_url}))
    result = cli("pg", "watch-table", f"{schema}.orders", "--channel", "new_orders", "--db", "shop", "--json")
    assert result.code == 0, result.err
    data = result.json()
    assert data["key_columns"] == ["order_id"]
    assert data["task_trigger"] == {"kind": "pg_notify", "channel": "new_orders", "database": "shop"}
    with psycopg.connect(pg_schema_url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute("LISTEN new_orders")
        conn.execute(f'INSERT INTO "{schema}".orders VALUES (7, 12.5)')
        [note] = list(conn.notifies(timeout=5, stop_after=1))
    assert json.loads(note.payload) == {"order_id": 7, "total": 12.5}

    missing = cli("pg", "watch-table", "nope", "--channel", "c", "--db", "unknown")
    assert missing.code == 2 and "unknown database 'unknown'" in missing.err
