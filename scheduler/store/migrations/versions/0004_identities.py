"""People: cronpilot users, their platform identities, admin claim codes, and the inbound
events already handled (so a retried Slack event or Telegram update is handled once).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from scheduler.store.tables import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("user_id", sa.String(200), primary_key=True),
        sa.Column("display_name", sa.String(200)),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("timezone", sa.String(64)),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "identities",
        sa.Column("platform", sa.String(32), primary_key=True),
        sa.Column("platform_user_id", sa.String(200), primary_key=True),
        sa.Column("user_id", sa.String(200), sa.ForeignKey("users.user_id"), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_identities_user_id", "identities", ["user_id"])
    op.create_table(
        "processed_events",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_processed_events_at", "processed_events", ["at"])
    op.create_table(
        "admin_claims",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("claimed_by", sa.String(200)),
        sa.Column("claimed_at", UTCDateTime),
    )


def downgrade() -> None:
    op.drop_table("admin_claims")
    op.drop_index("ix_processed_events_at", "processed_events")
    op.drop_table("processed_events")
    op.drop_index("ix_identities_user_id", "identities")
    op.drop_table("identities")
    op.drop_table("users")
