"""``cronpilot token create|list|revoke``: bearer tokens for the HTTP API (``/api/v1``).

A token is printed once, as the last line of ``token create`` (so ``| tail -1`` captures it);
only its hash is kept. A token acts as its person with their role as it is at each request."""

from __future__ import annotations

import typer
from rich.table import Table

from scheduler.durations import parse_duration

from .. import render
from .context import current_app

token_app = typer.Typer(
    help="API tokens for /api/v1: create (shown once), list, revoke.",
    no_args_is_help=True,
)


@token_app.command("create")
def create(
    user: str = typer.Option(..., "--user", help="Whose token: a user id (slack:U123) or a display name."),
    expires: str | None = typer.Option(None, "--expires", help="Lifetime, e.g. 30d, 12h (default: none)."),
    name: str | None = typer.Option(None, "--name", help="A label to recognise and revoke it by."),
    json_output: bool = typer.Option(False, "--json", help="The listing and the token as JSON."),
) -> None:
    """Make a token for a person; it is printed once, as the last line."""
    app = current_app()
    lifetime = parse_duration(expires) if expires else None
    info, token = app.service.create_token(user, actor=app.local_actor, name=name, expires_in=lifetime)
    if json_output:
        render.print_json({**info.as_dict(), "token": token})
        return
    record = info.record
    until = f"expires {record.expires_at.strftime('%Y-%m-%d %H:%M UTC')}" if record.expires_at else "no expiry"
    render.console.print(
        f"token {record.token_id} {record.name!r} for {record.user_id} ({until}); it is shown only "
        "now, keep it somewhere safe. Send it as: Authorization: Bearer <token>",
        markup=False, soft_wrap=True,
    )
    # Last line, alone: scripts read it with `| tail -1`.
    render.console.print(token, markup=False, soft_wrap=True)


@token_app.command("list")
def list_tokens(
    user: str | None = typer.Option(None, "--user", help="Only this person's tokens."),
    json_output: bool = typer.Option(False, "--json"),
) -> None:
    """Tokens with their person, label, state and times (never the tokens themselves)."""
    app = current_app()
    found = app.service.list_tokens(actor=app.local_actor, user=user)
    if json_output:
        render.print_json([t.as_dict() for t in found])
        return
    if not found:
        render.console.print("no tokens; make one with: cronpilot token create --user NAME")
        return
    stamp = lambda at: at.strftime("%Y-%m-%d %H:%M") if at else "-"  # noqa: E731
    table = Table("id", "name", "user", "starts", "state", "created (UTC)", "expires (UTC)", "last used (UTC)")
    for info in found:
        r = info.record
        table.add_row(str(r.token_id), render.escape(r.name), render.escape(r.user_id), r.prefix + "…",
                      info.state, stamp(r.created_at), stamp(r.expires_at), stamp(r.last_used_at))
    render.console.print(table)


@token_app.command("revoke")
def revoke(ref: str = typer.Argument(..., help="The token's id or name.")) -> None:
    """Revoke a token by id or name; it stops working at once."""
    app = current_app()
    info = app.service.revoke_token(ref, actor=app.local_actor)
    render.console.print(f"token {info.record.token_id} {info.record.name!r} of {info.record.user_id} revoked",
                         markup=False)
