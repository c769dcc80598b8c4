"""Migration 0006 on SQLite and PostgreSQL: clear-text webhook secrets of an existing install
are encrypted into the secrets table; without a key the upgrade stops and changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

import scheduler.store.base as store_base
from scheduler.errors import StoreUnavailable
from scheduler.secret_box import SecretBox
from scheduler.service import Service
from scheduler.store import Store

OLD_SECRET = "old-clear-text-webhook-secret-3b9"


def _install_at_0005(url: str) -> None:
    """A database as cronpilot before secrets: schema 0005, one webhook secret in clear."""
    store = Store(url, migrate=False)
    config = Config()
    config.set_main_option("script_location", str(Path(store_base.__file__).parent / "migrations"))
    with store.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0005")
        conn.execute(sa.text(
            "INSERT INTO webhook_secrets (event, secret, created_by, created_at) "
            "VALUES ('deploy.done', :s, 'root', :at)"), {"s": OLD_SECRET, "at": datetime(2026, 1, 1)})
    store.close()


def _dump(store: Store) -> str:
    with store.engine.connect() as conn:
        names = sa.inspect(conn).get_table_names()
        return "\n".join(str(list(conn.execute(sa.text(f"SELECT * FROM {n}")))) for n in names)


def test_migration_encrypts_existing_webhook_secrets(store_url: str, tmp_path: Path) -> None:
    _install_at_0005(store_url)
    box = SecretBox(key_file=tmp_path / "secret.key")
    store = Store(store_url, secret_box=lambda: box)
    try:
        with store.engine.connect() as conn:
            assert not sa.inspect(conn).has_table("webhook_secrets")
        assert OLD_SECRET not in _dump(store)
        assert store.list_webhooks() == ["deploy.done"]
        service = Service(store, secret_box=SecretBox(key_file=tmp_path / "secret.key"))
        assert service.webhook_secret("deploy.done") == OLD_SECRET
        record = store.webhook_secret("deploy.done")
        assert record is not None and record.created_by == "root"
        assert record.created_at == datetime(2026, 1, 1, tzinfo=UTC)
    finally:
        store.close()


def test_migration_without_a_key_stops_and_changes_nothing(store_url: str) -> None:
    _install_at_0005(store_url)
    with pytest.raises(StoreUnavailable, match="webhook secrets in clear text"):
        Store(store_url)
    store = Store(store_url, migrate=False)
    try:
        with store.engine.connect() as conn:
            version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
            secret = conn.execute(sa.text("SELECT secret FROM webhook_secrets")).scalar()
        assert (version, secret) == ("0005", OLD_SECRET)
    finally:
        store.close()


@pytest.mark.real_migrations  # the schema Alembic makes, not a copy of it
def test_tables_module_matches_the_migrations(store: Store) -> None:
    """tables.py and the migrations describe one schema (Alembic finds nothing to add)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from scheduler.store.tables import metadata

    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []
