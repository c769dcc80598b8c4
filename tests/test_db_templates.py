"""A database filled from the migrated template (tests/db_templates.py) is the one Alembic makes:
the same tables, columns, indexes, constraints and rows, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from conftest import PG_URL, empty_pg_schema
from db_templates import Templates

from scheduler.store import Store


def _sqlite_schema(url: str) -> list[Any]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name").all()
        data = [conn.exec_driver_sql("SELECT * FROM alembic_version").all(),
                conn.exec_driver_sql("SELECT * FROM counters").all()]
    engine.dispose()
    return [*map(tuple, rows), *data]


def _pg_schema(url: str, schema: str) -> list[Any]:
    with psycopg.connect(url.replace("+psycopg", "").split("?")[0]) as conn:
        columns = conn.execute(
            "SELECT table_name, column_name, data_type, is_nullable, column_default FROM"
            " information_schema.columns WHERE table_schema = %s ORDER BY 1, 2", (schema,)).fetchall()
        indexes = conn.execute(
            "SELECT indexname, replace(indexdef, %s, '') FROM pg_indexes WHERE schemaname = %s ORDER BY 1",
            (f"{schema}.", schema)).fetchall()
        constraints = conn.execute(
            "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c"
            " JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = %s ORDER BY 2", (schema,)).fetchall()
        rows = [conn.execute(f'SELECT * FROM "{schema}".{table}').fetchall() for table in ("alembic_version", "counters")]
    defaults = [tuple(str(v).replace(f"{schema}.", "") for v in row) for row in columns]
    named = [(t.replace(f"{schema}.", ""), n, d.replace(f"{schema}.", "")) for t, n, d in constraints]
    return [defaults, indexes, named, rows]


@pytest.fixture
def another_pg_schema() -> Iterator[str]:
    with empty_pg_schema() as schema:
        yield schema


def test_a_filled_sqlite_database_is_the_migrated_one(tmp_path: Path, migrated_templates: Templates) -> None:
    before = migrated_templates.filled["sqlite"]
    Store(f"sqlite:///{tmp_path / 'filled.db'}").close()
    assert migrated_templates.filled["sqlite"] == before + 1
    migrated_templates.enabled = False
    try:
        Store(f"sqlite:///{tmp_path / 'migrated.db'}").close()
    finally:
        migrated_templates.enabled = True
    assert (tmp_path / "filled.db").stat().st_mode & 0o777 == 0o600
    assert _sqlite_schema(f"sqlite:///{tmp_path / 'filled.db'}") == _sqlite_schema(f"sqlite:///{tmp_path / 'migrated.db'}")


def test_a_filled_postgres_schema_is_the_migrated_one(
    pg_schema_url: str, another_pg_schema: str, migrated_templates: Templates
) -> None:
    before = migrated_templates.filled["postgresql"]
    Store(pg_schema_url).close()
    assert migrated_templates.filled["postgresql"] == before + 1
    migrated_templates.enabled = False
    try:
        Store(f"{PG_URL}?options=-csearch_path%3D{another_pg_schema}").close()
    finally:
        migrated_templates.enabled = True
    filled_schema = pg_schema_url.rsplit("%3D", 1)[1]
    filled, migrated = _pg_schema(pg_schema_url, filled_schema), _pg_schema(PG_URL, another_pg_schema)
    assert filled == migrated
    assert len(filled[0]) > 50 and filled[3][0] == migrated[3][0]


@pytest.mark.real_migrations
def test_real_migrations_marker_runs_alembic(tmp_path: Path, migrated_templates: Templates) -> None:
    before = dict(migrated_templates.filled)
    Store(f"sqlite:///{tmp_path / 'real.db'}").close()
    assert migrated_templates.filled == before


def test_a_database_with_tables_is_migrated_not_overwritten(tmp_path: Path, migrated_templates: Templates) -> None:
    path = tmp_path / "own.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE mine (x INTEGER)")
        conn.exec_driver_sql("INSERT INTO mine VALUES (7)")
    engine.dispose()
    Store(f"sqlite:///{path}").close()
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT x FROM mine").scalar() == 7
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    engine.dispose()
