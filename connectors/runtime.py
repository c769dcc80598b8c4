"""The connectors one process runs: which are on and why, their HTTP routes, their start and
stop, and the delivery router that sends notices through them.

Built by the composition root from settings; a connector whose settings are absent is simply
not built, and ``start`` reports one status line per connector for ``cronpilot serve`` to print.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scheduler.ports import Notifier
from scheduler.smtp import SmtpConfig

from .chat import ChatGateway
from .delivery import DeliveryLedger, DeliveryRouter, RetryPolicy
from .mail import EmailChannel

if TYPE_CHECKING:  # slack-bolt and PTB are imported only when their connector is configured
    from fastapi import APIRouter

    from .slack.app import SlackConfig, SlackConnector
    from .telegram.bot import TelegramConfig, TelegramConnector

log = logging.getLogger(__name__)
# Telegram allows 1-256 of these; we ask for at least 32 so the secret is not guessable.
_STRONG_SECRET = re.compile(r"^[A-Za-z0-9_-]{32,256}$")


@dataclass(frozen=True)
class ConnectorStatus:
    name: str
    on: bool
    why: str
    configured: bool = True  # False: its settings are absent, so "off" is expected

    def line(self) -> str:
        return f"{self.name}: {'on' if self.on else 'off'} ({self.why})"


class Connectors:
    def __init__(
        self,
        *,
        gateway: ChatGateway,
        console: Notifier,
        slack: SlackConfig | None = None,
        telegram: TelegramConfig | None = None,
        smtp: SmtpConfig | None = None,
        locate: Callable[[int], Awaitable[dict[str, str]]] | None = None,
        retry: RetryPolicy | None = None,
        ledger: DeliveryLedger | None = None,
    ) -> None:
        self.gateway = gateway
        self.smtp = smtp
        self.slack: SlackConnector | None = None
        self.telegram: TelegramConnector | None = None
        self.notifier = DeliveryRouter(default=console, locate=locate, retry=retry, ledger=ledger)
        if slack is not None:
            from .slack.app import SlackConnector
            from .slack.delivery import SlackChannel

            self.slack = SlackConnector(slack, gateway)
            self.notifier.add_channel("slack", SlackChannel(self.slack.client))
        if telegram is not None:
            from .telegram.bot import TelegramConnector
            from .telegram.delivery import TelegramChannel

            self.telegram = TelegramConnector(telegram, gateway)
            self.notifier.add_channel("telegram", TelegramChannel(self.telegram.bot))
        if smtp is not None:
            self.notifier.add_channel("email", EmailChannel(smtp))
        self._running: list[Callable[[], Awaitable[None]]] = []

    @property
    def chat_enabled(self) -> bool:
        return self.slack is not None or self.telegram is not None

    def routers(self) -> list[APIRouter]:
        routers = []
        if self.slack is not None and self.slack.config.signing_secret:
            from .slack.http import slack_router

            routers.append(slack_router(self.slack))
        telegram = self.telegram
        if telegram is not None and telegram.config.webhook_mode and _strong(
            telegram.config.webhook_secret
        ):
            from .telegram.http import telegram_router

            routers.append(telegram_router(telegram))
        return routers

    async def start(self) -> list[ConnectorStatus]:
        """Start every configured connector; one that fails is reported off, the rest go on."""
        return [await self._start_slack(), await self._start_telegram(), self._email_status()]

    async def stop(self) -> None:
        for stop in reversed(self._running):
            try:
                await stop()
            except Exception:
                log.warning("connector did not stop cleanly", exc_info=True)
        self._running.clear()

    # --- one connector each ------------------------------------------------------------------

    async def _start_slack(self) -> ConnectorStatus:
        if self.slack is None:
            return ConnectorStatus("slack", False, "SLACK_BOT_TOKEN not set", configured=False)
        config = self.slack.config
        try:
            who = await asyncio.wait_for(self.slack.client.auth_test(), 20)
        except Exception as exc:
            return ConnectorStatus("slack", False, f"auth.test failed: {_short(exc)}")
        self.slack.learn_workspace(who)
        modes = []
        if config.app_token:
            try:
                await asyncio.wait_for(self.slack.start_socket_mode(), 30)
            except Exception as exc:
                return ConnectorStatus("slack", False, f"Socket Mode failed to connect: {_short(exc)}")
            modes.append("Socket Mode")
        if config.signing_secret:
            modes.append("HTTP mode at POST /slack/events")
        self._running.append(self.slack.stop)
        team = who.get("team") or who.get("team_id") or "?"
        if not modes:
            return ConnectorStatus(
                "slack", True,
                f"workspace {team}, delivery only: set SLACK_APP_TOKEN or SLACK_SIGNING_SECRET "
                "to receive messages",
            )
        return ConnectorStatus("slack", True, f"workspace {team}, {' and '.join(modes)}")

    async def _start_telegram(self) -> ConnectorStatus:
        if self.telegram is None:
            return ConnectorStatus("telegram", False, "TELEGRAM_BOT_TOKEN not set", configured=False)
        config = self.telegram.config
        if config.webhook_mode and not _strong(config.webhook_secret):
            return ConnectorStatus(
                "telegram", False,
                "TELEGRAM_WEBHOOK_SECRET must be 32-256 characters of A-Z a-z 0-9 _ - "
                "(e.g. `openssl rand -hex 32`)",
            )
        try:
            await asyncio.wait_for(self.telegram.start(), 30)
        except Exception as exc:
            return ConnectorStatus("telegram", False, f"could not start: {_short(exc)}")
        self._running.append(self.telegram.stop)
        name = f"@{self.telegram.bot.username}" if self.telegram.bot.username else "bot"
        if config.webhook_mode:
            return ConnectorStatus("telegram", True, f"{name}, webhook {config.webhook_url}")
        note = ""
        if config.webhook_url or config.webhook_secret:
            note = "; webhook needs both TELEGRAM_WEBHOOK_URL and TELEGRAM_WEBHOOK_SECRET"
        return ConnectorStatus("telegram", True, f"{name}, long polling{note}")

    def _email_status(self) -> ConnectorStatus:
        if self.smtp is None:
            return ConnectorStatus("email", False, "CRONPILOT_SMTP_HOST not set", configured=False)
        smtp = self.smtp
        return ConnectorStatus(
            "email", True, f"SMTP {smtp.host}:{smtp.port} ({smtp.security}), from {smtp.sender}"
        )


def _strong(secret: str | None) -> bool:
    return bool(secret and _STRONG_SECRET.match(secret))


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]
