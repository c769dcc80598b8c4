"""Who is writing, at the chat edge: reading an admin claim out of a message. Who may have an
account, roles and the claim itself are service rules (``scheduler/people.py``); the names
below are re-exported for the connectors that speak of people."""

from __future__ import annotations

import re

from scheduler.people import AccessPolicy, Person, Stranger, hash_code, normalize_code

_CLAIM = re.compile(r"^\s*/?claim(?:@\w+)?\s+([A-Za-z0-9-]{8,40})\s*$", re.IGNORECASE)


def claim_code_in(text: str) -> str | None:
    """The code of a "claim <code>" (or "/claim <code>") message, normalized, else None."""
    match = _CLAIM.match(text or "")
    return normalize_code(match.group(1)) if match else None


__all__ = ["AccessPolicy", "Person", "Stranger", "claim_code_in", "hash_code", "normalize_code"]
