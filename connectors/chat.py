"""What every chat connector does between "a platform event arrived" and "here is the reply":
drop repeats, know who is writing, handle the admin claim, hand the message to the assistant.

Slack and Telegram translate at their edges (platform event → ``ChatEvent``, ``OutboundMessage``
→ platform call); everything in between lives here once, including the one catch-all that turns
an unexpected error into a reply instead of a dead conversation.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from typing import Protocol

from agent.chatter import is_dashboard_request
from agent.messages import ButtonAction, InboundMessage, OutboundMessage
from scheduler.clock import Clock, SystemClock
from scheduler.errors import CronpilotError, InvalidRequest
from scheduler.models import check_timezone, first_known_timezone
from scheduler.people import actor_of
from scheduler.service import Service
from scheduler.wording import SORRY

from .identity import Person, Stranger, claim_code_in
from .views import RunView, TaskView, run_views, task_views

log = logging.getLogger(__name__)

# Slack retries for about 5 minutes, Telegram may re-deliver within a day: keep keys 2 days.
EVENT_TTL = timedelta(hours=48)
_CLEANUP_EVERY = timedelta(hours=1)


class AssistantLike(Protocol):
    async def handle(self, message: InboundMessage) -> OutboundMessage:
        """The reply; turns of one conversation run one at a time (the assistant holds the one
        per-conversation lock, for every connector and the terminal chat alike)."""
        ...

    async def press(self, action: ButtonAction, *, user: str, role: str) -> OutboundMessage: ...


@dataclass(frozen=True)
class ChatEvent:
    """One message from a person, already translated from the platform's shape."""

    platform: str  # slack | telegram
    platform_user: str
    text: str
    conversation: dict[str, str]
    conversation_id: str
    display_name: str | None = None
    timezone: str | None = None  # what the platform says (Slack profile); a /tz choice wins
    locale: str | None = None  # the person's language (Slack user locale, Telegram language_code)
    message_id: str | None = None
    event_key: str | None = None  # dedupe key (Slack event_id, Telegram update_id)
    private: bool = True  # a DM: strangers get told why; in groups they are ignored quietly
    extra: dict[str, str] = field(default_factory=dict)


