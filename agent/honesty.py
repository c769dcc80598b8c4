"""Keeping a model's reply true to what the tools did.

Real models sometimes say "Done, I've set your reminder" without calling a tool, answer a tool
call they could not write (bad JSON: LangChain files it under ``invalid_tool_calls``) with
nothing, or leave out what actually happened. The reply a person gets is checked against the
turn's tool calls: a claimed change that no tool made is replaced by what was (not) done, an
empty reply says what happened, and changes the text leaves out are added from the results.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from langchain_core.messages import AIMessage, BaseMessage

from tools.context import ToolCallRecord

WRITE_TOOLS = frozenset({"create_reminder", "create_task", "update_task", "pause_task", "resume_task",
                         "delete_task", "run_now", "add_dependency", "create_workflow"})
_DID = (r"(?:created|scheduled|set(?: up)?|added|deleted|removed|cancell?ed|paused|resumed|started|kicked off|"
        r"triggered|updated|changed|moved|renamed|rescheduled|approved|run)")
# A reply that says something changed: "I've created…", "has been deleted", "Paused it", "Done!".
_CLAIM = re.compile(
    rf"\b(?:i|we)(?:'ve| have)?\s+(?:just\s+|now\s+|already\s+)?{_DID}\b|\b(?:has|have) been {_DID}\b"
    rf"|\b(?:reminder|task|job)s? (?:is|are) (?:now )?(?:set|created|scheduled|paused|deleted)\b|\ball set\b"
    rf"|^\W*done\b|\bi(?:'ll| will) remind you\b|^\W*{_DID} (?:it|them|that|your|the|all)\b",
    re.IGNORECASE,
)
_NOT_DONE = ("Confirm first", "Plan for workflow")
NOTHING_DONE = "I haven't changed anything: no action was carried out for that."


def changes(calls: Sequence[ToolCallRecord]) -> list[ToolCallRecord]:
    """The tool calls of this turn that changed something."""
    return [c for c in calls if c.name in WRITE_TOOLS and not c.error and not c.refused
            and not c.result.startswith(_NOT_DONE)]


def honest_reply(text: str, turn: Sequence[BaseMessage], calls: Sequence[ToolCallRecord]) -> str:
    """``text`` (the model's last words this turn), corrected by what the tools did."""
    done = changes(calls)
    unreadable = [c for m in turn if isinstance(m, AIMessage) for c in (m.invalid_tool_calls or [])]
    failed = [c for c in calls if c.name in WRITE_TOOLS and (c.error or c.refused)]
    text = text.strip()
    if not done and (not text or _CLAIM.search(text)):
        return _nothing_done(failed, unreadable, asked=[c for c in calls if c.result.startswith(_NOT_DONE)])
    if not text:
        return "\n".join(c.result for c in done)
    missing = [c.result for c in done if not _mentioned(c.result, text)]
    if missing:
        text += "\nWhat I did: " + "\n".join(missing)
    return text


def _mentioned(result: str, text: str) -> bool:
    names = re.findall(r"'([^']+)'", result)
    return any(name.lower() in text.lower() for name in names) if names else result[:40] in text


def _nothing_done(failed: list[ToolCallRecord], unreadable: Sequence[object], *, asked: list[ToolCallRecord]) -> str:
    if asked:
        return asked[-1].result.split(" Ask the person;")[0].replace("Confirm first: ", "").strip() + \
            " Say yes to go ahead."
    parts = [NOTHING_DONE]
    if failed:
        parts.append(f"It didn't work: {failed[-1].error}.")
    if unreadable:
        parts.append("The model asked for an action in a form I couldn't read.")
    parts.append("Please say it again, e.g. 'remind me tomorrow at 9 to call mom'.")
    return " ".join(parts)
