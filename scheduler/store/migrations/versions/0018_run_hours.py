"""The stats page's figures of closed hours: ended runs per UTC hour of creation (counts, summed
and histogrammed durations, lateness) and failed runs per task per hour, written once by the
first reader after the hour closed (store/run_rollups.py). Nothing on the engine's path writes
them: a month of stats reads ~720 rows instead of every run of the month.

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

from scheduler.store.tables import UTCDateTime

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "run_hours",
        sa.Column("hour_at", UTCDateTime, primary_key=True),
        sa.Column("runs", sa.Integer, nullable=False),
        sa.Column("completed", sa.Integer, nullable=False),
        sa.Column("failed", sa.Integer, nullable=False),
        sa.Column("skipped", sa.Integer, nullable=False),
        sa.Column("timed", sa.Integer, nullable=False),
        sa.Column("duration_us", sa.BigInteger, nullable=False),
        sa.Column("started", sa.Integer, nullable=False),
        sa.Column("late_seconds", sa.Float, nullable=False),
        sa.Column("durations", sa.Text, nullable=False),
    )
    op.create_table(
        "run_hour_failures",
        sa.Column("hour_at", UTCDateTime, primary_key=True),
        sa.Column("task_id", sa.Integer, primary_key=True),
        sa.Column("failed", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("run_hour_failures")
    op.drop_table("run_hours")
