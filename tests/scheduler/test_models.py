"""Domain types: where a task's messages go, and the one time-zone fallback."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from scheduler.models import Task, first_known_timezone

SLACK = {"platform": "slack", "team": "T1", "channel": "C9", "thread": "5.0"}


def task(origin: dict | None) -> Task:
    at = datetime(2026, 1, 5, tzinfo=UTC)
    return Task(task_id=1, name="n", action={"kind": "noop"}, owner="alice", created_by="alice",
                modified_by="alice", created_at=at, updated_at=at, origin=origin)


@pytest.mark.parametrize(("origin", "destination"), [
    ({"via": "slack", "conversation": SLACK}, SLACK),
    ({"conversation": SLACK, "deliver_to": {"platform": "email", "address": "a@b.c"}},
     {"platform": "email", "address": "a@b.c"}),  # a named place wins over the conversation
    ({"conversation": {"platform": "telegram", "chat": 42}}, {"platform": "telegram", "chat": "42"}),
    ({"conversation": "cli"}, {}),  # a terminal chat has no address: the default takes it
    (None, {}),
])
def test_task_destination_is_the_one_rule_for_where_messages_go(origin, destination):
    assert task(origin).destination == destination


def test_first_known_timezone_skips_unknown_and_empty_names():
    assert first_known_timezone("Mars/Olympus", None, "Asia/Tokyo", default="UTC") == "Asia/Tokyo"
    assert first_known_timezone(None, "", default="Europe/Berlin") == "Europe/Berlin"
    assert first_known_timezone("Europe/Berlin", "Asia/Tokyo", default="UTC") == "Europe/Berlin"
