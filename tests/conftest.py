"""Fixtures every test shares: isolated settings and data folder, a fake clock, and a store
parametrized over real SQLite and real PostgreSQL."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from scheduler.clock import FakeClock
from scheduler.store import Store

PG_URL = os.environ.get("CRONPILOT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test gets its own data folder and no ambient configuration."""
    for name in list(os.environ):
        ambient = name.startswith(("CRONPILOT_", "OPENAI_", "SLACK_", "TELEGRAM_")) or name == "DATABASE_URL"
        if ambient and name != "CRONPILOT_TEST_PG_URL":
            monkeypatch.delenv(name, raising=False)
    data = tmp_path / "data"
    monkeypatch.setenv("CRONPILOT_DATA_DIR", str(data))
    monkeypatch.setenv("CRONPILOT_TIMEZONE", "UTC")
    monkeypatch.setenv("CRONPILOT_USER", "tester")
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    from cronpilot.commands.context import reset_app

    reset_app()
    yield data
    reset_app()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))


def _pg_reachable() -> str | None:
    import psycopg

    try:
        with psycopg.connect(PG_URL.replace("+psycopg", ""), connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0]


_PG_PROBLEM: list[str | None] = []


def require_postgres() -> None:
    if not _PG_PROBLEM:
        _PG_PROBLEM.append(_pg_reachable())
    problem = _PG_PROBLEM[0]
    if problem is None:
        return
    if IN_CI:
        pytest.fail(f"PostgreSQL is required in CI but unreachable at {PG_URL}: {problem}")
    pytest.skip(f"PostgreSQL unreachable at {PG_URL} ({problem}); CI runs these")


@pytest.fixture
def pg_schema_url() -> Iterator[str]:
    """A fresh schema on the test PostgreSQL, dropped afterwards; its URL pins search_path."""
    require_postgres()
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    raw = PG_URL.replace("+psycopg", "")
    with psycopg.connect(raw, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(raw, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def pg_database_url() -> Iterator[str]:
    """A fresh database of its own on the test PostgreSQL (for what a schema can't isolate, such
    as reflecting every table), dropped afterwards even if connections were left open."""
    require_postgres()
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    raw = PG_URL.replace("+psycopg", "")
    with psycopg.connect(raw, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(raw, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'cronpilot.db'}"
    return request.getfixturevalue("pg_schema_url")


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = Store(store_url)
    yield s
    s.close()


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """Run the real ``cronpilot`` entry point in-process; a fresh App per call, like a new process."""

    def invoke(*args: str) -> Result:
        from cronpilot.cli import main
        from cronpilot.commands.context import reset_app as _reset_app

        _reset_app()
        code = 0
        try:
            main(list(args))
        except SystemExit as exc:
            code = int(exc.code or 0)
        finally:
            _reset_app()
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return invoke
