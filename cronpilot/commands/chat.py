"""``cronpilot chat``: talk to the assistant in the terminal.

``chat -m "…"`` sends one message, prints the reply and exits. ``chat`` alone is a REPL with the
engine running in the same process, so reminders appear while you type. Buttons the assistant
offers become slash commands here (``/approve 3``), since a terminal can't click.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from datetime import timedelta
from pathlib import Path

import typer

from .. import render
from .context import current_app

CONVERSATION = {"platform": "cli"}
CONVERSATION_ID = "cli:local"
SLASH = {"approve": "approve", "pause": "pause", "resume": "resume", "run": "run_now"}


def chat(
    message: str | None = typer.Option(None, "--message", "-m", help="Send one message, print the reply, exit."),
) -> None:
    """Chat with cronpilot: 'remind me every Monday at 9am to send the report', 'what failed today'.

    Shell tasks made here run in the current folder ("every night at 2 run ./backup.sh" finds
    ./backup.sh), unless CRONPILOT_SHELL_WORKDIR names another."""
    app = current_app()
    if app.settings.shell_workdir is None:  # the terminal's folder is where the person is
        app.service.shell_workdir = Path.cwd()
    if message is not None:
        asyncio.run(_one(message))
    else:
        asyncio.run(_repl())


def _inbound(text: str) -> object:
    from agent.messages import InboundMessage

    app = current_app()
    # The person at this terminal owns the install, like every other CLI command.
    return InboundMessage(text=text, user=app.settings.user, role="admin", conversation=dict(CONVERSATION),
                          conversation_id=CONVERSATION_ID)


def _show(reply: object) -> None:
    from agent.messages import OutboundMessage

    assert isinstance(reply, OutboundMessage)
    render.console.print(render.escape(reply.text), soft_wrap=True)
    for button in reply.buttons:
        word = next((k for k, v in SLASH.items() if v == button.action), button.action)
        render.console.print(f"  [dim]{render.escape(button.label)}: type /{word} {button.task_id}[/dim]")


async def _one(text: str) -> None:
    assistant = current_app().assistant
    try:
        _show(await _answer(text))
    finally:
        await assistant.aclose()


async def _answer(line: str) -> object:
    from agent.chatter import is_dashboard_request
    from agent.messages import ButtonAction, OutboundMessage

    app = current_app()
    if is_dashboard_request(line):
        # As in a Slack or Telegram DM: the person's own one-time link (here, the install's admin).
        token = app.service.web.issue_local_link()
        return OutboundMessage(
            f"Your sign-in link (works once, for 15 minutes): {app.settings.effective_dashboard_url}/signin?token={token}\n"
            "The dashboard is served by `cronpilot serve` (`./run serve` in another terminal).")
    if not line.startswith("/"):
        return await app.assistant.handle(_inbound(line))  # type: ignore[arg-type]
    word, _, arg = line[1:].partition(" ")
    action = SLASH.get(word.lower())
    if action is None or not arg.strip().lstrip("#").isdigit():
        return OutboundMessage("Commands: /approve N, /pause N, /resume N, /run N, /quit.")
    button = ButtonAction(label=word, action=action, task_id=int(arg.strip().lstrip("#")))
    return await app.assistant.press(button, user=app.settings.user, role="admin")


def _read_lines(loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[str | None]) -> None:
    # A daemon thread, not the loop's executor: a pending input() must not hold up the exit.
    # A terminal gets input() (line editing); a pipe is read a capped line at a time.
    from ..inputs import read_line

    interactive = sys.stdin.isatty()
    while True:
        try:
            line = input() if interactive else read_line(sys.stdin)
        except (EOFError, KeyboardInterrupt, ValueError):
            line = None
        if line is None:
            loop.call_soon_threadsafe(queue.put_nowait, None)
            return
        loop.call_soon_threadsafe(queue.put_nowait, line)


async def _repl() -> None:
    app = current_app()
    engine = app.engine()
    await engine.start()
    stop = asyncio.Event()
    running = asyncio.ensure_future(engine.run_forever(stop))
    mode = (f"using the model {app.settings.model}" if app.settings.openai_api_key
            else "offline, no model configured: set OPENAI_API_KEY for free-form requests")
    render.console.print(f"cronpilot chat — {render.escape(mode)}. Reminders appear here while it "
                         "runs. /quit or Ctrl-D to leave.", soft_wrap=True)
    queue: asyncio.Queue[str | None] = asyncio.Queue()
    threading.Thread(target=_read_lines, args=(asyncio.get_running_loop(), queue), daemon=True,
                     name="cronpilot-chat-input").start()
    try:
        while True:
            if sys.stdin.isatty():
                render.console.print("[bold]you ›[/bold] ", end="")
            line = await queue.get()
            if line is None or line.strip().lower() in ("/quit", "/exit", "quit", "exit"):
                break
            if line.strip():
                _show(await _answer(line.strip()))
    finally:
        stop.set()
        await running
        await engine.shutdown(grace=timedelta(seconds=5))
        await app.assistant.aclose()
