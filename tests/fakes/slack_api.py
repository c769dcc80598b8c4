"""A local Slack Web API (and Socket Mode endpoint) on 127.0.0.1, for the real slack-sdk client.

Answers ``auth.test`` (so bolt can ignore the bot's own events), ``chat.postMessage``,
``users.info`` and ``apps.connections.open``; records every call; lets a test queue a scripted
answer for a method (a 429 with ``Retry-After``, an error) ahead of the default one. Response
URLs of slash commands and buttons point here too (``/respond/<id>``).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from fakes.local_server import LocalServer

BOT_USER = "UBOT"
BOT_ID = "BBOT"
TEAM = "T1"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


@dataclass
class SlackCall:
    method: str
    params: dict[str, Any]
    headers: dict[str, str]


@dataclass
class Scripted:
    status: int = 200
    body: dict[str, Any] = field(default_factory=lambda: {"ok": True})
    headers: dict[str, str] = field(default_factory=dict)


class FakeSlackApi(LocalServer):
    def __init__(self) -> None:
        self.calls: list[SlackCall] = []
        self.responses: list[SlackCall] = []  # posts to response_url
        self.users: dict[str, dict[str, Any]] = {}
        self.socket_acks: list[dict[str, Any]] = []
        self._scripted: dict[str, deque[Scripted]] = defaultdict(deque)
        self._envelopes: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._ts = 1000
        self._changed = asyncio.Condition()

    # --- control -----------------------------------------------------------------------------

    async def start(self) -> FakeSlackApi:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/respond/{key}", self._respond)
        app.router.add_get("/socket", self._socket)
        await self._serve(app)
        return self

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, key: str = "r1") -> str:
        return f"http://127.0.0.1:{self.port}/respond/{key}"

    def script(self, method: str, *, status: int = 200, body: dict[str, Any] | None = None,
               headers: dict[str, str] | None = None) -> None:
        """Answer the next call of ``method`` this way (then the defaults again)."""
        self._scripted[method].append(Scripted(status, body if body is not None else {"ok": True}, headers or {}))

    def add_user(self, user_id: str, *, tz: str = "UTC", name: str = "Someone",
                 locale: str = "en-US") -> None:
        self.users[user_id] = {"id": user_id, "name": name.lower(), "real_name": name, "tz": tz,
                               "team_id": TEAM, "locale": locale}

    async def wait_for(self, method: str, count: int = 1, *, timeout: float = 20) -> None:
        """Until ``method`` was called ``count`` times (woken by each call, no polling)."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: len(self.called(method)) >= count), timeout)

    def called(self, method: str) -> list[SlackCall]:
        return [c for c in self.calls if c.method == method]

    def posts(self) -> list[dict[str, Any]]:
        return [c.params for c in self.called("chat.postMessage")]

    async def push_envelope(self, envelope: dict[str, Any], *, wait_ack: bool = True) -> None:
        """Send a Socket Mode envelope to the connected client (and wait for its ack)."""
        before = len(self.socket_acks)
        await self._envelopes.put(envelope)
        if wait_ack:
            async with self._changed:
                await asyncio.wait_for(self._changed.wait_for(lambda: len(self.socket_acks) > before), 20)

    # --- handlers ----------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params: dict[str, Any] = dict(request.query)
        raw = await request.read()
        if raw:
            if request.content_type == "application/json":
                params.update(json.loads(raw))
            else:
                params.update(dict(await request.post()))
        self.calls.append(SlackCall(method, params, dict(request.headers)))
        async with self._changed:
            self._changed.notify_all()
        if self._scripted[method]:
            scripted = self._scripted[method].popleft()
            return web.json_response(scripted.body, status=scripted.status, headers=scripted.headers)
        return web.json_response(self._default(method, params))

    def _default(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {"ok": True, "url": "https://t1.slack.com/", "team": "Team One", "user": "cronpilot",
                    "team_id": TEAM, "user_id": BOT_USER, "bot_id": BOT_ID}
        if method == "chat.postMessage":
            self._ts += 1
            return {"ok": True, "channel": params.get("channel"), "ts": f"{self._ts}.000100",
                    "message": {"text": params.get("text"), "ts": f"{self._ts}.000100"}}
        if method == "users.info":
            user = self.users.get(str(params.get("user")))
            if user and str(params.get("include_locale")).lower() not in ("true", "1"):
                user = {k: v for k, v in user.items() if k != "locale"}  # Slack: only when asked
            return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}
        if method == "apps.connections.open":
            return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket"}
        return {"ok": True}

    async def _respond(self, request: web.Request) -> web.Response:
        self.responses.append(SlackCall(request.match_info["key"], await request.json(), dict(request.headers)))
        async with self._changed:
            self._changed.notify_all()
        return web.Response(text="ok")

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"type": "hello", "num_connections": 1})

        async def forward() -> None:
            while True:
                await ws.send_json(await self._envelopes.get())

        sender = asyncio.ensure_future(forward())
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    self.socket_acks.append(json.loads(message.data))
                    async with self._changed:
                        self._changed.notify_all()
        finally:
            sender.cancel()
        return ws


def signed_headers(body: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None,
                   content_type: str = "application/json") -> dict[str, str]:
    """Headers Slack would send: ``v0=`` HMAC-SHA256 over ``v0:{timestamp}:{body}``."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"content-type": content_type, "x-slack-request-timestamp": ts, "x-slack-signature": f"v0={digest}"}


def event_body(event: dict[str, Any], *, event_id: str = "Ev1", team: str = "T1") -> str:
    return json.dumps({
        "token": "legacy", "team_id": team, "api_app_id": "A1", "type": "event_callback",
        "event_id": event_id, "event_time": int(time.time()), "event": event,
        "authorizations": [{"team_id": team, "user_id": "UBOT", "is_bot": True}],
    })


def mention(text: str, *, user: str = "U1", channel: str = "C1", ts: str = "5.0", thread: str | None = None) -> dict[str, Any]:
    event = {"type": "app_mention", "user": user, "text": f"<@UBOT> {text}", "channel": channel,
             "ts": ts, "team": "T1", "event_ts": ts}
    if thread:
        event["thread_ts"] = thread
    return event
