"""The terminal as a notification channel: reminders and failures printed where cronpilot runs."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.console import Console
from rich.markup import escape

from scheduler.ports import Notification

from .markup import printable


class ConsoleNotifier:
    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(highlight=False)

    async def notify(self, notification: Notification) -> None:
        stamp = datetime.now(UTC).astimezone().strftime("%H:%M")
        title = f"{escape(printable(notification.title))}: " if notification.title else ""
        # Run output and task names are data: escape them so they can't inject rich markup.
        self.console.print(f"[bold]🔔 {stamp}[/bold] {title}{escape(printable(notification.text))}")
