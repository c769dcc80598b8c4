"""The assistant without a model: everyday requests, understood deterministically.

A message is read in this order: an answer to a question the assistant asked (kept in the
conversation state in the database), a recognized intent (``agent.intents``: changes to tasks,
questions about tasks and runs, yes/no), a request to create something (``agent.requests``: the
action from the words, the time through the deterministic parser), and otherwise a clear answer
that it needs a model. Questions never create anything ("will it snow tomorrow?").

Everything goes through the same tools the model uses, so permissions, answers and provenance
are identical online and offline. Synchronous: the assistant calls ``answer`` in a thread.
"""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.errors import CronpilotError
from tools.context import ConversationState, ToolContext

from . import commands, dialogue
from .chatter import is_question
from .commands import HELP, sorry
from .intents import classify

NEEDS_MODEL = (
    "I can't help with that without a language model. I understand reminders and scheduled jobs "
    "('remind me every Monday at 9 to send the report', 'every hour check https://example.com'), "
    "changes ('pause X', 'move X to 10am', 'delete X') and questions about your tasks and runs "
    "('what failed today', 'why did X fail'); say 'help' for more. To let me understand anything "
    "else, set OPENAI_API_KEY (plus OPENAI_BASE_URL for any OpenAI-compatible endpoint and "
    "CRONPILOT_MODEL for the model name) and restart cronpilot."
)
__all__ = ["HELP", "NEEDS_MODEL", "Answer", "answer", "sorry"]


@dataclass(frozen=True)
class Answer:
    text: str
    understood: bool = True


def answer(ctx: ToolContext, text: str) -> Answer:
    """The reply to one message; never raises a ``CronpilotError`` (it becomes the reply)."""
    if ctx.state is None:
        ctx.state = ConversationState(confirmations=ctx.confirmations)
    ctx.reader = "person"  # tool results are the reply itself: no model-facing fences
    try:
        if ctx.state.pending is not None:
            resumed = dialogue.resume(ctx, text, run_intent=commands.run_intent)
            if resumed is not None:
                return Answer(resumed.text, resumed.understood)
        return _fresh(ctx, text)
    except CronpilotError as exc:
        return Answer(sorry(str(exc)))


def _fresh(ctx: ToolContext, text: str) -> Answer:
    intent = classify(text)
    if intent is None or intent.kind not in ("confirm", "deny"):
        ctx.confirmations.asked.clear()  # any other message is not a yes to an earlier question
    if intent is not None:
        handled = commands.handle(ctx, intent, text)
        if handled is not None:
            return Answer(handled.text, handled.understood)
    if not is_question(text):
        created = dialogue.create(ctx, text)
        if created is not None:
            return Answer(created.text, created.understood)
    return Answer(NEEDS_MODEL, understood=False)
