"""Engines share the scheduling work: the task space is cut into fixed partitions, each
computed by the one engine holding its lease, instead of every engine computing every fire and
the unique key dropping the copies (scheduler/sharing.py).

Revision ID: 0015
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

from scheduler.store.tables import UTCDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "engine_shares",
        sa.Column("partition", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("owner", sa.String(64), nullable=True),
        sa.Column("lease_expires_at", UTCDateTime, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("engine_shares")
