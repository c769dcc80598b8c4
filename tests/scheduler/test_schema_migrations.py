"""The schema is written twice: ``scheduler/store/tables.py`` (what the code queries) and the
Alembic migrations (what a database really gets). A database migrated from nothing must be
exactly what tables.py describes, on SQLite and on PostgreSQL: tables, columns (name, type,
nullability, server default), primary keys, foreign keys, unique constraints and indexes,
including the predicates of partial indexes. Alembic's autogenerate comparison covers most of
it; primary keys and index predicates, which it leaves out, are compared by reflection here."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.exc import SAWarning

from scheduler.store.base import Database
from scheduler.store.tables import metadata


@pytest.fixture(params=["sqlite", "postgres"])
def migrated(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Connection]:
    """A connection to a database that the migrations alone built, from empty to head."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'schema.db'}"
    else:
        url = request.getfixturevalue("pg_database_url")  # a whole database: reflect it all
    db = Database(url)
    try:
        with db.engine.connect() as conn:
            yield conn
    finally:
        db.close()


def _predicate(text: object) -> str | None:
    """An index predicate in a comparable form: PostgreSQL hands it back with casts, brackets
    and no table names; SQLite as written; tables.py with table names."""
    if text is None:
        return None
    found = str(text).lower()
    found = re.sub(r"::\w+", "", found)
    found = re.sub(r"\b\w+\.", "", found)
    found = found.replace("(", "").replace(")", "")
    return " ".join(found.split())


def schema_differences(conn: sa.Connection, target: sa.MetaData) -> list[str]:
    """Every way the database behind ``conn`` differs from ``target``, one line each."""
    context = MigrationContext.configure(
        conn, opts={"compare_type": True, "compare_server_default": True}
    )
    found = [repr(diff) for diff in compare_metadata(context, target)]
    inspector = sa.inspect(conn)
    dialect = conn.dialect.name
    existing = set(inspector.get_table_names())
    for table in target.sorted_tables:
        if table.name not in existing:
            continue  # compare_metadata has said so
        keys = inspector.get_pk_constraint(table.name)["constrained_columns"]
        wanted = [column.name for column in table.primary_key.columns]
        if sorted(keys) != sorted(wanted):
            found.append(f"{table.name}: primary key {keys} in the database, {wanted} in tables.py")
        reflected: dict[str, Any] = {
            str(index["name"]): _predicate(index.get("dialect_options", {}).get(f"{dialect}_where"))
            for index in inspector.get_indexes(table.name)
        }
        for index in table.indexes:
            if index.name not in reflected:
                continue  # compare_metadata has said so
            declared = _predicate(index.dialect_options[dialect].get("where"))
            if reflected[str(index.name)] != declared:
                found.append(
                    f"{table.name}.{index.name}: WHERE {reflected[str(index.name)]} in the "
                    f"database, WHERE {declared} in tables.py"
                )
    return found


def test_migrations_build_what_tables_py_describes(migrated: sa.Connection) -> None:
    assert schema_differences(migrated, metadata) == []


def _drifted() -> sa.MetaData:
    """tables.py with one of each kind of drift the comparison must notice."""
    drifted = sa.MetaData()
    for table in metadata.sorted_tables:
        table.to_metadata(drifted)
    tasks = drifted.tables["tasks"]
    tasks.append_column(sa.Column("colour", sa.String(16)))  # a column only tables.py has
    tasks.c.owner.nullable = True  # nullability
    drifted.tables["runs"].c.stdout.type = sa.Integer()  # type affinity
    live_name = next(index for index in tasks.indexes if index.name == "uq_tasks_live_name_owner")
    tasks.indexes.discard(live_name)  # the same index with another predicate
    only_enabled = sa.text("enabled")
    sa.Index(live_name.name, tasks.c.name, tasks.c.owner, unique=True,
             sqlite_where=only_enabled, postgresql_where=only_enabled)
    audit = drifted.tables["audit"]
    with warnings.catch_warnings():  # SQLAlchemy warns that the key changes: that is the point
        warnings.simplefilter("ignore", SAWarning)
        audit.append_constraint(sa.PrimaryKeyConstraint("audit_id", "at"))
    sa.Index("ix_audit_actor", audit.c.actor)  # an index only tables.py has
    return drifted


def test_the_comparison_notices_drift(migrated: sa.Connection) -> None:
    found = "\n".join(schema_differences(migrated, _drifted()))
    assert "'add_column', None, 'tasks'" in found and "colour" in found
    assert "modify_nullable" in found and "'owner'" in found
    assert "modify_type" in found and "'stdout'" in found
    assert "uq_tasks_live_name_owner: WHERE deleted_at is null in the database, WHERE enabled" in found
    assert "audit: primary key ['audit_id'] in the database, ['audit_id', 'at']" in found
    assert "ix_audit_actor" in found
