"""Bounded request bodies for any inbound route: a size cap counted while the body streams in
(413 before the whole body is ever held), and a nesting cap on JSON (400) checked before anything
parses it.

``BoundedBody`` is plain ASGI middleware, so it wraps a FastAPI sub-application, a mounted app or
the whole app alike::

    app.add_middleware(BoundedBody, max_bytes=1 << 20, max_depth=32)

It reads the body itself (at most ``max_bytes``), answers 413/400 on its own when a limit is
passed, and otherwise replays the body to the application as one message: routes behind it never
see more than the cap, whatever ``Content-Length`` said or whether the body came chunked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 32

# A JSON string (escapes included); what is left after removing them is structure and scalars.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_OPEN_CLOSE = bytes.maketrans(b"{}", b"[]")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


class TooLarge(Exception):
    """The body passed the cap while it was being read."""


def nests_deeper_than(body: bytes, limit: int) -> bool:
    """Whether the JSON text in ``body`` nests arrays and objects more than ``limit`` deep.
    Counted on the bytes in C-speed passes (each removes the innermost ``[]`` pairs), at most
    ``limit`` of them: a hostile body costs no recursion, no parse and no per-byte Python loop."""
    structure = _STRING.sub(b"", body).translate(_OPEN_CLOSE, _NOT_BRACKETS)
    too_deep = b"[" * (limit + 1)  # once scalars are gone, a run of opens is nesting
    for _ in range(limit + 1):
        if too_deep in structure:
            return True
        shorter = structure.replace(b"[]", b"")
        if shorter == structure:
            # No pairs left: balanced JSON is now empty; what remains is unmatched, invalid
            # JSON a parser would recurse into, so a long remainder counts as too deep.
            return len(structure) > limit
        structure = shorter
    return bool(structure)


def _is_json(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            kind = bytes(value).split(b";", 1)[0].strip().lower()
            return kind == b"application/json" or kind.endswith(b"+json")
    return False


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


async def read_capped(receive: Receive, max_bytes: int) -> bytes:
    """The whole body from ``receive``; raises ``TooLarge`` as soon as it passes ``max_bytes``
    (the rest is never read)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > max_bytes:
            raise TooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def answer_json(send: Send, status: int, detail: str) -> None:
    """Answer a request from ASGI middleware with ``{"detail": …}`` and close the connection."""
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


class BoundedBody:
    """ASGI middleware: bodies over ``max_bytes`` → 413, JSON nested deeper than ``max_depth``
    or not UTF-8 → 400; everything else passes through with its body replayed."""

    def __init__(self, app: ASGIApp, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_depth = max_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        too_large = f"the request body is over {self.max_bytes} bytes"
        if declared is not None and declared > self.max_bytes:
            await answer_json(send, 413, too_large)
            return
        try:
            body = await read_capped(receive, self.max_bytes)
        except TooLarge:
            await answer_json(send, 413, too_large)
            return
        if body and _is_json(scope):
            if nests_deeper_than(body, self.max_depth):
                await answer_json(send, 400, f"the JSON nests deeper than {self.max_depth} levels")
                return
            try:
                body.decode("utf-8")
            except UnicodeDecodeError:
                await answer_json(send, 400, "the JSON is not UTF-8")
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:  # the app reads past the body: wait for the disconnect as ASGI does
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)
