"""What the agent needs from settings, as plain values (the composition root builds these from
``cronpilot.settings``; the agent never reads the environment), and the model it talks to.

The model is any OpenAI-compatible endpoint through ``langchain-openai``: the base URL, key and
model name come from settings, so tests point the real client at a local server.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the model stack (cronpilot[ai]) is imported only when a model is configured
    from langchain_core.language_models import BaseChatModel


@dataclass(frozen=True)
class ModelConfig:
    model: str = "gpt-4o-mini"
    api_key: str | None = None
    base_url: str | None = None
    timeout: timedelta = timedelta(seconds=60)
    max_retries: int = 2

    @property
    def configured(self) -> bool:
        return bool(self.api_key)


@dataclass(frozen=True)
class ChatLimits:
    """Per message of a person."""

    max_message_chars: int = 4000
    max_tool_calls: int = 15
    max_model_calls: int = 12
    recursion_limit: int = 50
    history_tokens: int = 12_000  # of earlier turns sent to the model (approximate count)


@dataclass(frozen=True)
class AIRunLimits:
    """Per AI task run (spawn budgets are the service's ``SpawnPolicy``)."""

    daily_tokens: int = 200_000  # per task, over the last 24 hours, as the model reported them
    max_tool_calls: int = 20
    max_model_calls: int = 12
    recursion_limit: int = 60
    max_fetch_bytes: int = 200_000  # of a template's fetched source, before the prompt


def openai_chat_model(config: ModelConfig) -> BaseChatModel:
    """``ChatOpenAI`` for ``config``; temperature 0 because tool choice should be repeatable."""
    from langchain_openai import ChatOpenAI
    from pydantic import SecretStr

    return ChatOpenAI(
        model=config.model,
        api_key=SecretStr(config.api_key or ""),
        base_url=config.base_url,
        temperature=0,
        timeout=config.timeout.total_seconds(),
        max_retries=config.max_retries,
    )
