"""Task names are unique per owner, not across everyone: two people may both have a "backup",
and creating one no longer answers "already exists" about a task its maker can't see.

The partial unique index on live tasks' ``name`` becomes one on (``name``, ``owner``), on SQLite
and PostgreSQL alike. Downgrading puts the global index back, and fails while two owners share
a live name (rename or delete one first).

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_LIVE = sa.text("deleted_at IS NULL")


def upgrade() -> None:
    # Create the new index first: the old one keeps names unique until it exists.
    op.create_index("uq_tasks_live_name_owner", "tasks", ["name", "owner"], unique=True,
                    sqlite_where=_LIVE, postgresql_where=_LIVE)
    op.drop_index("uq_tasks_live_name", table_name="tasks")


def downgrade() -> None:
    op.create_index("uq_tasks_live_name", "tasks", ["name"], unique=True,
                    sqlite_where=_LIVE, postgresql_where=_LIVE)
    op.drop_index("uq_tasks_live_name_owner", table_name="tasks")
