"""``POST /telegram/webhook``: updates pushed by Telegram in webhook mode.

Telegram signs nothing; it echoes the secret given to ``setWebhook`` in the
``X-Telegram-Bot-Api-Secret-Token`` header. A missing or wrong secret gets 403 before the body
is read, compared in constant time. The body is then read with a 1 MiB cap while it streams
(413) and parsed with a depth limit (malformed or too deep → 400). The update is then handled as its own task, so Telegram gets
its 200 at once and does not re-send while an agent turn runs.
"""

from __future__ import annotations

import hmac
import logging

from fastapi import APIRouter, Request, Response

from ..inbound import BadJson, load_json, read_body
from .bot import TelegramConnector

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 1024 * 1024
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def secret_matches(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def telegram_router(connector: TelegramConnector) -> APIRouter:
    secret = connector.config.webhook_secret
    if not secret:
        raise ValueError("the Telegram webhook needs TELEGRAM_WEBHOOK_SECRET")
    router = APIRouter()

    @router.post("/telegram/webhook")
    async def telegram_webhook(request: Request) -> Response:
        if not secret_matches(request.headers.get(SECRET_HEADER), secret):
            return Response(status_code=403)
        try:  # counted while it streams (413 past the cap), parsed with a depth limit (400)
            data = load_json(await read_body(request, MAX_BODY_BYTES))
        except BadJson:
            return Response(status_code=400)
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return Response(status_code=400)
        await connector.feed(data)
        return Response(status_code=200)

    return router
