"""The App a CLI invocation works with, built on first use (so ``--help`` touches no database)."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the wiring imports the service, store and engine: only when a command runs
    from cronpilot.wiring import App

_app: App | None = None


def current_app() -> App:
    global _app
    if _app is None:
        from cronpilot import logs
        from cronpilot.settings import Settings
        from cronpilot.wiring import build_app

        settings = Settings()
        logs.configure(level=settings.log_level, fmt=settings.log_format)
        _app = build_app(settings)
    return _app


def reset_app(app: App | None = None) -> None:
    """Forget the App (tests build a fresh one per invocation)."""
    global _app
    if _app is not None and app is None:
        with contextlib.suppress(Exception):
            _app.close()
    _app = app
