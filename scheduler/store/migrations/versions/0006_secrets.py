"""Secrets, encrypted at rest: a ``secrets`` table for the values tasks refer to as
``{{ secrets.NAME }}``, and the webhook signing secrets moved into it (they were kept in clear
text in ``webhook_secrets``, which is dropped).

Encrypting the old rows needs the secret key: ``Store.migrate`` hands in the ``SecretBox`` the
composition root built (``config.attributes["secret_box"]``), a callable returning it. Without
one and with webhook rows to move, the migration stops with a clear error and changes nothing.

Revision ID: 0006
Revises: 0005
"""

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import context, op

from scheduler.errors import StoreUnavailable
from scheduler.store.tables import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_old = sa.table(
    "webhook_secrets",
    sa.column("event", sa.String), sa.column("secret", sa.String),
    sa.column("created_by", sa.String), sa.column("created_at", UTCDateTime),
)
_new = sa.table(
    "secrets",
    sa.column("scope", sa.String), sa.column("owner", sa.String), sa.column("name", sa.String),
    sa.column("ciphertext", sa.Text), sa.column("key_id", sa.String),
    sa.column("created_by", sa.String), sa.column("created_at", UTCDateTime),
    sa.column("updated_by", sa.String), sa.column("updated_at", UTCDateTime),
)


def _secret_box() -> Any:
    factory = context.config.attributes.get("secret_box")
    if factory is None:
        raise StoreUnavailable(
            "the database holds webhook secrets in clear text that must be encrypted, but no "
            "secret key was given to the migration; run any cronpilot command to upgrade it")
    return factory()


def upgrade() -> None:
    op.create_table(
        "secrets",
        sa.Column("secret_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("ciphertext", sa.Text, nullable=False),
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("scope", "owner", "name", name="uq_secrets_scope_owner_name"),
    )
    conn = op.get_bind()
    rows = conn.execute(sa.select(_old)).all()
    if rows:
        box = _secret_box()
        moved = []
        for row in rows:
            token, key_id = box.seal(row.secret)
            moved.append({
                "scope": "webhook", "owner": "", "name": row.event, "ciphertext": token,
                "key_id": key_id, "created_by": row.created_by, "created_at": row.created_at,
                "updated_by": row.created_by, "updated_at": row.created_at,
            })
        conn.execute(_new.insert(), moved)
    op.drop_table("webhook_secrets")


def downgrade() -> None:
    op.create_table(
        "webhook_secrets",
        sa.Column("event", sa.String(100), primary_key=True),
        sa.Column("secret", sa.String(200), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    conn = op.get_bind()
    rows = conn.execute(sa.select(_new).where(_new.c.scope == "webhook")).all()
    if rows:
        box = _secret_box()
        conn.execute(_old.insert(), [
            {"event": r.name, "secret": box.open(r.ciphertext, r.key_id, name=r.name),
             "created_by": r.created_by, "created_at": r.created_at or datetime.now(UTC)}
            for r in rows
        ])
    op.drop_table("secrets")
