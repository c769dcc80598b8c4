from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from cronpilot.cli import main
from cronpilot.commands.context import reset_app


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """Run the real ``cronpilot`` entry point in-process; a fresh App per call, like a new process."""

    def invoke(*args: str) -> Result:
        reset_app()
        code = 0
        try:
            main(list(args))
        except SystemExit as exc:
            code = int(exc.code or 0)
        finally:
            reset_app()
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return invoke
