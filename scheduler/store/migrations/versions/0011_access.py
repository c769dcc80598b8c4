"""People and access: removed people and their email, groups and tasks shared with them, and an
audit trail people can read (through what, which task, before → after) chained by hashes.

Entries written before are chained here, in order, so ``cronpilot audit verify`` covers them.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

from scheduler.store.audit_store import CHAIN_COUNTER, GENESIS, entry_hash
from scheduler.store.tables import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_AUDIT_COLUMNS = ("via", "task_id", "before", "after", "prev_hash", "hash")


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("email", sa.String(200)))
        batch.add_column(sa.Column("removed_at", UTCDateTime))
    with op.batch_alter_table("audit") as batch:
        batch.add_column(sa.Column("via", sa.String(64)))
        batch.add_column(sa.Column("task_id", sa.Integer))
        batch.add_column(sa.Column("before", sa.JSON))
        batch.add_column(sa.Column("after", sa.JSON))
        batch.add_column(sa.Column("prev_hash", sa.String(64)))
        batch.add_column(sa.Column("hash", sa.String(64)))
    op.create_index("ix_audit_task_id", "audit", ["task_id"])
    op.create_table(
        "groups",
        sa.Column("group_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "group_members",
        sa.Column("group_id", sa.Integer, sa.ForeignKey("groups.group_id"), primary_key=True),
        sa.Column("user_id", sa.String(200), sa.ForeignKey("users.user_id"), primary_key=True),
    )
    op.create_index("ix_group_members_user_id", "group_members", ["user_id"])
    op.create_table(
        "task_shares",
        sa.Column("task_id", sa.Integer, sa.ForeignKey("tasks.task_id"), primary_key=True),
        sa.Column("group_id", sa.Integer, sa.ForeignKey("groups.group_id"), primary_key=True),
        sa.Column("access", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_task_shares_group_id", "task_shares", ["group_id"])
    _chain_existing()


def _chain_existing() -> None:
    conn = op.get_bind()
    audit = sa.table(
        "audit", sa.column("audit_id", sa.Integer), sa.column("at", UTCDateTime),
        sa.column("actor", sa.String), sa.column("ai_run_id", sa.Integer), sa.column("action", sa.String),
        sa.column("target", sa.String), sa.column("decision", sa.String), sa.column("reason", sa.Text),
        sa.column("via", sa.String), sa.column("task_id", sa.Integer), sa.column("before", sa.JSON),
        sa.column("after", sa.JSON), sa.column("prev_hash", sa.String), sa.column("hash", sa.String),
    )
    prev = GENESIS
    for row in conn.execute(sa.select(audit).order_by(audit.c.audit_id)).all():
        entry = dict(row._mapping)
        digest = entry_hash(prev, entry)
        conn.execute(audit.update().where(audit.c.audit_id == entry["audit_id"])
                     .values(prev_hash=prev, hash=digest))
        prev = digest
    counters = sa.table("counters", sa.column("name", sa.String), sa.column("value", sa.BigInteger))
    if conn.execute(sa.select(counters.c.name).where(counters.c.name == CHAIN_COUNTER)).first() is None:
        conn.execute(counters.insert().values(name=CHAIN_COUNTER, value=0))


def downgrade() -> None:
    op.drop_index("ix_task_shares_group_id", "task_shares")
    op.drop_table("task_shares")
    op.drop_index("ix_group_members_user_id", "group_members")
    op.drop_table("group_members")
    op.drop_table("groups")
    op.drop_index("ix_audit_task_id", "audit")
    with op.batch_alter_table("audit") as batch:
        for column in _AUDIT_COLUMNS:
            batch.drop_column(column)
    with op.batch_alter_table("users") as batch:
        batch.drop_column("removed_at")
        batch.drop_column("email")
