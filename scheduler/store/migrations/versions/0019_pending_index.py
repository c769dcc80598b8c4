"""Fewer index entries per run: the queue's index keeps pending runs only, the index of workflow
runs keeps the runs of a workflow only, and the index of leases goes.

Every run is inserted as running (or pending) and updated once when it ends; a status change is
never a HOT update, so each index of ``runs`` takes a new entry twice per run. ``ix_runs_status_due``
(status, due_at) and ``ix_runs_lease`` (status, lease_expires_at) held every run ever, though only
pending runs are looked up by due time (claims, the backlog) and only running runs by lease (a few:
the runs in flight, found through ``ix_runs_status_run``), and ``ix_runs_workflow_run_id`` held a
NULL for every run outside a workflow. The queue's index is now partial on pending rows, the
workflow index on runs of a workflow, and the lease index is dropped: 6 fewer index entries per
run of a plain task (bench/RESULTS.md).

Building the partial index reads the table once (seconds for millions of runs).

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

_PENDING = sa.text("status = 'pending'")
_IN_WORKFLOW = sa.text("workflow_run_id IS NOT NULL")


def upgrade() -> None:
    op.drop_index("ix_runs_workflow_run_id", table_name="runs")
    op.create_index("ix_runs_workflow_run_id", "runs", ["workflow_run_id"], sqlite_where=_IN_WORKFLOW,
                    postgresql_where=_IN_WORKFLOW)
    op.drop_index("ix_runs_status_due", table_name="runs")
    op.drop_index("ix_runs_lease", table_name="runs")
    op.create_index("ix_runs_pending_due", "runs", ["status", "due_at", "run_id"], sqlite_where=_PENDING,
                    postgresql_where=_PENDING)


def downgrade() -> None:
    op.drop_index("ix_runs_workflow_run_id", table_name="runs")
    op.create_index("ix_runs_workflow_run_id", "runs", ["workflow_run_id"])
    op.drop_index("ix_runs_pending_due", table_name="runs")
    op.create_index("ix_runs_lease", "runs", ["status", "lease_expires_at"])
    op.create_index("ix_runs_status_due", "runs", ["status", "due_at"])
