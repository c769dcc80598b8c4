"""The LangGraph agent: ``langchain.agents.create_agent`` over the tool catalog, with the
identity of the speaker passed as run context (hidden from the model), a system prompt rendered
per turn from that context, and limits on tool and model calls so nothing loops.

Also the reading of a finished run's messages: the final text, the tokens the model reported,
and a transcript (prompt, every tool call and result, replies) kept with AI runs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from langchain.agents import create_agent
from langchain.agents.middleware import (
    AgentMiddleware,
    ModelCallLimitMiddleware,
    ModelRequest,
    ToolCallLimitMiddleware,
    dynamic_prompt,
)
from langchain.tools import ToolRuntime
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.messages.utils import trim_messages
from langchain_core.tools import BaseTool, StructuredTool
from langgraph.types import Checkpointer
from pydantic import ConfigDict

from tools.catalog import ToolDef
from tools.context import ToolContext

log = logging.getLogger(__name__)


REFUSAL_REASON = "reason"  # a refused tool entry's why, in a transcript


def as_langchain_tool(definition: ToolDef) -> BaseTool:
    """The catalog tool as a LangChain tool; ``runtime`` is injected, not in the model's schema.
    The model reads the result text; the ``ToolMessage`` also carries the call's outcome as its
    artifact (``{"refused": bool, "error": str | None}``), so nobody parses the text back."""

    def run(runtime: ToolRuntime[ToolContext], **kwargs: Any) -> tuple[str, dict[str, Any]]:
        try:
            record = definition.invoke(runtime.context, kwargs)
        except Exception:
            # conversation with a tool call that has no answer (the next turn would be rejected)
            log.exception("tool crashed", extra={"tool": definition.name})
            return ("Error: the tool failed unexpectedly (it's logged). Tell the person and stop.",
                    {"refused": False, "error": "the tool failed unexpectedly"})
        return record.result, {"refused": record.refused, "error": record.error}

    # LangChain validates the call with ``runtime`` injected into it; the catalog's models forbid
    # unknown fields, so the schema given to LangChain ignores extras (the catalog validates again).
    schema = type(definition.args.__name__, (definition.args,), {"model_config": ConfigDict(extra="ignore")})
    tool = StructuredTool.from_function(
        func=run, name=definition.name, description=definition.description, args_schema=schema,
        response_format="content_and_artifact",
    )
    # A model that writes arguments of the wrong shape gets one line it can act on (and retry),
    # not a stack of validation details.
    tool.handle_validation_error = _invalid_arguments
    return tool


def _invalid_arguments(exc: Exception) -> str:
    from pydantic import ValidationError

    from scheduler.access import validation_message

    detail = validation_message(exc) if isinstance(exc, ValidationError) else str(exc)
    return f"Invalid arguments: {detail}. Check the tool's parameters and call it again."


class TrimHistory(AgentMiddleware[Any, Any]):
    """Send the model only the recent part of a long conversation (the checkpoint keeps it all).
    Token counts are approximate on purpose: tiktoken would download its tables at run time."""

    def __init__(self, max_tokens: int) -> None:
        super().__init__()
        self.max_tokens = max_tokens

    def _trimmed(self, request: ModelRequest) -> ModelRequest:
        kept = trim_messages(request.messages, max_tokens=self.max_tokens, token_counter="approximate",
                             strategy="last", start_on="human", allow_partial=False)
        # trim_messages hands back some of the messages it was given (AnyMessage), but its
        # stubs say BaseMessage
        return request.override(messages=kept or request.messages[-1:])  # type: ignore[arg-type]

    def wrap_model_call(self, request: ModelRequest, handler: Callable[[ModelRequest], Any]) -> Any:
        return handler(self._trimmed(request))

    async def awrap_model_call(self, request: ModelRequest, handler: Callable[[ModelRequest], Any]) -> Any:
        return await handler(self._trimmed(request))


def build_agent(
    model: BaseChatModel,
    definitions: Sequence[ToolDef],
    *,
    system_prompt: Callable[[ToolContext], str],
    checkpointer: Checkpointer = None,
    max_tool_calls: int | None = None,
    max_model_calls: int | None = None,
    history_tokens: int | None = None,
) -> Any:
    """A compiled agent graph; call ``ainvoke(inputs, config, context=ToolContext(...))``."""

    @dynamic_prompt
    def prompt(request: ModelRequest[ToolContext]) -> str:
        return system_prompt(request.runtime.context)

    middleware: list[AgentMiddleware[Any, Any]] = [prompt]
    if history_tokens:
        middleware.append(TrimHistory(history_tokens))
    if max_tool_calls:
        # Calls past the cap are answered with an error message, so the model learns and stops.
        middleware.append(ToolCallLimitMiddleware(run_limit=max_tool_calls, exit_behavior="continue"))
    if max_model_calls:
        middleware.append(ModelCallLimitMiddleware(run_limit=max_model_calls, exit_behavior="end"))
    return create_agent(
        model,
        [as_langchain_tool(d) for d in definitions],
        middleware=middleware,
        context_schema=ToolContext,
        checkpointer=checkpointer,
    )


def this_turn(messages: Sequence[BaseMessage]) -> list[BaseMessage]:
    """The messages after the last person's message (with memory, earlier turns are in there too)."""
    for index in range(len(messages) - 1, -1, -1):
        if isinstance(messages[index], HumanMessage):
            return list(messages[index:])
    return list(messages)


