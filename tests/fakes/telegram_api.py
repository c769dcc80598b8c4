"""A local Telegram Bot API on 127.0.0.1, for the real python-telegram-bot client.

Requests arrive at ``/bot<token>/<method>``; PTB sends form-encoded bodies with nested objects
as JSON strings, which are decoded here. Answers ``getMe``, ``sendMessage`` and the setup calls;
records every call; a test can queue a scripted answer (flood control 429 with ``retry_after``).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from fakes.local_server import LocalServer

TOKEN = "123456:TEST-TOKEN"
WEBHOOK_SECRET = "webhook-secret-0123456789-abcdefghijklmnop"
BOT = {"id": 123456, "is_bot": True, "first_name": "cronpilot", "username": "cronpilot_bot"}


@dataclass
class TelegramCall:
    method: str
    params: dict[str, Any]


class FakeTelegramApi(LocalServer):
    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[TelegramCall] = []
        self._scripted: dict[str, deque[tuple[int, dict[str, Any]]]] = defaultdict(deque)
        self._message_id = 100
        self._changed = asyncio.Condition()

    async def start(self) -> FakeTelegramApi:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._api)
        await self._serve(app)
        return self

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def script(self, method: str, *, status: int, body: dict[str, Any]) -> None:
        self._scripted[method].append((status, body))

    def flood(self, method: str = "sendMessage", retry_after: int = 3) -> None:
        self.script(method, status=429, body={
            "ok": False, "error_code": 429, "description": f"Too Many Requests: retry after {retry_after}",
            "parameters": {"retry_after": retry_after},
        })

    async def wait_for(self, method: str, count: int = 1, *, timeout: float = 20) -> None:
        """Until ``method`` was called ``count`` times (woken by each call, no polling)."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: len(self.called(method)) >= count), timeout)

    def called(self, method: str) -> list[TelegramCall]:
        return [c for c in self.calls if c.method == method]

    def sent(self) -> list[dict[str, Any]]:
        return [c.params for c in self.called("sendMessage")]

    async def _api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        if request.content_type == "application/json":
            params = await request.json()
        else:
            params = {k: _decode(v) for k, v in (await request.post()).items()}
        self.calls.append(TelegramCall(method, params))
        async with self._changed:
            self._changed.notify_all()
        if self._scripted[method]:
            status, body = self._scripted[method].popleft()
            return web.json_response(body, status=status)
        return web.json_response({"ok": True, "result": self._result(method, params)})

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT
        if method == "sendMessage":
            self._message_id += 1
            chat_id = int(params["chat_id"])
            return {"message_id": self._message_id, "date": int(time.time()), "text": params.get("text", ""),
                    "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
                    "from": BOT}
        return True


def _decode(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def message_update(
    update_id: int, text: str, *, user_id: int = 42, chat_id: int | None = None, first_name: str = "Ann",
    date: float | None = None, language_code: str | None = None,
) -> dict[str, Any]:
    """An Update with a text message; ``/commands`` get their bot_command entity."""
    chat_id = chat_id if chat_id is not None else user_id
    message: dict[str, Any] = {
        "message_id": update_id, "date": int(date if date is not None else time.time()), "text": text,
        "from": {"id": user_id, "is_bot": False, "first_name": first_name,
                 **({"language_code": language_code} if language_code else {})},
        "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group",
                 **({"first_name": first_name} if chat_id > 0 else {"title": "Team"})},
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": update_id, "message": message}


def callback_update(update_id: int, data: str, *, user_id: int = 42, chat_id: int | None = None) -> dict[str, Any]:
    chat_id = chat_id if chat_id is not None else user_id
    return {"update_id": update_id, "callback_query": {
        "id": f"cb{update_id}", "chat_instance": "ci", "data": data,
        "from": {"id": user_id, "is_bot": False, "first_name": "Ann"},
        "message": {"message_id": 7, "date": int(time.time()), "text": "tasks",
                    "chat": {"id": chat_id, "type": "private"}, "from": BOT},
    }}
