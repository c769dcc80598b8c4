"""``cronpilot token create|list|revoke``: bearer tokens for the HTTP API (``/api/v1``).

A token is printed once, as the last line of ``token create`` (so ``| tail -1`` captures it);
only its hash is kept. A token acts as its person with their role as it is at each request."""

from __future__ import annotations

import typer

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
    stamp = lambda at: at.strftime("%Y-%m-%d %H:%M") if at else "-"  # noqa: E731
    render.print_listing(
        app.service.list_tokens(actor=app.local_actor, user=user), as_json=json_output,
        to_json=lambda t: t.as_dict(), empty="no tokens; make one with: cronpilot token create --user NAME",
        columns=("id", "name", "user", "starts", "state", "created (UTC)", "expires (UTC)", "last used (UTC)"),
        row=lambda t: (str(t.record.token_id), render.escape(t.record.name), render.escape(t.record.user_id),
                       t.record.prefix + "…", t.state, stamp(t.record.created_at), stamp(t.record.expires_at),
                       stamp(t.record.last_used_at)),
    )


@token_app.command("revoke")
def revoke(ref: str = typer.Argument(..., help="The token's id or name.")) -> None:
    """Revoke a token by id or name; it stops working at once."""
    app = current_app()
    info = app.service.revoke_token(ref, actor=app.local_actor)
    render.console.print(f"token {info.record.token_id} {info.record.name!r} of {info.record.user_id} revoked",
                         markup=False)
