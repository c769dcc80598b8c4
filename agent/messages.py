"""The messages connectors exchange with the assistant. Connectors map platform identities and
events to ``InboundMessage`` and render ``OutboundMessage`` (escaping the text for their platform).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class InboundMessage:
    text: str
    user: str  # cronpilot user id (connectors map platform identities)
    role: str = "member"  # admin | member | viewer
    conversation: dict[str, str] = field(default_factory=dict)  # e.g. {"platform": "slack", "team": "T1", "channel": "C1", "thread": "5.0"}
    conversation_id: str = "cli"  # stable id for memory, e.g. "slack:T1:C1:5.0", "tg:42", "cli:local"
    timezone: str | None = None  # the person's zone if the platform says
    locale: str | None = None  # the person's language if the platform says ("de-DE", "pt-br")
    message_id: str | None = None


@dataclass(frozen=True)
class ButtonAction:
    label: str
    action: str
    task_id: int  # action in {"approve", "pause", "resume", "run_now"}


@dataclass(frozen=True)
class OutboundMessage:
    text: str  # plain text (the connector escapes/formats)
    buttons: tuple[ButtonAction, ...] = ()
