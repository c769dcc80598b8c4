"""``cronpilot token create|list|revoke`` through the real CLI."""

from __future__ import annotations

from datetime import UTC, datetime

from scheduler.service import Service


def _service() -> Service:
    from cronpilot.commands.context import current_app

    return current_app().service


def _add_person(user_id: str, role: str) -> None:
    from cronpilot.commands.context import current_app, reset_app

    current_app().store.add_identity("slack", user_id, role=role, now=datetime.now(UTC),
                                     display_name=user_id.lower())
    reset_app()


def test_token_create_prints_the_token_once_as_its_last_line(cli) -> None:
    _add_person("UANA", "member")
    made = cli("token", "create", "--user", "uana", "--expires", "30d", "--name", "laptop")
    assert made.code == 0, made.err
    token = made.out.strip().splitlines()[-1]
    assert token.startswith("cp_") and " " not in token
    actor = _service().authenticate(token)
    assert actor is not None and actor.user == "slack:UANA"
    listed = cli("token", "list", "--json")
    assert listed.code == 0
    [row] = listed.json()
    assert row["name"] == "laptop" and row["state"] == "active" and row["expires_at"]
    assert token not in listed.out and token not in cli("token", "list").out
    assert cli("token", "revoke", "laptop").code == 0
    assert cli("token", "list", "--json").json()[0]["state"] == "revoked"
    assert _service().authenticate(token) is None


def test_token_commands_refuse_bad_input_in_one_line(cli) -> None:
    missing = cli("token", "create", "--user", "ghost")
    assert missing.code == 3 and "no person" in missing.err and "Traceback" not in missing.err
    bad = cli("token", "create", "--user", "tester", "--expires", "soon")
    assert bad.code == 2 and "duration" in bad.err
    assert cli("token", "revoke", "nothing").code == 3
    assert "no tokens" in cli("token", "list").out
