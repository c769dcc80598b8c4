"""The App a CLI invocation works with, built on first use (so ``--help`` touches no database)."""

from __future__ import annotations

import contextlib

from cronpilot.settings import Settings
from cronpilot.wiring import App, build_app

_app: App | None = None


def current_app() -> App:
    global _app
    if _app is None:
        _app = build_app(Settings())
    return _app


def reset_app(app: App | None = None) -> None:
    """Forget the App (tests build a fresh one per invocation)."""
    global _app
    if _app is not None and app is None:
        with contextlib.suppress(Exception):
            _app.store.close() if "store" in _app.__dict__ else None
    _app = app
