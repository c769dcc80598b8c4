"""Engines record which process they are (boot id, process start time), so a later engine on
the same machine can prove one gone and end its runs at once instead of waiting for leases.

Revision ID: 0014
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("workers") as batch:
        batch.add_column(sa.Column("boot_id", sa.String(64), nullable=True))
        batch.add_column(sa.Column("proc_start", sa.BigInteger, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("workers") as batch:
        batch.drop_column("proc_start")
        batch.drop_column("boot_id")
