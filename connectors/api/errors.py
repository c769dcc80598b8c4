"""How ``/api/v1`` answers errors: JSON ``{"detail": "<one line>"}`` with the status the error
means, never a traceback and never a 500 for a request's own fault.

    NotFound          404   (also another person's task: nothing about it is revealed)
    InvalidRequest    422   (a body or parameter the service refuses)
    PermissionDenied  403
    Conflict          409
    StoreUnavailable  503
    validation error  422   (FastAPI's: the first problem, as one line)
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from scheduler.errors import (
    Conflict,
    CronpilotError,
    InvalidRequest,
    NotFound,
    PermissionDenied,
    StoreUnavailable,
)

from ..bounded import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

STATUS: list[tuple[type[CronpilotError], int]] = [
    (NotFound, 404), (InvalidRequest, 422), (PermissionDenied, 403), (Conflict, 409),
    (StoreUnavailable, 503),
]


def status_of(exc: CronpilotError) -> int:
    return next((code for kind, code in STATUS if isinstance(exc, kind)), 400)


def _where(loc: tuple[object, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts)


def one_line(exc: RequestValidationError) -> str:
    errors = exc.errors()
    if not errors:
        return "invalid request"
    first = errors[0]
    where = _where(tuple(first.get("loc", ())))
    message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
    if first.get("type") == "json_invalid":
        return "the body is not valid JSON"
    text = f"{where}: {message}" if where else message
    return " ".join(text.split())[:300]


def install(app: FastAPI) -> None:
    """Add the handlers to ``app``."""

    @app.exception_handler(CronpilotError)
    async def cronpilot_error(request: Request, exc: CronpilotError) -> JSONResponse:
        return JSONResponse({"detail": " ".join(str(exc).split())}, status_code=status_of(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": one_line(exc)}, status_code=422)

    @app.exception_handler(RecursionError)
    async def too_deep(request: Request, exc: RecursionError) -> JSONResponse:
        return JSONResponse({"detail": "the request nests too deeply"}, status_code=400)


class Guard:
    """ASGI middleware, outermost on the API: an exception that escapes a route (a bug) is
    logged with its traceback and answered 500 with one line, and goes no further (the outer
    app would otherwise log it again and try to answer a second time)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking)
        except Exception:
            log.exception("API %s %s failed", scope.get("method"), scope.get("path"))
            if not started and scope["type"] == "http":
                body = b'{"detail": "internal error; the server log has the details"}'
                await send({"type": "http.response.start", "status": 500,
                            "headers": [(b"content-type", b"application/json")]})
                await send({"type": "http.response.body", "body": body})
