"""Engines record which process they are (boot id, process start time), so a later engine on
the same machine can prove one gone and end its runs at once instead of waiting for leases; the
outbox remembers the parts of outgoing messages already delivered.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

from scheduler.store.tables import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("workers") as batch:
        batch.add_column(sa.Column("boot_id", sa.String(64), nullable=True))
        batch.add_column(sa.Column("proc_start", sa.BigInteger, nullable=True))
    op.create_table(
        "outbox",
        sa.Column("message_key", sa.String(200), primary_key=True),
        sa.Column("destination", sa.String(300), primary_key=True),
        sa.Column("part", sa.Integer, primary_key=True),
        sa.Column("delivered_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_outbox_delivered_at", "outbox", ["delivered_at"])


def downgrade() -> None:
    op.drop_index("ix_outbox_delivered_at", table_name="outbox")
    op.drop_table("outbox")
    with op.batch_alter_table("workers") as batch:
        batch.drop_column("proc_start")
        batch.drop_column("boot_id")
