"""What a chat conversation is in the middle of, kept in the database through the service.

The assistant (in any process: Slack, Telegram, the terminal, the dashboard) starts each turn
with ``begin_conversation_turn`` and ends it with ``save_conversation``; the state is a small
JSON object the assistant owns (a pending confirmation or clarification, the task last talked
about). Rows expire after ``CONVERSATION_TTL`` without a message and are then dropped by
``forget_stale_conversations``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from .clock import Clock
from .store_ports import ConversationStore

CONVERSATION_TTL = timedelta(days=7)


class Conversations:
    """A part of the service (``Service.conversations``, its methods exposed on ``Service``).
    It needs only the conversation rows: no rules apply, the state is the assistant's own."""

    def __init__(self, store: ConversationStore, *, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def begin_conversation_turn(self, conversation_id: str) -> tuple[int, dict[str, Any]]:
        """(turn number, state) for the message that just arrived in ``conversation_id``.
        Turns count from 1; a conversation silent for ``CONVERSATION_TTL`` starts over.
        Raises ``InvalidRequest`` for an id that is empty or over 300 characters."""
        now = self.clock.now()
        return self.store.begin_turn(conversation_id, now=now, expires_at=now + CONVERSATION_TTL)

    def save_conversation(self, conversation_id: str, state: dict[str, Any]) -> None:
        """Keep ``state`` (JSON-able, at most 64 KiB, else ``InvalidRequest``) for the next turn
        of ``conversation_id``."""
        now = self.clock.now()
        self.store.save_conversation(conversation_id, state, now=now, expires_at=now + CONVERSATION_TTL)

    def forget_stale_conversations(self) -> int:
        """Drop conversations that expired; the number dropped."""
        return self.store.forget_conversations(before=self.clock.now())
