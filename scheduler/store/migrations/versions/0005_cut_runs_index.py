"""A small index for the runs a causal-chain limit refused (skipped event runs): the engine
looks for new ones every second, and without it the look read every skipped run ever kept.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_WHERE = sa.text("status = 'skipped' AND reason = 'event'")


def upgrade() -> None:
    op.create_index("ix_runs_cut", "runs", ["run_id"], sqlite_where=_WHERE, postgresql_where=_WHERE)


def downgrade() -> None:
    op.drop_index("ix_runs_cut", table_name="runs")
