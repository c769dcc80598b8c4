"""Telegram as a delivery channel: ``sendMessage`` to the chat (and forum topic) a task came from.

Flood control (429) carries ``retry_after``, which the router honours; network errors are
retried; a refusal (bot blocked, chat not found, bad request) fails the delivery at once.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from scheduler.ports import Notification

from ..delivery import DeliveryFailed, RetryLater
from .format import notice_pieces


class TelegramChannel:
    def __init__(self, bot: Any) -> None:
        self.bot = bot

    def describe(self, destination: Mapping[str, str]) -> str:
        where = f"telegram chat {destination.get('chat', '?')}"
        return f"{where}, topic {destination['thread']}" if destination.get("thread") else where

    def pieces(self, notification: Notification, destination: Mapping[str, str]) -> Sequence[str]:
        if not destination.get("chat"):
            raise DeliveryFailed("the Telegram address has no chat")
        return notice_pieces(notification)

    async def send(self, piece: str, destination: Mapping[str, str]) -> None:
        thread = destination.get("thread")
        try:
            await self.bot.send_message(
                chat_id=destination["chat"], text=piece, parse_mode=ParseMode.HTML,
                message_thread_id=int(thread) if thread and thread.isdigit() else None,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        except RetryAfter as exc:
            raise RetryLater("Telegram flood control (429)", retry_after=_seconds(exc)) from None
        except (BadRequest, Forbidden, ChatMigrated) as exc:  # BadRequest is a NetworkError: first
            raise DeliveryFailed(f"Telegram refused: {exc.message}") from None
        except NetworkError as exc:
            raise RetryLater(f"Telegram network error: {exc.message}") from None
        except TelegramError as exc:
            raise DeliveryFailed(f"Telegram error: {exc.message}") from None


def _seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that the type will become timedelta
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
