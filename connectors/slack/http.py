"""``POST /slack/events``: Events API, slash commands and interactivity in HTTP mode.

Checked in this order, nothing parsed or stored before the signature holds: the body is read
with a cap while it streams (over 1 MiB → 413, never held whole), then its signature
(``SLACK_SIGNING_SECRET``, HMAC-SHA256 over ``v0:{timestamp}:{body}``, 5-minute window,
constant time; → 401), then its syntax (not UTF-8, malformed JSON, NaN, nesting deeper than
``MAX_JSON_DEPTH`` → 400). Only then does bolt see it (and check the signature again).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request, Response
from slack_bolt.adapter.starlette.async_handler import to_async_bolt_request, to_starlette_response

from ..inbound import BadJson, load_json, read_body
from .app import SlackConnector

MAX_BODY_BYTES = 1024 * 1024  # Slack payloads are a few KB; refuse big bodies before the HMAC
WINDOW_SECONDS = 300


def slack_router(connector: SlackConnector) -> APIRouter:
    secret = connector.config.signing_secret
    router = APIRouter()

    @router.post("/slack/events")
    async def slack_events(request: Request) -> Response:
        body = await read_body(request, MAX_BODY_BYTES)
        if secret and not signature_holds(secret, body, request.headers.get("x-slack-request-timestamp"),
                                          request.headers.get("x-slack-signature"), now=time.time()):
            return Response(status_code=401)
        problem = syntax_problem(body, request.headers.get("content-type", ""))
        if problem is not None:
            return Response(problem, status_code=400, media_type="text/plain")
        bolt_request = to_async_bolt_request(request, body)
        return to_starlette_response(await connector.app.async_dispatch(bolt_request))

    return router


def signature_holds(secret: str, body: bytes, timestamp: str | None, signature: str | None, *, now: float) -> bool:
    """Slack's ``v0`` signature over ``body``; any malformed header is simply not a match."""
    if not timestamp or not signature:
        return False
    stamp = timestamp.strip()
    if not stamp.isdigit() or len(stamp) > 12 or abs(now - int(stamp)) > WINDOW_SECONDS:
        return False
    digest = hmac.new(secret.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    # Over bytes: a header may carry any latin-1 text, and compare_digest on str takes ASCII only.
    return hmac.compare_digest(f"v0={digest}".encode(), signature.strip().encode("latin-1", "replace"))


def syntax_problem(body: bytes, content_type: str) -> str | None:
    """Why bolt could not parse ``body`` (it would raise, a 500), or None. Bolt reads JSON when
    the type says so or the body starts with ``{``, else a form whose ``payload`` field is JSON;
    either must be an object."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "the body is not UTF-8"
    if not text:
        return None
    try:
        if content_type.split(";")[0].strip().lower() == "application/json" or text.startswith("{"):
            value = load_json(text)
        elif "payload" in text:
            payload = dict(parse_qsl(text, keep_blank_values=True)).get("payload")
            value = {} if payload is None else load_json(payload)
        else:
            return None
    except BadJson as exc:
        return str(exc)
    if not isinstance(value, dict):
        return "the JSON is not an object"
    return shape_problem(value)


_TEXT = (str, int, float, bool, type(None))  # ids, names and flags: any scalar bolt can .get past
_OBJECT = (dict,)
_NAMED = (str, dict, type(None))  # "team": "T1" or {"id": "T1"}, as Slack sends either
# The fields bolt's own middleware and ours read without checking their type ("event" must be an
# object to have .get called on it, "authorizations" a list of objects). Slack always sends these
# types; anything else is a forged or broken payload, and bolt would answer it with a 500.
_SHAPES: dict[str, tuple[type, ...]] = {
    "event": _OBJECT, "view": _OBJECT, "message": _OBJECT, "previous_message": _OBJECT,
    "container": _OBJECT, "item": _OBJECT, "assistant_thread": _OBJECT, "function_data": _OBJECT,
    "team": _NAMED, "user": _NAMED, "channel": _NAMED, "enterprise": _NAMED, "authorizations": (list,),
    **{name: _TEXT for name in (
        "type", "subtype", "team_id", "enterprise_id", "api_app_id", "app_id", "event_id", "user_id",
        "channel_id", "bot_id", "ts", "thread_ts", "channel_type", "command", "trigger_id",
        "response_url", "challenge", "context_team_id", "context_enterprise_id", "function_execution_id",
        "bot_access_token", "id", "callback_id", "is_enterprise_install", "is_ext_shared_channel")},
}


def shape_problem(payload: dict[str, Any], *, depth: int = 0) -> str | None:
    """Why a field bolt reads has a type Slack never sends, or None (checked inside the objects
    bolt reads too: the event, the message inside it, and so on)."""
    for name, value in payload.items():
        allowed = _SHAPES.get(name)
        if allowed is not None and not isinstance(value, allowed):
            return f"the field {name!r} has the wrong type"
        if name == "authorizations" and not all(isinstance(a, dict) for a in value):
            return "the field 'authorizations' must hold objects"
        if isinstance(value, dict) and allowed in (_OBJECT, _NAMED) and depth < 4:  # the event, its message...
            problem = shape_problem(value, depth=depth + 1)
            if problem is not None:
                return problem
    return None
