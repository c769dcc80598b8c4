"""Overlap policies held by the database: a small index of each task's live runs (running, or
pending), which the transaction that records a fire or claims a pending run reads to decide the
task's overlap policy against every engine's runs, not only its own.

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_WHERE = sa.text("(status = 'running' OR status = 'pending')")


def upgrade() -> None:
    op.create_index("ix_runs_live", "runs", ["task_id", "status"], sqlite_where=_WHERE, postgresql_where=_WHERE)


def downgrade() -> None:
    op.drop_index("ix_runs_live", table_name="runs")
