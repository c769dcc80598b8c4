"""The assistant every chat connector talks to: one ``InboundMessage`` in, one ``OutboundMessage``
out, and button clicks.

It knows who is speaking (user, role, time zone: the person's own if the platform says, else the
configured default) and "now", remembers each conversation (a LangGraph checkpointer in the
store's database, keyed by ``conversation_id``), and works with a model (the LangGraph agent)
or without one (``agent.offline``). ``handle`` and ``press`` are process edges for the
connectors: nothing raises out of them; a failure becomes a friendly reply and a log entry.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Self

from scheduler.errors import CronpilotError
from scheduler.models import first_known_timezone
from scheduler.service import Actor, Role, Service
from scheduler.wording import SORRY
from tools import catalog
from tools.context import ConversationState, ToolContext
from tools.describe import next_text

from . import offline, prompts
from .config import ChatLimits
from .messages import ButtonAction, InboundMessage, OutboundMessage

if TYPE_CHECKING:  # the model stack (cronpilot[ai]) is imported only when a model is configured
    from langchain_core.language_models import BaseChatModel

log = logging.getLogger(__name__)
MAX_CONVERSATIONS = 5000  # in-memory conversation locks, oldest idle ones dropped
_FORGET_EVERY = timedelta(hours=1)  # how often expired conversation states are dropped


@dataclass
class _Conversation:
    """One conversation's lock, the one per-conversation lock: every connector's messages come
    through ``handle``, one turn at a time (the agent's memory is sequential). What the
    conversation is in the middle of (turn count, pending questions, the task last talked about)
    is in the database, shared by every process."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class Assistant:
    def __init__(
        self,
        service: Service,
        *,
        model: BaseChatModel | None = None,
        default_timezone: str = "UTC",
        database_url: str | None = None,
        limits: ChatLimits | None = None,
    ) -> None:
        self.service = service
        self.model = model
        self.default_timezone = default_timezone
        self.database_url = database_url
        self.limits = limits or ChatLimits()
        self._conversations: OrderedDict[str, _Conversation] = OrderedDict()
        self._stack = AsyncExitStack()
        self._graph: Any = None
        self._graph_lock = asyncio.Lock()
        self._last_forget: datetime | None = None

    @property
    def online(self) -> bool:
        return self.model is not None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the memory's connection; the next message opens it again (in its own loop)."""
        await self._stack.aclose()
        self._stack = AsyncExitStack()
        self._graph = None

    # --- messages ---------------------------------------------------------------------------

    async def handle(self, message: InboundMessage) -> OutboundMessage:
        """Answer one message. Never raises: errors become a friendly reply."""
        try:
            text = message.text.strip()
            if not text:
                return OutboundMessage(offline.HELP)
            if len(text) > self.limits.max_message_chars:
                return OutboundMessage(f"That message is too long for me ({len(text)} characters; "
                                       f"the limit is {self.limits.max_message_chars}).")
            conversation = self._conversation(message.conversation_id)
            async with conversation.lock:
                turn, saved = await asyncio.to_thread(self.service.begin_conversation_turn,
                                                      message.conversation_id)
                state = ConversationState.from_dict(saved)
                ctx = self._context(message, turn, state)
                reply = await (self._online(ctx, message, text) if self.model is not None
                               else self._offline(ctx, text))
                await asyncio.to_thread(self.service.save_conversation, message.conversation_id,
                                        state.to_dict())
            await self._forget_stale()
            buttons = tuple(ButtonAction(b.label, b.action, b.task_id) for b in ctx.buttons)
            return OutboundMessage(reply, buttons=buttons)
        except Exception:
            log.exception("message failed", extra={"conversation_id": message.conversation_id,
                                                   "user": message.user})
            return OutboundMessage(SORRY)

    async def press(self, action: ButtonAction, *, user: str, role: str) -> OutboundMessage:
        """A button click, authorized for the person who clicked (not whoever got the message)."""
        try:
            actor = Actor(user=user, role=_role(role), origin={"via": "button", "action": action.action})
            return OutboundMessage(await asyncio.to_thread(self._press, action, actor))
        except CronpilotError as exc:
            return OutboundMessage(offline.sorry(str(exc)))
        except Exception:
            log.exception("button failed", extra={"task_id": action.task_id, "user": user})
            return OutboundMessage(SORRY)

    def _press(self, action: ButtonAction, actor: Actor) -> str:
        ref = str(action.task_id)
        if action.action == "approve":
            task = self.service.approve_task(ref, actor=actor)
            fires = self.service.next_fires(task, count=1)
            now = self.service.clock.now()
            upcoming = f"; {next_text(fires[0], task, viewer_zone=task.timezone, now=now)}" if fires else ""
            return f"Approved '{task.name}' (task #{task.task_id}){upcoming}."
        tool = {"pause": "pause_task", "resume": "resume_task", "run_now": "run_now"}.get(action.action)
        if tool is None:
            return f"I don't know the button action {action.action!r}."
        ctx = ToolContext(service=self.service, actor=actor, timezone=self.default_timezone)
        record = catalog.invoke(tool, ctx, task=ref)
        return offline.sorry(record.error) if record.error else record.result

    # --- the two ways of understanding ------------------------------------------------------

    async def _offline(self, ctx: ToolContext, text: str) -> str:
        return (await asyncio.to_thread(offline.answer, ctx, text)).text

    async def _online(self, ctx: ToolContext, message: InboundMessage, text: str) -> str:
        from langchain_core.messages import HumanMessage
        from langgraph.errors import GraphRecursionError

        from .graph import final_text, this_turn
        from .honesty import honest_reply

        graph = await self._agent()
        config: dict[str, Any] = {"configurable": {"thread_id": message.conversation_id},
                                  "recursion_limit": self.limits.recursion_limit}
        try:
            result = await graph.ainvoke({"messages": [HumanMessage(text)]}, config, context=ctx)
        except GraphRecursionError:
            return "That took me too many steps, so I stopped. Could you ask in smaller pieces?"
        except Exception as exc:
            log.warning("model call failed", extra={"conversation_id": message.conversation_id},
                        exc_info=True)
            return await self._without_model(ctx, text, exc)
        turn = this_turn(result["messages"])
        return honest_reply(final_text(turn), turn, ctx.calls)

    async def _without_model(self, ctx: ToolContext, text: str, exc: Exception) -> str:
        reason = f"{type(exc).__name__}: {str(exc)[:160]}".rstrip(": ")
        unreachable = f"I couldn't reach the language model ({reason})."
        if ctx.calls:  # something already happened this turn; don't risk doing it twice
            return unreachable + " Some of your request may have been done; say 'list my tasks' to check."
        answer = await asyncio.to_thread(offline.answer, ctx, text)
        if answer.understood:
            return f"{answer.text}\n(The language model is unreachable, so I handled this myself.)"
        return unreachable + " Without it I understand the everyday requests: " + offline.HELP

    async def _agent(self) -> Any:
        from .graph import build_agent
        from .memory import open_checkpointer

        async with self._graph_lock:
            if self._graph is None:
                assert self.model is not None
                saver = await self._stack.enter_async_context(open_checkpointer(self.database_url))
                self._graph = build_agent(
                    self.model, catalog.PERSON_TOOLS, system_prompt=self._system_prompt,
                    checkpointer=saver, max_tool_calls=self.limits.max_tool_calls,
                    max_model_calls=self.limits.max_model_calls, history_tokens=self.limits.history_tokens,
                )
            return self._graph

    # --- who and where ----------------------------------------------------------------------

    def _system_prompt(self, ctx: ToolContext) -> str:
        origin = ctx.actor.origin or {}
        now = ctx.now.astimezone(ctx.zone)
        return prompts.load(
            "system", user=ctx.actor.user, role=ctx.actor.role.value, timezone=ctx.timezone,
            now=f"{now:%A} {now.day} {now:%B %Y, %H:%M} ({ctx.timezone})",
            via=str(origin.get("via") or "chat"), templates=", ".join(prompts.template_names()),
        )

    def _conversation(self, conversation_id: str) -> _Conversation:
        conversation = self._conversations.pop(conversation_id, None) or _Conversation()
        self._conversations[conversation_id] = conversation
        if len(self._conversations) > MAX_CONVERSATIONS:
            # Forget the oldest idle ones; a held lock is kept, or two turns could overlap.
            idle = [k for k, c in self._conversations.items() if not c.lock.locked()]
            for key in idle[: len(self._conversations) - MAX_CONVERSATIONS]:
                del self._conversations[key]
        return conversation

    def _context(self, message: InboundMessage, turn: int, state: ConversationState) -> ToolContext:
        actor = Actor(user=message.user, role=_role(message.role), origin=origin_of(message))
        return ToolContext(
            service=self.service, actor=actor,
            timezone=first_known_timezone(message.timezone, default=self.default_timezone),
            conversation=dict(message.conversation), turn=turn,
            confirmations=state.confirmations, state=state, locale=message.locale,
        )

    async def _forget_stale(self) -> None:
        now = self.service.clock.now()
        if self._last_forget is not None and now - self._last_forget < _FORGET_EVERY:
            return
        self._last_forget = now
        try:
            await asyncio.to_thread(self.service.forget_stale_conversations)
        except CronpilotError:
            log.warning("could not drop expired conversations", exc_info=True)


def origin_of(message: InboundMessage) -> dict[str, Any]:
    """Provenance kept with every task created or changed through this message."""
    via = message.conversation.get("platform") or message.conversation_id.split(":", 1)[0] or "cli"
    origin: dict[str, Any] = {
        "via": via,
        "conversation": dict(message.conversation) or message.conversation_id,
        "conversation_id": message.conversation_id,
        "message": message.text[:500],
        "user": message.user,
    }
    if message.message_id:
        origin["message_id"] = message.message_id
    return origin


def _role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        log.warning("unknown role; treated as viewer", extra={"role": role})
        return Role.VIEWER  # least privilege for a connector's mistake
