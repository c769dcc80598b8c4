"""``POST /slack/events``: Events API, slash commands and interactivity in HTTP mode.

bolt checks the signature (``SLACK_SIGNING_SECRET``, HMAC over the raw body, 5-minute window)
before anything is parsed or stored; a bad or old request gets 401 and touches nothing.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler

from .app import SlackConnector

MAX_BODY_BYTES = 1024 * 1024  # Slack payloads are a few KB; refuse big bodies before the HMAC


def slack_router(connector: SlackConnector) -> APIRouter:
    handler = AsyncSlackRequestHandler(connector.app)
    router = APIRouter()

    @router.post("/slack/events")
    async def slack_events(request: Request) -> Response:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            return Response(status_code=413)
        return await handler.handle(request)

    return router
