"""Conversation state for the chat: pending questions and the task last talked about, per
conversation, so a "yes" in the next message works from any process and after a restart.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

from scheduler.store.tables import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("conversation_id", sa.String(300), primary_key=True),
        sa.Column("turn", sa.Integer, nullable=False),
        sa.Column("state", sa.JSON, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_conversations_expires_at", "conversations", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_conversations_expires_at", "conversations")
    op.drop_table("conversations")
