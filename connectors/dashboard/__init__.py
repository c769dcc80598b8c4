"""The web dashboard: server-rendered pages over the service, signed in with one-time links,
kept current by server-sent events (``routes.py``, ``live.py``, ``graph.py``)."""

from __future__ import annotations

from .live import LiveFeed
from .routes import dashboard_router

__all__ = ["LiveFeed", "dashboard_router"]
