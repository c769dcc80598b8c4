"""Fixtures every test shares: isolated settings and data folder, a fake clock, and a store
parametrized over real SQLite and real PostgreSQL."""

from __future__ import annotations

import contextlib
import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from db_templates import Templates, installed
from process_guard import ProcessGuard, report
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


# Fixtures that need the PostgreSQL server: a test using one is marked ``postgres``.
_POSTGRES_FIXTURES = {"pg_schema_url", "pg_env", "another_pg_schema"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Marks the fast lane (``./test --fast``: ``-m "not slow and not postgres"``) reads:
    ``postgres`` on every PostgreSQL variant (CI runs them all), ``slow`` on browser tests."""
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if params.get("store_url") == "postgres" or _POSTGRES_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.postgres)
        if item.get_closest_marker("browser") is not None:
            item.add_marker(pytest.mark.slow)


_TESTS_STARTED: list[tuple[float, str]] = []  # (when, node id): who started a leftover


@pytest.fixture(scope="session", autouse=True)
def no_process_left_behind(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProcessGuard]:
    """Fails the session (at the last test's teardown) if any process the tests started is
    still alive; tests/process_guard.py says how they are found."""
    guard = ProcessGuard(tmp_path_factory.getbasetemp(), timeline=_TESTS_STARTED)
    yield guard
    leftovers = guard.leftovers()
    if leftovers:
        guard.kill(leftovers)
        pytest.fail(report(leftovers), pytrace=False)


def pytest_runtest_logstart(nodeid: str, location: tuple[str, int | None, str]) -> None:
    _TESTS_STARTED.append((time.time(), nodeid))


@pytest.fixture(scope="session", autouse=True)
def migrated_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    """Empty databases are filled from a once-migrated template (tests/db_templates.py)."""
    with installed(Templates(tmp_path_factory.mktemp("db-templates"), PG_URL)) as templates:
        yield templates


@pytest.fixture(autouse=True)
def _real_migrations_when_marked(request: pytest.FixtureRequest, migrated_templates: Templates) -> Iterator[None]:
    if request.node.get_closest_marker("real_migrations") is None:
        yield
        return
    migrated_templates.enabled = False
    try:
        yield
    finally:
        migrated_templates.enabled = True


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


@contextlib.contextmanager
def empty_pg_schema() -> Iterator[str]:
    """The name of a fresh, empty schema on the test PostgreSQL, dropped afterwards."""
    require_postgres()
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    raw = PG_URL.replace("+psycopg", "")
    with psycopg.connect(raw, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield schema
    finally:
        with psycopg.connect(raw, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def pg_schema_url() -> Iterator[str]:
    """A fresh schema on the test PostgreSQL, dropped afterwards; its URL pins search_path."""
    with empty_pg_schema() as schema:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"


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
