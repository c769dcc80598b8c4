"""Slack as a delivery channel: ``chat.postMessage`` to the channel and thread a task came from.

A 429 carries ``Retry-After`` (seconds), which the router honours; Slack's transient errors are
retried; anything else (``not_in_channel``, ``channel_not_found``, a revoked token) fails the
delivery at once with Slack's error code, so the run says why.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from scheduler.ports import Notification

from ..delivery import DeliveryFailed, RetryLater
from .blocks import Message, notice_messages

_TRANSIENT = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)


class SlackChannel:
    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    def describe(self, destination: Mapping[str, str]) -> str:
        where = f"slack channel {destination.get('channel', '?')}"
        return f"{where}, thread {destination['thread']}" if destination.get("thread") else where

    def pieces(self, notification: Notification, destination: Mapping[str, str]) -> Sequence[Message]:
        if not destination.get("channel"):
            raise DeliveryFailed("the Slack address has no channel")
        return notice_messages(notification)

    async def send(self, piece: Message, destination: Mapping[str, str]) -> None:
        text, blocks = piece
        try:
            await self.client.chat_postMessage(
                channel=destination["channel"], thread_ts=destination.get("thread") or None,
                text=text, blocks=blocks, unfurl_links=False, unfurl_media=False,
            )
        except SlackApiError as exc:
            error = str(exc.response.get("error") or "unknown_error")
            status = exc.response.status_code
            if status == 429:
                raise RetryLater("Slack rate limit (429)", retry_after=_retry_after(exc)) from None
            if status >= 500 or error in _TRANSIENT:
                raise RetryLater(f"Slack answered {status} {error}") from None
            raise DeliveryFailed(f"Slack refused: {error}") from None
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise RetryLater(f"{type(exc).__name__}: {exc}") from None


def _retry_after(exc: SlackApiError) -> float | None:
    headers = exc.response.headers or {}
    value = headers.get("Retry-After") or headers.get("retry-after")
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