class ChatGateway:
    def __init__(
        self,
        *,
        service: Service,
        assistant: Callable[[], AssistantLike],
        clock: Clock | None = None,
        default_timezone: str = "UTC",
        dashboard_url: str | None = None,
        messages_per_minute: int = 20,
    ) -> None:
        self.service = service
        # The dashboard's base URL for sign-in links sent in chat; None: not offered.
        self.dashboard_url = dashboard_url
        # Each message may cost a model call: a person sending more than this in a moving
        # minute gets a "slow down" instead (0: no limit). Per process, in memory.
        self.messages_per_minute = messages_per_minute
        self.people = service.people
        self._assistant = assistant
        self.clock = clock or SystemClock()
        self.default_timezone = default_timezone
        self._last_cleanup = self.clock.now()

    @cached_property
    def _rate(self) -> _PerMinute:
        """The moving-minute limit, made at the first message (``limits`` is imported then, not
        when ``serve`` starts: a delivery-only gateway never needs it)."""
        return _PerMinute(max(1, self.messages_per_minute))

    # --- the steps every connector uses --------------------------------------------------------

    async def first_time(self, key: str) -> bool:
        """True the first time an inbound event key is seen (the ledger survives restarts)."""
        now = self.clock.now()
        fresh = await asyncio.to_thread(self.people.first_time, key, now=now)
        if now - self._last_cleanup >= _CLEANUP_EVERY:
            self._last_cleanup = now
            await asyncio.to_thread(self.people.forget_events, before=now - EVENT_TTL)
        if not fresh:
            log.info("duplicate event dropped", extra={"event_key": key})
        return fresh

    async def identify(
        self, platform: str, platform_user: str, *, display_name: str | None = None
    ) -> Person | Stranger:
        return await asyncio.to_thread(
            self.people.identify, platform, platform_user, display_name=display_name
        )

    def zone_of(self, person: Person, platform_zone: str | None = None) -> str:
        """The person's chosen zone, else what the platform says, else the configured default."""
        return first_known_timezone(person.timezone, platform_zone, default=self.default_timezone)

    # --- conversations ---------------------------------------------------------------------------

    async def converse(self, event: ChatEvent) -> OutboundMessage | None:
        """The reply to ``event``, or None when there is nothing to say (a repeat, a stranger in a
        group). Never raises."""
        try:
            if event.event_key and not await self.first_time(event.event_key):
                return None
            code = claim_code_in(event.text)
            if code is not None:
                return await self._claim(event, code)
            who = await self.identify(event.platform, event.platform_user, display_name=event.display_name)
            if isinstance(who, Stranger):
                return OutboundMessage(who.reason) if event.private else None
            if self.messages_per_minute and not self._rate.hit(who.user_id):
                log.info("chat message over the per-person limit", extra={"user_id": who.user_id})
                return OutboundMessage(
                    f"Slow down a little, please: I take up to {self.messages_per_minute} messages a "
                    "minute from one person. Try again in a minute.")
            if is_dashboard_request(event.text):
                if not event.private:  # a link in a group would sign in whoever clicks first
                    return OutboundMessage("Ask me for the dashboard in a direct message: a sign-in link is for you alone.")
                return OutboundMessage(await self.dashboard_link(who))
            message = InboundMessage(
                text=event.text, user=who.user_id, role=who.role, conversation=dict(event.conversation),
                conversation_id=event.conversation_id, timezone=self.zone_of(who, event.timezone),
                message_id=event.message_id, locale=event.locale,
            )
            # One turn at a time per conversation: the assistant's own lock sees to that.
            return await self._assistant().handle(message)
        except Exception:
            log.exception("chat message failed", extra={"conversation_id": event.conversation_id})
            return OutboundMessage(SORRY)

    async def press(
        self, *, platform: str, platform_user: str, button: ButtonAction, event_key: str | None,
        display_name: str | None = None,
    ) -> OutboundMessage | None:
        """A button click, authorized for the person who clicked (not whoever got the message)."""
        try:
            if event_key and not await self.first_time(event_key):
                return None
            who = await self.identify(platform, platform_user, display_name=display_name)
            if isinstance(who, Stranger):
                return OutboundMessage(who.reason)
            return await self._assistant().press(button, user=who.user_id, role=who.role)
        except Exception:
            log.exception("button press failed", extra={"task_id": button.task_id})
            return OutboundMessage(SORRY)

    # --- commands that need no agent ---------------------------------------------------------------

    async def tasks_of(self, person: Person, *, zone: str) -> tuple[list[TaskView], int]:
        return await asyncio.to_thread(task_views, self.service, actor_of(person), zone=zone)

    async def runs_of(self, person: Person, *, zone: str, task: str | None = None) -> list[RunView]:
        return await asyncio.to_thread(run_views, self.service, actor_of(person), zone=zone, task=task)

    async def dashboard_link(self, person: Person) -> str:
        """The reply carrying ``person``'s own one-time sign-in link to the dashboard."""
        if not self.dashboard_url:
            return "The web dashboard isn't set up here (CRONPILOT_DASHBOARD_URL)."
        token = await asyncio.to_thread(self.service.web.issue_link, person.user_id)
        minutes = int(self.service.web.link_ttl.total_seconds() // 60)
        return (f"Your sign-in link to the dashboard (works once, for {minutes} minutes; don't share it):\n"
                f"{self.dashboard_url}/signin?token={token}")

    async def set_timezone(self, person: Person, zone: str) -> str:
        """Remember ``zone`` for ``person``; the reply text (the error, if the zone is unknown)."""
        try:
            zone = check_timezone(zone.strip())
        except ValueError as exc:
            raise InvalidRequest(str(exc)) from None
        await asyncio.to_thread(self.people.set_timezone, person, zone)
        return f"Your time zone is now {zone}."

    # --- internals -----------------------------------------------------------------------------

    async def _claim(self, event: ChatEvent, code: str) -> OutboundMessage:
        if not event.private:
            # A code pasted into a group is seen by everyone: refuse, and it stays unused.
            return OutboundMessage("Send the claim code in a direct message to me, not in a group.")
        person = await asyncio.to_thread(
            self.people.claim, event.platform, event.platform_user, code, display_name=event.display_name
        )
        if person is None:
            return OutboundMessage("That claim code is not valid (wrong, already used, or expired).")
        return OutboundMessage(f"Done: you are now an admin of this cronpilot ({person.user_id}).")


def error_text(exc: BaseException) -> str:
    """One line for a person: our errors say what to do; anything else is ours to fix."""
    return str(exc) if isinstance(exc, CronpilotError) else SORRY


class _PerMinute:
    """``limits``' moving window, per person, in memory."""

    def __init__(self, per_minute: int) -> None:
        from limits import RateLimitItemPerMinute
        from limits.storage import MemoryStorage
        from limits.strategies import MovingWindowRateLimiter

        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._item = RateLimitItemPerMinute(per_minute)

    def hit(self, who: str) -> bool:
        return self._limiter.hit(self._item, who)
