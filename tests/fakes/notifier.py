"""A Notifier that records what it was asked to deliver."""

from __future__ import annotations

from scheduler.ports import Notification


class RecordingNotifier:
    def __init__(self) -> None:
        self.sent: list[Notification] = []

    async def notify(self, notification: Notification) -> None:
        self.sent.append(notification)
