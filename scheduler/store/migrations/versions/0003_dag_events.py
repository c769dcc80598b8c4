"""Dependencies, workflows, events and causal chains.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from scheduler.store.tables import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("workflow_id", sa.Integer))
    op.create_index("ix_tasks_workflow_id", "tasks", ["workflow_id"])
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("workflow_run_id", sa.Integer))
        batch.add_column(sa.Column("caused_by_run_id", sa.Integer))
        batch.add_column(sa.Column("chain_depth", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("event", sa.String(100)))
        batch.add_column(sa.Column("context", sa.JSON))
    op.create_index("ix_runs_workflow_run_id", "runs", ["workflow_run_id"])
    op.create_table(
        "dependencies",
        sa.Column("predecessor_id", sa.Integer, sa.ForeignKey("tasks.task_id"), primary_key=True),
        sa.Column("successor_id", sa.Integer, sa.ForeignKey("tasks.task_id"), primary_key=True),
        sa.Column("condition", sa.String(16), nullable=False),
        sa.Column("consumed_run_id", sa.Integer, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_dependencies_successor_id", "dependencies", ["successor_id"])
    op.create_table(
        "task_events",
        sa.Column("task_id", sa.Integer, sa.ForeignKey("tasks.task_id"), primary_key=True),
        sa.Column("event", sa.String(100), primary_key=True),
    )
    op.create_index("ix_task_events_event", "task_events", ["event"])
    op.create_table(
        "webhook_secrets",
        sa.Column("event", sa.String(100), primary_key=True),
        sa.Column("secret", sa.String(200), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("delivery_id", sa.String(200), primary_key=True),
        sa.Column("event", sa.String(100), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "condition_state",
        sa.Column("task_id", sa.Integer, primary_key=True),
        sa.Column("trigger_index", sa.Integer, primary_key=True),
        sa.Column("value", sa.Boolean, nullable=False),
        sa.Column("checked_at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    for table in ("condition_state", "webhook_deliveries", "webhook_secrets", "task_events", "dependencies"):
        op.drop_table(table)
    op.drop_index("ix_runs_workflow_run_id", "runs")
    with op.batch_alter_table("runs") as batch:
        for column in ("context", "event", "chain_depth", "caused_by_run_id", "workflow_run_id"):
            batch.drop_column(column)
    op.drop_index("ix_tasks_workflow_id", "tasks")
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("workflow_id")
