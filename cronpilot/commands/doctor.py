"""``cronpilot doctor``: check the install and say what to fix; exit 1 when something is broken."""

from __future__ import annotations

import typer

from .. import render

MARKS = {"ok": "[green]✔[/green]", "warn": "[yellow]![/yellow]", "broken": "[red]✘[/red]"}


def doctor(json_output: bool = typer.Option(False, "--json")) -> None:
    """Check this install (database, sandbox, connectors, disk) and say what to fix.

    Database reachable and its schema current, an engine running, the shell sandbox
    (bubblewrap or not, and what that means), connector credentials, time zone data, disk
    space and the data folder's permissions. Exits 1 when something is broken."""
    from ..doctor import run_checks
    from ..settings import Settings

    findings = run_checks(Settings())
    broken = [f for f in findings if f.level == "broken"]
    if json_output:
        render.print_json({"ok": not broken, "checks": [f.as_dict() for f in findings]})
    else:
        for f in findings:
            render.console.print(f"{MARKS[f.level]} {f.check}: {render.escape(f.detail)}", soft_wrap=True)
            if f.fix and f.level != "ok":
                render.console.print(f"    fix: {render.escape(f.fix)}", soft_wrap=True)
        warned = sum(f.level == "warn" for f in findings)
        summary = "all good" if not broken and not warned else f"{len(broken)} broken, {warned} to look at"
        render.console.print(summary)
    if broken:
        raise typer.Exit(1)
