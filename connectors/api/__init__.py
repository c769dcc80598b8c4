"""The HTTP API, ``/api/v1``: tasks, runs, workflows, audit and people for scripts and the web
dashboard, authenticated with bearer tokens (``cronpilot token create``).

It is its own FastAPI application mounted on ``serve``'s app, so it has its own OpenAPI document
(``/api/v1/openapi.json``), docs (``/api/v1/docs``), error handlers and limits without touching
the other routes. Layers, outermost first: ``Guard`` (a bug → one-line 500), ``BoundedBody``
(413 / 400 while the body streams in), then each route's ``Caller`` dependency (401 / 429),
then the service (403 / 404 / 409 / 422).

    tasks.py    /tasks…          shapes.py  the JSON
    runs.py     /runs…           auth.py    tokens, rate limit
    others.py   /me /people /workflows /audit
    docs.py     /docs (vendored Swagger UI)   errors.py  errors → statuses
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, FastAPI

from scheduler.service import Service

from ..bounded import MAX_DEPTH, BoundedBody
from . import docs, errors, others, runs, tasks
from .auth import ApiState, RateLimit
from .shapes import NextFires

PREFIX = "/api/v1"


@dataclass(frozen=True)
class ApiLimits:
    """Per-token calls (``limits`` notation) and the body caps of every API route."""

    rate: str = "300/minute"
    max_body: int = 256 * 1024
    max_depth: int = MAX_DEPTH


def api_app(service: Service, limits: ApiLimits | None = None) -> FastAPI:
    """The API as an application of its own (tests serve it alone)."""
    limits = limits or ApiLimits()
    app = FastAPI(
        title="cronpilot API", version="1",
        description="Tasks, runs, workflows, audit and people. Authenticate with "
                    "`Authorization: Bearer <token>` (`cronpilot token create --user NAME`).",
        openapi_url="/openapi.json", docs_url=None, redoc_url=None,
    )
    app.state.api = ApiState(service=service, rate=RateLimit(limits.rate), fires=NextFires())
    errors.install(app)
    for router in (tasks.router, runs.router, others.router, docs.router):
        app.include_router(router)
    app.add_middleware(BoundedBody, max_bytes=limits.max_body, max_depth=limits.max_depth)
    app.add_middleware(errors.Guard)
    return app


def api_router(service: Service, limits: ApiLimits | None = None) -> APIRouter:
    """A router holding the API mounted at ``/api/v1``, for ``build_api``."""
    router = APIRouter()
    router.mount(PREFIX, api_app(service, limits))
    return router


__all__ = ["PREFIX", "ApiLimits", "api_app", "api_router"]
