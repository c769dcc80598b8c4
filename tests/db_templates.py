"""Migrated databases without running Alembic for every test.

Running the migrations takes ~0.2 s for a SQLite file and ~0.5 s for a PostgreSQL schema on a
busy 2-core machine, and most store-backed tests (and every CLI test) start from an empty
database. So once per test process (each xdist worker has its own) each backend is migrated
for real, and from then on ``Database.migrate`` on an *empty* database fills it from that:

- SQLite: the migrated file is copied over the new, still empty file (its 0600 mode kept);
- PostgreSQL: the statements Alembic ran in a scratch schema are replayed, in one transaction,
  in the new schema (the test's URL pins ``search_path``; nothing is schema-qualified).

The result is what Alembic produced, so the schema tests still compare real migrations. Anything
else takes the real path: a database at an older revision or with tables, ``:memory:``, a URI
filename, any error while filling. A test marked ``real_migrations`` always runs Alembic.
"""

from __future__ import annotations

import contextlib
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from scheduler.store.base import Database

_real_migrate: Callable[[Database], None] = Database.migrate


class Templates:
    def __init__(self, folder: Path, pg_url: str) -> None:
        self.folder = folder
        self.pg_url = pg_url
        self.enabled = True
        self._lock = threading.Lock()
        self._sqlite: Path | None = None
        self._pg: list[tuple[str, Any]] | None = None
        self.filled = {"sqlite": 0, "postgresql": 0}

    def migrate(self, db: Database) -> None:
        """``Database.migrate`` while installed: fill an empty database from a template, then
        the real method (which returns at once when the schema is at the head)."""
        if self.enabled:
            # On any failure the real migration below says what is wrong, as it would have.
            with contextlib.suppress(Exception):
                self._fill(db)
        _real_migrate(db)

    def _fill(self, db: Database) -> None:
        if db.is_sqlite:
            self._fill_sqlite(db)
        elif db.engine.dialect.name == "postgresql":
            self._fill_postgres(db)

    # --- SQLite ------------------------------------------------------------------------------

    def _fill_sqlite(self, db: Database) -> None:
        name = db.engine.url.database
        if not name or name == ":memory:" or name.startswith("file:") or db.engine.url.query:
            return
        path = Path(name)
        if path.exists() and path.stat().st_size:
            return
        if any(Path(f"{path}{suffix}").exists() for suffix in ("-wal", "-journal")):
            return
        template = self._sqlite_template()
        db.engine.dispose()  # no pooled connection may have seen the empty file
        try:
            shutil.copyfile(template, path)  # into the existing file: its mode stays 0600
        except BaseException:
            with contextlib.suppress(OSError):
                path.write_bytes(b"")
            raise
        self.filled["sqlite"] += 1

    def _sqlite_template(self) -> Path:
        with self._lock:
            if self._sqlite is None:
                path = self.folder / "template.db"
                template = Database(f"sqlite:///{path}", migrate=False)
                _real_migrate(template)
                template.close()
                # Closing the last connection checkpoints and removes the WAL: the file is whole.
                assert not Path(f"{path}-wal").exists(), "template WAL left behind"
                self._sqlite = path
            return self._sqlite

    # --- PostgreSQL --------------------------------------------------------------------------

    def _fill_postgres(self, db: Database) -> None:
        with db.engine.connect() as conn:
            schema = conn.exec_driver_sql("SELECT current_schema()").scalar()
            if schema is None or _has_relations(conn, schema):
                return
        statements = self._postgres_statements()
        with db.engine.begin() as conn:
            cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            for statement, parameters in statements:
                cursor.execute(statement, parameters)
        self.filled["postgresql"] += 1

    def _postgres_statements(self) -> list[tuple[str, Any]]:
        with self._lock:
            if self._pg is None:
                self._pg = _batched(_record_postgres_migration(self.pg_url))
            return self._pg


def _batched(statements: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """Runs of statements without parameters joined into one (one round trip instead of ~60:
    psycopg sends a query without parameters as a simple query, which may hold several)."""
    batched: list[tuple[str, Any]] = []
    for statement, parameters in statements:
        if parameters is None and batched and batched[-1][1] is None:
            batched[-1] = (f"{batched[-1][0]};\n{statement}", None)
        else:
            batched.append((statement, parameters))
    return batched


def _has_relations(conn: sa.Connection, schema: str) -> bool:
    return bool(conn.execute(
        sa.text("SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = :schema)"),
        {"schema": schema},
    ).scalar())


def _record_postgres_migration(pg_url: str) -> list[tuple[str, Any]]:
    """Migrate a scratch schema for real and keep every statement sent, with its parameters."""
    import psycopg

    raw = pg_url.replace("+psycopg", "")
    schema = f"tpl_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(raw, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    statements: list[tuple[str, Any]] = []
    try:
        template = Database(f"{pg_url}?options=-csearch_path%3D{schema}", migrate=False)

        @event.listens_for(template.engine, "before_cursor_execute")
        def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _ctx: Any, many: bool) -> None:
            assert not many, "a migration used executemany; replay it as such"
            statements.append((statement, dict(parameters) if parameters else None))

        _real_migrate(template)
        template.close()
        assert all(f'"{schema}"' not in s and f"{schema}." not in s for s, _ in statements), (
            "a migration named its schema; the replay would write there"
        )
    finally:
        with psycopg.connect(raw, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    return statements


@contextlib.contextmanager
def installed(templates: Templates) -> Iterator[Templates]:
    """``Database.migrate`` goes through ``templates`` while this lasts."""

    def migrate(self: Database) -> None:
        templates.migrate(self)

    Database.migrate = migrate  # type: ignore[method-assign]
    try:
        yield templates
    finally:
        Database.migrate = _real_migrate  # type: ignore[method-assign]
