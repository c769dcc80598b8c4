"""``cronpilot hook ...``: create, list and delete the secrets of ``POST /hooks/EVENT``."""

from __future__ import annotations

import typer

from scheduler.triggers.event import check_event_name

from .. import render
from ..wiring import App
from .context import current_app

hook_app = typer.Typer(help="Webhooks: outside systems fire an event with a signed POST /hooks/EVENT.",
                       no_args_is_help=True)


def hook_url(app: App, event: str) -> str:
    host = app.settings.http_host
    host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{app.settings.http_port}/hooks/{event}"


def curl_example(url: str, secret: str) -> str:
    """A ready-to-paste shell recipe: sign ``<timestamp>.<body>`` with HMAC-SHA256 and POST."""
    return "\n".join([
        f"SECRET='{secret}'",
        f"URL='{url}'",
        """BODY='{"hello": "world"}'""",
        "TS=$(date +%s)",
        """SIG=$(printf '%s.%s' "$TS" "$BODY" | openssl dgst -sha256 -hmac "$SECRET" | sed 's/^.* //')""",
        'curl -sS -X POST "$URL" \\',
        "  -H 'Content-Type: application/json' \\",
        '  -H "X-Cronpilot-Timestamp: $TS" \\',
        '  -H "X-Cronpilot-Signature: sha256=$SIG" \\',
        '  -H "X-Cronpilot-Delivery: $(openssl rand -hex 16)" \\',
        '  --data-binary "$BODY"',
    ])


@hook_app.command("create")
def create(
    event: str = typer.Argument(..., help="Event name, e.g. deploy.finished (tasks listen with --on EVENT)."),
    json_output: bool = typer.Option(False, "--json"),
) -> None:
    """A new secret for POST /hooks/EVENT (replacing any old one). It is shown only now."""
    app = current_app()
    secret = app.service.create_webhook(event, actor=app.local_actor)
    name = check_event_name(event)
    url = hook_url(app, name)
    if json_output:
        render.print_json({"event": name, "url": url, "secret": secret})
        return
    render.console.print(f"webhook for event [bold]{render.escape(name)}[/bold] at {render.escape(url)}")
    render.console.print("secret (shown only now; give it to the sender):", markup=False)
    render.console.print(secret, markup=False, soft_wrap=True)
    render.console.print("\nSend one (the signature is HMAC-SHA256 of '<timestamp>.<body>'; "
                         "docs/events.md has it in Python):\n", markup=False)
    render.console.print(curl_example(url, secret), markup=False, soft_wrap=True)


@hook_app.command("list")
def list_hooks(json_output: bool = typer.Option(False, "--json")) -> None:
    """The events that accept webhooks (secrets are never shown again)."""
    app = current_app()
    events = app.service.list_webhooks(actor=app.local_actor)
    if json_output:
        render.print_json([{"event": e, "url": hook_url(app, e)} for e in events])
        return
    if not events:
        render.console.print("no webhooks; add one with: cronpilot hook create EVENT")
        return
    for event in events:
        render.console.print(f"{render.escape(event)}  {render.escape(hook_url(app, event))}")


@hook_app.command("delete")
def delete(event: str = typer.Argument(..., help="Event name.")) -> None:
    """Forget the event's secret: POST /hooks/EVENT answers 404 from now on."""
    app = current_app()
    name = check_event_name(event)
    app.service.delete_webhook(name, actor=app.local_actor)
    render.console.print(f"webhook for {render.escape(name)} deleted")
