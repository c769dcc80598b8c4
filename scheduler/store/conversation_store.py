"""Conversation state: one row per chat conversation with its turn counter and a small JSON
state (what the assistant asked and waits for, the task last talked about).

Every process that answers in a conversation (Slack workers, Telegram, the terminal, the
dashboard) reads and writes the same row, so a question asked by one is answered in another,
and a restart loses nothing. A turn is counted atomically; the state is written whole at the end
of the turn (the per-conversation lock makes turns sequential within a process; across
processes the last write of a turn wins, which is what a person answering twice expects).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ..errors import InvalidRequest
from . import dialect
from .base import Database
from .tables import conversations

MAX_STATE_CHARS = 64 * 1024


def _check_id(conversation_id: str) -> None:
    if not conversation_id or len(conversation_id) > 300:
        raise InvalidRequest("a conversation id is 1 to 300 characters")


class ConversationRows:
    """One row per chat conversation: its turn counter and the assistant's small JSON state."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def begin_turn(self, conversation_id: str, *, now: datetime, expires_at: datetime) -> tuple[int, dict[str, Any]]:
        """Count one more turn of ``conversation_id`` and return (turn, state). An expired row
        starts over (turn 1, empty state), as does an unknown one."""
        _check_id(conversation_id)
        state: dict[str, Any]
        with self.db.write() as conn:
            row = conn.execute(
                sa.select(conversations.c.turn, conversations.c.state, conversations.c.expires_at)
                .where(conversations.c.conversation_id == conversation_id)
                .with_for_update()
            ).first()
            if row is None or row.expires_at <= now:
                turn, state = 1, {}
                conn.execute(
                    dialect.insert(self.db.engine, conversations)
                    .values(conversation_id=conversation_id, turn=turn, state=state, updated_at=now,
                            expires_at=expires_at)
                    .on_conflict_do_update(
                        index_elements=[conversations.c.conversation_id],
                        set_={"turn": turn, "state": state, "updated_at": now, "expires_at": expires_at},
                    )
                )
                return turn, state
            turn = int(row.turn) + 1
            conn.execute(
                conversations.update()
                .where(conversations.c.conversation_id == conversation_id)
                .values(turn=turn, updated_at=now, expires_at=expires_at)
            )
            return turn, dict(row.state or {})

    def save_conversation(
        self, conversation_id: str, state: dict[str, Any], *, now: datetime, expires_at: datetime
    ) -> None:
        """Replace the state of ``conversation_id`` (created when missing)."""
        _check_id(conversation_id)
        if len(json.dumps(state, default=str)) > MAX_STATE_CHARS:
            raise InvalidRequest("the conversation state is too large to keep")
        with self.db.write() as conn:
            conn.execute(
                dialect.insert(self.db.engine, conversations)
                .values(conversation_id=conversation_id, turn=0, state=state, updated_at=now,
                        expires_at=expires_at)
                .on_conflict_do_update(
                    index_elements=[conversations.c.conversation_id],
                    set_={"state": state, "updated_at": now, "expires_at": expires_at},
                )
            )

    def forget_conversations(self, *, before: datetime) -> int:
        """Drop conversations that expired before ``before``."""
        with self.db.write() as conn:
            done = conn.execute(conversations.delete().where(conversations.c.expires_at < before))
        return int(done.rowcount or 0)
