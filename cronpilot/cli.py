"""The ``cronpilot`` command. Commands are thin: parse, call the service, render.

Errors reach the person as one line and a non-zero exit, never a traceback."""

from __future__ import annotations

import logging
import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path

import typer
from pydantic import ValidationError

from scheduler.errors import CronpilotError
from scheduler.service import validation_message

from . import render
from .commands import runs as run_commands
from .commands.chat import chat
from .commands.hooks import hook_app
from .commands.pg import pg_app
from .commands.secrets import secret_app
from .commands.serve import serve
from .commands.tasks import task_app
from .commands.workflows import workflow_app

app = typer.Typer(
    name="cronpilot",
    help="A chat-first assistant for scheduled and event-driven tasks.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(task_app, name="task")
app.command("run")(run_commands.run)
app.command("runs")(run_commands.runs)
app.command("logs")(run_commands.logs)
app.command("stats")(run_commands.stats)
app.command("serve")(serve)
app.command("chat")(chat)
app.command("emit")(run_commands.emit)
app.add_typer(workflow_app, name="workflow")
app.add_typer(hook_app, name="hook")
app.add_typer(pg_app, name="pg")
app.add_typer(secret_app, name="secret")


def _register_optional() -> None:
    try:
        from .commands.when import when
    except ImportError:  # the time-phrase parser ships separately
        return
    app.command("when")(when)


_register_optional()


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        code = app(args=argv, standalone_mode=False)
        if isinstance(code, int) and code:  # click returns typer.Exit's code in this mode
            sys.exit(code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        render.err_console.print("aborted")
        sys.exit(1)
    except CronpilotError as exc:
        render.err_console.print(f"error: {render.escape(str(exc))}")
        sys.exit(exc.exit_code)
    except ValidationError as exc:
        render.err_console.print(f"error: {render.escape(validation_message(exc))}")
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as exc:
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        where = _save_traceback()
        render.err_console.print(f"error: {type(exc).__name__}: {render.escape(str(exc))} (details in {where})")
        sys.exit(70)


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
