"""``cronpilot dashboard``: a one-time sign-in link to the web dashboard for the local admin."""

from __future__ import annotations

import typer

from .. import render
from .context import current_app


def dashboard(
    open_browser: bool = typer.Option(False, "--open", help="Open the link in a browser too."),
    for_user: str = typer.Option(None, "--for", metavar="USER_ID",
                                 help="A link for a known person (slack:U123) instead of you; the CLI user owns the install."),
) -> None:
    """Print a one-time sign-in link to the web dashboard (served by `cronpilot serve`).

    The link works once, for 15 minutes; signing in keeps you signed in for 12 hours. Links for
    other people (--for) sign them in with their own role."""
    app = current_app()
    web = app.service.web
    # An unknown person is NotFound: the CLI's error handler says so and exits 3.
    token = web.issue_link(for_user) if for_user else web.issue_local_link()
    url = f"{app.settings.effective_dashboard_url}/signin?token={token}"
    render.console.print(url, soft_wrap=True, highlight=False, markup=False)
    if not app.service.engine_running():
        render.console.print("(no `cronpilot serve` is running: start it to open the link)", style="dim")
    if open_browser:
        import webbrowser

        webbrowser.open(url)
