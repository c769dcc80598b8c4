"""Bounds on everything that arrives over HTTP, shared by every inbound route.

- ``BodyLimit``: an ASGI middleware (``build_api`` installs it on the whole app) that counts a
  request body *while it streams*: a declared ``Content-Length`` over the limit is answered 413
  before a byte is read, and a body that grows past it (chunked, or lying about its length) is
  cut off with 413 at the first chunk over. Nothing upstream ever holds more than the limit, so a
  300 MiB chunked upload costs no more memory than a 1 MiB one.
- ``load_json``: JSON for a route that needs it: malformed text, ``NaN``/``Infinity``, non-UTF-8
  bytes and nesting deeper than ``MAX_JSON_DEPTH`` are ``BadJson`` (→ 400), never a
  ``RecursionError`` or a 500. Routes parse only after they have authenticated the request.
- Routes under a ``json_prefixes`` path (none by default; ``/api/v1`` bounds its own bodies more
  tightly) that declare a JSON body get it checked by the middleware with ``load_json`` before
  the route (and FastAPI's own parser, which turns deep nesting into a 500) sees it.
- ``invalid_request``: the 422 for a body that doesn't fit a route's model, which never echoes
  the input (FastAPI's default answers non-UTF-8 input with a 500).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any

from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.requests import Request

from .bounded import answer_json

MAX_BODY = 1024 * 1024
# Real payloads (Slack events, Telegram updates, API requests) nest a handful of levels; 64 is
# far above them and far below where json, pydantic or our own code would recurse too deep.
MAX_JSON_DEPTH = 64

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when the body passes the limit; FastAPI answers it with 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the body is over {limit} bytes")


class BadJson(ValueError):
    """A body that is not JSON we accept; ``str()`` says why in one line."""


def load_json(raw: bytes | str, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """The parsed JSON, or ``BadJson``: malformed, not UTF-8, NaN/Infinity, or deeper than
    ``max_depth`` (the C parser's own recursion guard catches absurd depth; the walk after it
    holds everything else to ``max_depth`` without recursing itself)."""
    try:
        value = json.loads(raw, parse_constant=_refuse_constant)
    except RecursionError:
        raise BadJson(f"the JSON nests deeper than {max_depth} levels") from None
    except BadJson:
        raise
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
        raise BadJson(f"the body is not valid JSON ({_first_line(exc)})") from None
    if json_depth(value) > max_depth:
        raise BadJson(f"the JSON nests deeper than {max_depth} levels")
    return value


def json_depth(value: Any) -> int:
    """How deeply lists and objects nest in ``value`` (a scalar is 0), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Sequence[Any] = list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth + 1)
        stack.extend((child, depth + 1) for child in children)
    return deepest


async def read_body(request: Request, limit: int = MAX_BODY) -> bytes:
    """The raw body, counted as it streams; ``BodyTooLarge`` past ``limit`` (for a route that
    may be mounted without ``BodyLimit``, or wants a smaller limit than the app's)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)


class BodyLimit:
    """ASGI middleware: at most ``max_body`` bytes of any request body reach the app."""

    def __init__(self, app: ASGIApp, *, max_body: int = MAX_BODY,
                 json_prefixes: Sequence[str] = ()) -> None:
        self.app = app
        self.max_body = max_body
        self.json_prefixes = tuple(json_prefixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        declared = headers.get("content-length")
        if declared is not None:
            if not declared.strip().isdigit():
                await answer_json(send, 400, "the Content-Length header is not a number")
                return
            if int(declared) > self.max_body:
                await answer_json(send, 413, f"the body is over {self.max_body} bytes")
                return
        counted = _counted(receive, self.max_body)
        path = str(scope.get("path", ""))
        if path.startswith(self.json_prefixes) and _is_json(headers.get("content-type", "")):
            try:
                body = await _whole(counted)
            except BodyTooLarge as exc:
                await answer_json(send, 413, str(exc.detail))
                return
            try:
                load_json(body)
            except BadJson as exc:
                await answer_json(send, 400, str(exc))
                return
            counted = _replay(body, receive)
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracking_send)
        except BodyTooLarge as exc:  # raised where no exception handler turned it into a reply
            if started:
                raise
            await answer_json(send, 413, str(exc.detail))


async def invalid_request(request: Request, exc: Exception) -> JSONResponse:
    """422 for a body that doesn't fit a route's model, without echoing the input back:
    FastAPI's own handler encodes the raw input and fails (a 500) on bytes that aren't UTF-8."""
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    detail = [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
              for e in errors]
    return JSONResponse({"detail": detail}, status_code=422)


def _counted(receive: Receive, limit: int) -> Receive:
    size = 0

    async def receive_counted() -> Message:
        nonlocal size
        message = await receive()
        if message["type"] == "http.request":
            size += len(message.get("body", b""))
            if size > limit:
                raise BodyTooLarge(limit)
        return message

    return receive_counted


async def _whole(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that hands the already-read body to the app once, then waits as the real one."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def _refuse_constant(name: str) -> Any:
    raise BadJson(f"{name} is not a JSON number")


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
