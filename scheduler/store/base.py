"""Connections, transactions and migrations of the store."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.exc import InterfaceError, OperationalError

from ..errors import StoreUnavailable
from . import dialect
from .tables import counters

log = logging.getLogger(__name__)
_VERSIONS = Path(__file__).parent / "migrations" / "versions"
# Revisions are numbered files (0001_initial.py, ...): the newest number is the head, so a check
# at start-up needs no Alembic import when the schema is current.
HEAD_REVISION = max(p.name[:4] for p in _VERSIONS.glob("[0-9][0-9][0-9][0-9]_*.py"))


class StoreBase:
    def __init__(self, url: str, *, migrate: bool = True) -> None:
        self.url = url
        if url.startswith("sqlite:///"):
            path = url.removeprefix("sqlite:///")
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.engine = dialect.create_engine(url)
        self.is_sqlite = dialect.is_sqlite(self.engine)
        if migrate:
            self.migrate()

    @contextmanager
    def _write(self) -> Iterator[sa.Connection]:
        try:
            with self.engine.begin() as conn:
                yield conn
        except (OperationalError, InterfaceError) as exc:
            raise StoreUnavailable(self._unavailable(exc)) from exc

    @contextmanager
    def _read(self) -> Iterator[sa.Connection]:
        try:
            with self.engine.connect().execution_options(readonly=True) as conn, conn.begin():
                yield conn
        except (OperationalError, InterfaceError) as exc:
            raise StoreUnavailable(self._unavailable(exc)) from exc

    def _unavailable(self, exc: OperationalError | InterfaceError) -> str:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "unknown error"
        return f"the database at {dialect.redact(self.url)} is unavailable: {reason}"

    def migrate(self) -> None:
        """Bring the schema to the newest revision (cheap when it already is)."""
        try:
            with self.engine.connect() as conn:
                current = _current_revision(conn)
        except OperationalError as exc:
            raise StoreUnavailable(self._unavailable(exc)) from exc
        if current == HEAD_REVISION:
            return
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
        with self._write() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
            conn.execute(
                dialect.insert(self.engine, counters)
                .values(name="task_revision", value=0)
                .on_conflict_do_nothing()
            )
        log.info("database migrated", extra={"revision": HEAD_REVISION})

    def next_counter(self, conn: sa.Connection, name: str) -> int:
        """Increment a named counter inside the caller's transaction (a row lock on PostgreSQL)."""
        row = conn.execute(
            counters.update()
            .where(counters.c.name == name)
            .values(value=counters.c.value + 1)
            .returning(counters.c.value)
        ).first()
        if row is None:
            conn.execute(counters.insert().values(name=name, value=1))
            return 1
        return int(row[0])

    def close(self) -> None:
        self.engine.dispose()


def _current_revision(conn: sa.Connection) -> str | None:
    inspector = sa.inspect(conn)
    if not inspector.has_table("alembic_version"):
        return None
    return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