def final_text(messages: Sequence[BaseMessage]) -> str:
    for message in reversed(messages):
        if isinstance(message, AIMessage) and not message.tool_calls:
            return message.text.strip()
    return ""


def tokens_reported(messages: Sequence[BaseMessage]) -> int:
    """Total tokens the model reported for these messages (its own usage, not an estimate)."""
    total = 0
    for message in messages:
        usage = getattr(message, "usage_metadata", None)
        if isinstance(message, AIMessage) and usage:
            total += int(usage.get("total_tokens") or 0)
    return total


def model_calls(messages: Sequence[BaseMessage]) -> int:
    """How many times the model answered (each answer is one call), for the owner's budget."""
    return sum(1 for message in messages if isinstance(message, AIMessage))


def is_refusal(message: ToolMessage) -> bool:
    """A policy said no (the call's outcome, from the catalog), or LangGraph refused the call
    itself (error status: a tool outside the allowed set, calls past the limit)."""
    outcome = message.artifact if isinstance(message.artifact, dict) else {}
    return bool(outcome.get("refused")) or getattr(message, "status", "success") == "error"


def refusal_reason(message: ToolMessage) -> str:
    """Why a refused call was refused, in a line: the policy's own words, or LangGraph's."""
    outcome = message.artifact if isinstance(message.artifact, dict) else {}
    reason = outcome.get("error") if outcome.get("refused") else None
    return str(reason or message.text).strip()[:120]


def transcript(messages: Sequence[BaseMessage]) -> list[dict[str, Any]]:
    """Plain dicts for the run row: who said what, every tool call and its result."""
    entries: list[dict[str, Any]] = []
    for message in messages:
        if isinstance(message, HumanMessage):
            entries.append({"role": "user", "content": message.text})
        elif isinstance(message, AIMessage):
            entry: dict[str, Any] = {"role": "assistant", "content": message.text}
            if message.tool_calls:
                entry["tool_calls"] = [{"id": c.get("id"), "name": c["name"], "args": c["args"]}
                                       for c in message.tool_calls]
            if message.usage_metadata:
                entry["tokens"] = int(message.usage_metadata.get("total_tokens") or 0)
            entries.append(entry)
        elif isinstance(message, ToolMessage):
            refused = is_refusal(message)
            entry = {"role": "tool", "name": message.name, "tool_call_id": message.tool_call_id,
                     "content": message.text, "refused": refused}
            if refused:
                entry[REFUSAL_REASON] = refusal_reason(message)
            entries.append(entry)
    return entries
