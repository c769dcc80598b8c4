"""The Telegram connector: a python-telegram-bot ``Application`` with commands, free text to the
assistant, and inline-keyboard buttons; fed by long polling or by our own webhook route.

Updates are handled concurrently (an agent turn in one chat must not hold up the others); the
gateway serializes turns within one conversation. A repeated ``update_id`` is dropped before
any handler runs, and so is a message older than ``STALE_AFTER`` (Telegram signs nothing, so a
replayed old command is refused on its age).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ChatType, ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from agent.messages import OutboundMessage
from scheduler.background import BackgroundJobs

from ..chat import ChatEvent, ChatGateway, error_text
from ..identity import Person, Stranger
from ..views import decode_button
from . import format as fmt

log = logging.getLogger(__name__)

STALE_AFTER = 600.0  # seconds: older messages are not acted on
COMMANDS = [
    BotCommand("tasks", "your tasks, with buttons"),
    BotCommand("runs", "recent runs (optionally of one task)"),
    BotCommand("tz", "set your time zone, e.g. /tz Europe/Berlin"),
    BotCommand("help", "what I can do"),
]


class PerChatUpdates(BaseUpdateProcessor):
    """Updates of different chats run concurrently (a slow agent turn in one chat holds up no
    other); those of one chat run in arrival order, so "/tasks" after "remind me…" sees the task."""

    def __init__(self, max_concurrent_updates: int = 64) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        if len(self._locks) > 10_000:
            self._locks = {k: v for k, v in self._locks.items() if v.locked()}
        async with self._locks.setdefault(chat.id, asyncio.Lock()):
            await coroutine

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


@dataclass(frozen=True)
class TelegramConfig:
    bot_token: str
    api_url: str | None = None  # Bot API base, e.g. https://api.telegram.org (tests: a local server)
    webhook_secret: str | None = None
    webhook_url: str | None = None  # public URL of POST /telegram/webhook
    allowed: frozenset[str] = field(default_factory=frozenset)  # informational; policy is in identity

    @property
    def webhook_mode(self) -> bool:
        return bool(self.webhook_secret and self.webhook_url)


class TelegramConnector:
    def __init__(
        self, config: TelegramConfig, gateway: ChatGateway, *, wall: Callable[[], float] = time.time
    ) -> None:
        self.config = config
        self.gateway = gateway
        self.wall = wall  # Telegram's message dates are real time, whatever the engine's clock says
        builder = ApplicationBuilder().token(config.bot_token).concurrent_updates(PerChatUpdates())
        if config.api_url:
            base = config.api_url.rstrip("/")
            builder = builder.base_url(f"{base}/bot").base_file_url(f"{base}/file/bot")
        if config.webhook_mode:
            builder = builder.updater(None)  # updates arrive through our own FastAPI route
        self.application: Application[Any, Any, Any, Any, Any, Any] = builder.build()
        self._jobs = BackgroundJobs()
        self._started = False
        self._register()

    @property
    def bot(self) -> Any:
        return self.application.bot

    # --- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        """Initialize (getMe), register commands, then poll or set the webhook."""
        await self.application.initialize()
        await self.application.start()
        self._started = True
        try:
            await self.bot.set_my_commands(COMMANDS)
        except Exception:
            log.info("setMyCommands failed", exc_info=True)
        if self.config.webhook_mode:
            await self.bot.set_webhook(
                self.config.webhook_url, secret_token=self.config.webhook_secret,
                allowed_updates=["message", "callback_query"],
            )
        elif self.application.updater is not None:
            await self.application.updater.start_polling(allowed_updates=["message", "callback_query"])

    async def stop(self) -> None:
        if not self._started:
            return
        if self.application.updater is not None and self.application.updater.running:
            await self.application.updater.stop()
        await self.drain()
        await self.application.stop()
        await self.application.shutdown()
        self._started = False

    async def feed(self, data: dict[str, Any]) -> None:
        """One update from the webhook: handled as a task of its own, so the route answers at once
        (in order within its chat, like polled updates)."""
        update = Update.de_json(data, self.bot)
        processor = self.application.update_processor
        self._spawn(processor.process_update(update, self.application.process_update(update)))

    async def drain(self) -> None:
        """Wait for the work started by acknowledged events (tests; shutdown)."""
        await self._jobs.drain()

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        self._jobs.spawn(work)

    # --- handlers ------------------------------------------------------------------------------

    def _register(self) -> None:
        app = self.application
        app.add_handler(TypeHandler(Update, self._gate), group=-1)
        app.add_handler(CommandHandler(["start", "help"], self._help))
        app.add_handler(CommandHandler(["tasks", "list"], self._tasks))
        app.add_handler(CommandHandler("runs", self._runs))
        app.add_handler(CommandHandler("tz", self._tz))
        app.add_handler(CommandHandler("claim", self._text))
        app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, self._text))
        app.add_handler(CallbackQueryHandler(self._button, pattern=f"^{fmt.CALLBACK_PREFIX}"))
        app.add_error_handler(self._error)

    async def _gate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Runs before every handler: drop repeats and stale messages."""
        if not await self.gateway.first_time(f"tg:{self.bot.id}:{update.update_id}"):
            raise ApplicationHandlerStop
        message = update.message  # button presses carry the old message they belong to: not this check
        if message is not None and self.wall() - message.date.timestamp() > STALE_AFTER:
            log.info("stale telegram message ignored", extra={"update_id": update.update_id})
            raise ApplicationHandlerStop

    async def _help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        who = await self._who(update)
        if who is None:
            return
        if isinstance(who, Stranger):
            await self._reply(update, OutboundMessage(who.reason))
            return
        await self._send_html(update, fmt.HELP)

    async def _tasks(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        person = await self._member(update)
        if person is not None:
            views, total = await self.gateway.tasks_of(person, zone=self.gateway.zone_of(person))
            html, markup = fmt.tasks_piece(views, total)
            await self._send_html(update, html, markup)

    async def _runs(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        person = await self._member(update)
        if person is not None:
            task = " ".join(context.args or []) or None
            try:
                views = await self.gateway.runs_of(person, zone=self.gateway.zone_of(person), task=task)
            except Exception as exc:
                await self._reply(update, OutboundMessage(error_text(exc)))
                return
            await self._send_html(update, *fmt.runs_piece(views, task=task))

    async def _tz(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        person = await self._member(update)
        if person is None:
            return
        if not context.args:
            zone = self.gateway.zone_of(person)
            text = f"Your time zone is {zone}. Change it with /tz Europe/Berlin."
            await self._reply(update, OutboundMessage(text))
            return
        try:
            text = await self.gateway.set_timezone(person, context.args[0])
        except Exception as exc:
            text = error_text(exc)
        await self._reply(update, OutboundMessage(text))

    async def _text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user, chat = update.effective_message, update.effective_user, update.effective_chat
        if message is None or user is None or chat is None or user.is_bot:
            return
        text = message.text or ""
        if self.bot.username:
            text = text.replace(f"@{self.bot.username}", "").strip()
        conversation = {"platform": "telegram", "chat": str(chat.id)}
        if message.is_topic_message and message.message_thread_id:
            conversation["thread"] = str(message.message_thread_id)
        reply = await self.gateway.converse(ChatEvent(
            platform="telegram", platform_user=str(user.id), text=text, conversation=conversation,
            conversation_id=":".join(["tg", str(chat.id), *filter(None, [conversation.get("thread")])]),
            display_name=user.full_name, message_id=str(message.message_id),
            private=chat.type == ChatType.PRIVATE, locale=user.language_code,
        ))
        if reply is not None:
            await self._reply(update, reply)

    async def _button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        button = decode_button((query.data or "").removeprefix(fmt.CALLBACK_PREFIX))
        await query.answer()  # stops the spinner on the person's button right away
        if button is None:
            return
        reply = await self.gateway.press(
            platform="telegram", platform_user=str(query.from_user.id), button=button,
            event_key=f"tg:callback:{query.id}", display_name=query.from_user.full_name,
        )
        if reply is not None:
            await self._reply(update, reply)

    async def _error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.warning("telegram handler failed", exc_info=context.error)

    # --- helpers -------------------------------------------------------------------------------

    async def _who(self, update: Update) -> Person | Stranger | None:
        user = update.effective_user
        if user is None or user.is_bot:
            return None
        return await self.gateway.identify("telegram", str(user.id), display_name=user.full_name)

    async def _member(self, update: Update) -> Person | None:
        who = await self._who(update)
        if isinstance(who, Stranger):
            chat = update.effective_chat
            if chat is not None and chat.type == ChatType.PRIVATE:
                await self._reply(update, OutboundMessage(who.reason))
            return None
        return who

    async def _reply(self, update: Update, reply: OutboundMessage) -> None:
        for html, markup in fmt.reply_pieces(reply):
            await self._send_html(update, html, markup)

    async def _send_html(self, update: Update, html: str, markup: Any = None) -> None:
        chat, message = update.effective_chat, update.effective_message
        if chat is None:
            return
        thread = message.message_thread_id if message is not None and message.is_topic_message else None
        await self.bot.send_message(
            chat_id=chat.id, text=html, parse_mode=ParseMode.HTML, reply_markup=markup,
            message_thread_id=thread, link_preview_options=LinkPreviewOptions(is_disabled=True),
        )
