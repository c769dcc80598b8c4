"""The dashboard's runs list filtered by status ("failed runs, newest first") reads an index on
``(status, run_id)``: the newest 50 of a status are the last 50 entries of its range, where
``ix_runs_lease`` (status, lease_expires_at) made SQLite sort every run of that status (343 ms
median with 50,000 failed runs among 1,000,000). Costs one more index entry per run inserted
and per status change (bench/RESULTS.md, "Web dashboard").

Revision ID: 0014
Revises: 0013
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_runs_status_run", "runs", ["status", "run_id"])


def downgrade() -> None:
    op.drop_index("ix_runs_status_run", table_name="runs")
