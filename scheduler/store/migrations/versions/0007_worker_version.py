"""Engines say which cronpilot they run and whether they fire schedules, so ``cronpilot status``
and "is anything running to fire this?" can tell a serving engine from a CLI that only runs
what it was asked to.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("workers") as batch:
        batch.add_column(sa.Column("version", sa.String(40), nullable=True))
        batch.add_column(sa.Column("schedules", sa.Boolean, nullable=False, server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("workers") as batch:
        batch.drop_column("schedules")
        batch.drop_column("version")
