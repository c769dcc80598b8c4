"""How the dashboard words a task's action and an AI run's transcript (pure functions of
what the service returned; no access decisions here)."""

from __future__ import annotations

import json
import shlex
from typing import Any

from scheduler.actionspec import (
    Action,
    AIAction,
    EmailAction,
    HttpAction,
    ReminderAction,
    ShellAction,
    SqlAction,
)


def action_lines(action: Action) -> list[tuple[str, str]]:
    """What a task would do, field by field, for a person deciding whether to approve it."""
    lines: list[tuple[str, str]] = []
    if isinstance(action, ShellAction):
        command = action.argv[0] if action.use_shell and len(action.argv) == 1 else shlex.join(action.argv)
        lines.append(("Command", command))
        if action.cwd:
            lines.append(("In folder", action.cwd))
        if action.env:
            lines.append(("Environment", ", ".join(sorted(action.env))))
    elif isinstance(action, AIAction):
        lines.append(("Prompt", action.prompt))
        if action.template:
            lines.append(("Template", action.template))
    elif isinstance(action, HttpAction):
        lines.append(("Request", f"{action.method} {action.url}"))
        if action.body:
            lines.append(("Body", action.body[:2000]))
    elif isinstance(action, SqlAction):
        lines.append(("Database", action.database + (" (may write)" if action.allow_writes else " (read-only)")))
        lines.append(("Statement", action.statement))
    elif isinstance(action, EmailAction):
        lines.append(("To", ", ".join(action.to)))
        lines.append(("Subject", action.subject))
        if action.body:
            lines.append(("Body", action.body[:2000]))
    elif isinstance(action, ReminderAction):
        lines.append(("Message", action.message))
    return lines


def transcript_entries(transcript: Any) -> list[dict[str, Any]]:
    """An AI run's transcript (``result["transcript"]``) as entries a template can show; [] for
    anything else."""
    if not isinstance(transcript, list):
        return []
    entries = []
    for item in transcript:
        if not isinstance(item, dict):
            continue
        calls = [{"name": str(c.get("name", "?")), "args": json.dumps(c.get("args"), ensure_ascii=False, indent=1)}
                 for c in item.get("tool_calls") or [] if isinstance(c, dict)]
        reason = item.get("reason")
        if item.get("role") == "cronpilot":  # cronpilot's own notes at the end of a run
            if item.get("refusals"):
                reason = f"refused {item['refusals']} action(s): " + "; ".join(map(str, item.get("reasons") or []))
            elif item.get("paused"):
                reason = f"paused the task: {item['paused']}"
        entries.append({"role": str(item.get("role", "?")), "content": str(item.get("content") or ""),
                        "calls": calls, "tokens": item.get("tokens"), "name": item.get("name"),
                        "refused": bool(item.get("refused")), "reason": reason})
    return entries


def change_text(before: Any, after: Any) -> str:
    """An audit entry's change in a line: 'role: member → viewer; status: paused → active'."""
    before = before if isinstance(before, dict) else {}
    after = after if isinstance(after, dict) else {}
    parts = []
    for key in list(dict.fromkeys([*before, *after]))[:6]:
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        words = f"{key}: {_short(old)} → {_short(new)}" if key in before and key in after else (
            f"{key}: {_short(new)}" if key in after else f"{key} was {_short(old)}")
        parts.append(words)
    return "; ".join(parts)


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 80 else text[:79] + "…"
