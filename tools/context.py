"""What every tool call carries besides its arguments: the service, who is asking and where.

The model never sees or chooses any of this: the agent passes it as LangGraph run context
(hidden from the tool schema), so identity can't be forged from a prompt. A tool call records
itself in ``calls`` so an AI run's transcript keeps every call, result and refusal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from scheduler.service import Actor, Service

ButtonKind = Literal["approve", "pause", "resume", "run_now"]


@dataclass(frozen=True)
class ButtonOffer:
    """A button the reply should carry; the click is authorized for whoever clicks it."""

    label: str
    action: ButtonKind
    task_id: int


@dataclass(frozen=True)
class ToolCallRecord:
    name: str
    args: dict[str, Any]
    result: str  # what the model reads
    refused: bool = False  # a policy said no (PermissionDenied)
    error: str | None = None  # the plain message of any failure, for people


@dataclass
class Confirmations:
    """Deletes (by task id) and workflow plans (by fingerprint) a conversation asked about, with
    the turn that asked.

    They only go through in a *later* turn than the one that asked, so the model can't ask and
    confirm in one breath: the person's next message is what confirms."""

    asked: dict[int, int] = field(default_factory=dict)
    plans: dict[str, int] = field(default_factory=dict)  # workflow plan fingerprint -> turn shown


@dataclass
class ConversationState:
    """What a conversation is in the middle of, kept in the database between turns (through
    ``Service.save_conversation``): the confirmations asked for, the task last talked about, and
    a question the assistant asked and waits an answer to (``pending``, owned by the agent)."""

    confirmations: Confirmations = field(default_factory=Confirmations)
    last_task_id: int | None = None
    pending: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "asked": {str(k): v for k, v in self.confirmations.asked.items()},
            "plans": dict(self.confirmations.plans),
            "last_task_id": self.last_task_id,
            "pending": self.pending,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ConversationState:
        data = data or {}
        asked = {int(k): int(v) for k, v in (data.get("asked") or {}).items() if str(k).isdigit()}
        plans = {str(k): int(v) for k, v in (data.get("plans") or {}).items()}
        last = data.get("last_task_id")
        pending = data.get("pending")
        return cls(Confirmations(asked, plans), int(last) if isinstance(last, int) else None,
                   pending if isinstance(pending, dict) else None)


@dataclass
class ToolContext:
    service: Service
    actor: Actor
    timezone: str
    conversation: dict[str, str] = field(default_factory=dict)
    locale: str | None = None  # the person's language, a hint for reading time phrases
    turn: int = 0
    confirmations: Confirmations = field(default_factory=Confirmations)
    state: ConversationState | None = None  # None outside a conversation (AI runs, buttons)
    notes: list[str] = field(default_factory=list)  # notify_owner messages (AI runs)
    buttons: list[ButtonOffer] = field(default_factory=list)
    calls: list[ToolCallRecord] = field(default_factory=list)
    # Who reads the results: the model (untrusted text is fenced as data for it), or a person
    # directly (the offline assistant), who gets the text without the model's fences.
    reader: Literal["model", "person"] = "model"
    read_run_output: bool = False  # this turn read run output (someone else's text: data, not orders)

    @property
    def now(self) -> datetime:
        return self.service.clock.now()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def offer(self, label: str, action: ButtonKind, task_id: int) -> None:
        offer = ButtonOffer(label, action, task_id)
        if offer not in self.buttons:
            self.buttons.append(offer)

    def mentioned(self, task_id: int) -> None:
        """Remember ``task_id`` as the task this conversation talks about ("pause it")."""
        if self.state is not None:
            self.state.last_task_id = task_id

    @property
    def refusals(self) -> list[ToolCallRecord]:
        return [c for c in self.calls if c.refused]
