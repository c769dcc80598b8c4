"""The ``cronpilot`` command. Commands are thin: parse, call the service, render.

Errors reach the person as one line and a non-zero exit, never a traceback: a usage error (an
unknown command or option, a missing argument, a bad value) exits 2 with a hint; a
``CronpilotError`` exits with its code; anything else is an internal error (70) whose
traceback goes to ``cli-errors.log`` in the data folder.

Command modules are imported only when their command runs (``commands/registry.py``), so
``--help`` and shell completion answer without loading the service.
"""

from __future__ import annotations

import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer

from . import logs
from .commands.registry import LazyGroup

app = typer.Typer(
    name="cronpilot",
    cls=LazyGroup,
    help="A chat-first assistant for scheduled and event-driven tasks.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("cronpilot")
        except PackageNotFoundError:  # run from a source tree that isn't installed
            number = "unknown"
        typer.echo(f"cronpilot {number}")
        raise typer.Exit()


def _log_level(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return logs.check_level(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


@app.callback()
def root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
    log_level: str | None = typer.Option(None, "--log-level", callback=_log_level, metavar="LEVEL",
                                         help="debug, info, warning (default), error or critical "
                                              "(or CRONPILOT_LOG_LEVEL)."),
) -> None:
    """A chat-first assistant for scheduled and event-driven tasks."""
    if log_level:
        logs.configure(level=log_level, override=True)


def _hide_flag_types() -> None:
    """typer 0.29 labels on/off flags ``<bool>`` in help, as if they took a value: hide it."""
    from typer.core import TyperOption

    shown = TyperOption.display_type_rich
    if getattr(shown, "_cronpilot", False):
        return

    # ctx: whatever typer passes (its vendored click Context, not typer.Context); handed on as is
    def display_type_rich(self: TyperOption, ctx: Any) -> str | None:
        return None if self.is_flag else shown(self, ctx)

    display_type_rich._cronpilot = True  # type: ignore[attr-defined]
    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]


_hide_flag_types()


def main(argv: list[str] | None = None) -> None:
    logs.reset()
    logs.configure()
    try:
        code = app(args=argv, prog_name="cronpilot", standalone_mode=False)
        if isinstance(code, int) and code:  # click returns typer.Exit's code in this mode
            sys.exit(code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        _say("aborted")
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except SystemExit:
        raise
    except typer.TyperException as exc:  # typer's own click: usage errors and the like
        sys.exit(_usage_error(exc, sys.argv[1:] if argv is None else argv))
    except Exception as exc:
        sys.exit(_known_error(exc))


def _usage_error(exc: typer.TyperException, argv: list[str]) -> int:
    """One line saying what is wrong, one saying where the help is; exit 2 (click's code)."""
    code = int(getattr(exc, "exit_code", 2))
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        command = ctx.command_path
    else:  # some option errors carry no context: the words before the first option
        words = [a for a in argv[: next((i for i, a in enumerate(argv) if a.startswith("-")), len(argv))]]
        command = " ".join(["cronpilot", *words])
    message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
    if type(exc).__name__ == "NoArgsIsHelpError":  # `cronpilot task` alone: its help
        exc.show()  # type: ignore[attr-defined]
        return code
    first = message.strip().splitlines()[0] if message.strip() else type(exc).__name__
    _say("error: " + first.replace("Value error, ", ""))
    _say(f"try: {command} --help")
    return code


def _known_error(exc: Exception) -> int:
    from pydantic import ValidationError

    from scheduler.errors import CronpilotError

    if isinstance(exc, CronpilotError):
        _say(f"error: {exc}")
        return exc.exit_code
    if isinstance(exc, ValidationError):
        from scheduler.service import validation_message

        from .settings import setting_error

        _say(f"error: {setting_error(exc) if exc.title == 'Settings' else validation_message(exc)}")
        return 2
    where = _save_traceback()
    _say(f"error: {type(exc).__name__}: {exc} (details in {where})")
    return 70


def _say(line: str) -> None:
    typer.echo(line, err=True)


def _save_traceback() -> str:
    try:
        from .settings import Settings

        path = Path(Settings().data_dir) / "logs" / "cli-errors.log"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a") as fh:
            fh.write(f"--- {datetime.now(UTC).isoformat()}\n{traceback.format_exc()}\n")
        return str(path)
    except Exception:
        return "stderr"


if __name__ == "__main__":
    main()
