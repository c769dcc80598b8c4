"""Asking before destroying something: a question on a terminal, a clear refusal without one."""

from __future__ import annotations

import sys

import typer

from scheduler.errors import Conflict


def confirm_or_refuse(question: str, *, name: str, yes: bool) -> None:
    """Return when the person agreed (or passed --yes); abort or refuse otherwise."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise Conflict(f"deleting '{name}' needs confirmation: add --yes")
    typer.confirm(question, abort=True)
