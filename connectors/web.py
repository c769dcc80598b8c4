"""The HTTP side of ``cronpilot serve``: one FastAPI app that every inbound route joins.

Each integration brings its own router (``/slack/events``, ``/telegram/webhook``; the event
webhooks ``/hooks/{event}`` come the same way), so this module only assembles them and serves the
result with uvicorn inside the process's one event loop. Every request body passes through
``connectors.inbound.BodyLimit`` (413 while it streams, never read whole).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Generator, Iterable, Sequence

import uvicorn
from fastapi import APIRouter, FastAPI
from fastapi.exceptions import RequestValidationError

from .inbound import MAX_BODY, BodyLimit, invalid_request


def build_api(
    routers: Iterable[APIRouter] = (), *, extra_routers: Iterable[APIRouter] = (), max_body: int = MAX_BODY,
    json_prefixes: Sequence[str] = (),
) -> FastAPI:
    """The app: ``/healthz`` plus the given routers (connectors' first, then ``extra_routers``).
    Every route is behind ``BodyLimit``: no request body over ``max_body`` bytes is ever held,
    and JSON sent under ``json_prefixes`` is checked for depth and syntax before a route parses it."""
    api = FastAPI(title="cronpilot", docs_url=None, redoc_url=None, openapi_url=None)
    api.add_middleware(BodyLimit, max_body=max_body, json_prefixes=tuple(json_prefixes))
    api.add_exception_handler(RequestValidationError, invalid_request)

    @api.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    for router in (*routers, *extra_routers):
        api.include_router(router)
    return api


class _EmbeddedServer(uvicorn.Server):
    """uvicorn without its signal handling: ``serve`` owns Ctrl-C and stops us itself (uvicorn
    would otherwise replace those handlers and re-raise the signal when it exits)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


class HttpServer:
    """Serves ``api`` on ``host:port`` (0: any free port) until ``stop``."""

    def __init__(self, api: FastAPI, *, host: str, port: int) -> None:
        # log_config=None: uvicorn's loggers keep no handlers of their own and reach the
        # process's one configuration (cronpilot/logs.py), with its level and format.
        # timeout_graceful_shutdown: a stream still open at stop (a dashboard's live events)
        # must not hold the process (serve ends those first: ``LiveFeed.close``).
        config = uvicorn.Config(api, host=host, port=port, log_config=None, log_level=None,
                                lifespan="off", access_log=False, timeout_graceful_shutdown=5)
        self.server = _EmbeddedServer(config)
        self.host = host
        self._socket: socket.socket | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Bind and begin serving; raises ``OSError`` when the address is taken. We bind the
        socket ourselves: uvicorn's own bind calls ``sys.exit`` on failure."""
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        # Name the protocol: asyncio only turns Nagle off (TCP_NODELAY) on sockets whose proto
        # says TCP, and create_server leaves it 0, which added ~40 ms to every response.
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self.server.config.port))
            sock.listen(1024)
        except OSError:
            sock.close()
            raise
        self._socket = sock
        self._task = asyncio.ensure_future(self.server.serve(sockets=[self._socket]))
        # uvicorn offers no "started" event to wait on; this short poll is start-up only.
        while not self.server.started and not self._task.done():  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        if self._task.done():
            raise OSError(f"the HTTP server on {self.url} stopped at start-up")

    @property
    def port(self) -> int:
        assert self._socket is not None, "not started"
        return int(self._socket.getsockname()[1])

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def stop(self) -> None:
        if self._task is None:
            return
        self.server.should_exit = True
        with contextlib.suppress(Exception):
            await self._task
        self._task = None
        if self._socket is not None:
            self._socket.close()
