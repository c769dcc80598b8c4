"""Text from outside (a NOTIFY payload, a webhook body) turned into an event payload: a JSON
object that both stores can keep and templates can read as ``event.data``."""

from __future__ import annotations

import json
from typing import Any


class NotJson(ValueError):
    """The text is not JSON a store can keep."""


def _no_constants(name: str) -> Any:
    raise NotJson(f"{name} is not JSON")  # NaN/Infinity: PostgreSQL's json refuses them


def parse_json(text: str) -> Any:
    """The JSON value of ``text``; raises ``NotJson`` for anything else, including NaN and
    Infinity, lone surrogates (``"\\ud800"``, which PostgreSQL refuses) and nesting too deep for
    Python to decode."""
    try:
        value = json.loads(text, parse_constant=_no_constants)
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except (ValueError, RecursionError) as exc:  # UnicodeEncodeError is a ValueError
        raise NotJson(str(exc)) from None
    return value


def notify_payload(channel: str, text: str) -> dict[str, Any]:
    """A NOTIFY payload: its JSON object, else ``{"payload": text}``; with ``"channel"`` added
    (a row's own ``channel`` column, if it has one, is kept)."""
    try:
        value = parse_json(text)
    except NotJson:
        value = None
    payload = dict(value) if isinstance(value, dict) else {"payload": text}
    payload.setdefault("channel", channel)
    return payload


def body_payload(body: bytes) -> dict[str, Any]:
    """A webhook body: a JSON object as is, other JSON as ``{"value": …}``, anything else as
    ``{"body": text}`` (UTF-8, undecodable bytes replaced)."""
    text = body.decode("utf-8", errors="replace")
    try:
        value = parse_json(text)
    except NotJson:
        return {"body": text}
    return value if isinstance(value, dict) else {"value": value}
