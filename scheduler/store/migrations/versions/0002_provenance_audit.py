"""Task provenance, AI spawn tracking, approvals, and the audit table.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from scheduler.store.tables import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("origin", sa.JSON))
        batch.add_column(sa.Column("created_by_run_id", sa.Integer))
        batch.add_column(sa.Column("spawn_depth", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("approved_by", sa.String(200)))
        batch.add_column(sa.Column("approved_at", UTCDateTime))
    op.create_index("ix_tasks_created_by_run_id", "tasks", ["created_by_run_id"])
    op.create_table(
        "audit",
        sa.Column("audit_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("ai_run_id", sa.Integer),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(200)),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text),
    )


def downgrade() -> None:
    op.drop_table("audit")
    op.drop_index("ix_tasks_created_by_run_id", "tasks")
    with op.batch_alter_table("tasks") as batch:
        for column in ("approved_at", "approved_by", "spawn_depth", "created_by_run_id", "origin"):
            batch.drop_column(column)
