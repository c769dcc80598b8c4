"""``cronpilot dashboard`` prints a one-time sign-in link for the local admin (or a known person)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from cronpilot.commands.context import current_app


def test_dashboard_prints_a_link_that_signs_the_local_admin_in_once(cli: Callable[..., object],
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRONPILOT_HTTP_PORT", "8123")
    result = cli("dashboard")
    assert result.code == 0, result.err  # type: ignore[attr-defined]
    found = re.search(r"http://127\.0\.0\.1:8123/dashboard/signin\?token=([\w-]+)", result.out)  # type: ignore[attr-defined]
    assert found, result.out  # type: ignore[attr-defined]
    web = current_app().service.web
    signed = web.sign_in(found.group(1))
    assert signed is not None and signed[1].actor.user == "tester" and signed[1].actor.role.value == "admin"
    assert web.sign_in(found.group(1)) is None


def test_dashboard_uses_the_public_url_and_refuses_an_unknown_person(cli: Callable[..., object],
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRONPILOT_DASHBOARD_URL", "https://cron.example.com/")
    result = cli("dashboard")
    assert "https://cron.example.com/dashboard/signin?token=" in result.out  # type: ignore[attr-defined]
    unknown = cli("dashboard", "--for", "slack:NOPE")
    assert unknown.code == 3 and "slack:NOPE" in unknown.err  # type: ignore[attr-defined]
