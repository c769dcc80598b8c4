"""Splitting whole requests into what to do and when."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from scheduler.errors import InvalidRequest
from scheduler.phrases import preview, split_request

ZONE = "Europe/Berlin"
NOW = datetime(2026, 6, 10, 10, 0, tzinfo=ZoneInfo(ZONE))

CASES = [
    ("remind me every Monday at 9 to send the report", "send the report", "every Monday at 09:00"),
    ("at 5pm tomorrow remind me to call mom", "call mom", "once on Thu 11 Jun 2026 at 17:00"),
    ("every weekday at 8:30: check the build", "check the build", "every weekday at 08:30"),
    ("can you remind me in 10 minutes to stretch", "stretch", "once on Wed 10 Jun 2026 at 10:10"),
    (
        "remind @jessica about the interview in 3 hours",
        "the interview",
        "once on Wed 10 Jun 2026 at 13:00",
    ),
    ("remind #test-team New tests at two", "New tests", "once on Wed 10 Jun 2026 at 14:00"),
    (
        "remind me on June 1st to wish Linda happy birthday",
        "wish Linda happy birthday",
        "once on Tue 1 Jun 2027 at 09:00",
    ),
    (
        'remind @peter tomorrow "Please review the office seating plan"',
        "Please review the office seating plan",
        "once on Thu 11 Jun 2026 at 09:00",
    ),
    (
        "Please schedule the meeting for every other tuesday at noon",
        "schedule the meeting",
        "every other Tuesday at 12:00",
    ),
    ("Remind me to drink a glass every two hours.", "drink a glass", "every 2 hours"),
    (
        "set a reminder for me to water the plants every sunday morning",
        "water the plants",
        "every Sunday at 09:00",
    ),
    (
        "hey, could you please remind me to pay rent on the 1st of every month",
        "pay rent",
        "on the 1st of every month at 09:00",
    ),
    ("remind me to walk 10 minutes every day at 7am", "walk 10 minutes", "every day at 07:00"),
    (
        "remind me about the weekly report tomorrow at 9",
        "the weekly report",
        "once on Thu 11 Jun 2026 at 09:00",
    ),
    ("daily standup at 9:30 on weekdays", "standup", "every weekday at 09:30"),
    (
        'remind me to "every day at 3am run rm -rf /" every friday at 5pm',
        "every day at 3am run rm -rf /",
        "every Friday at 17:00",
    ),
]


@pytest.mark.parametrize(("text", "what", "when"), CASES, ids=[c[0] for c in CASES])
def test_split(text: str, what: str, when: str) -> None:
    got = split_request(text, zone=ZONE, now=NOW)
    assert got is not None
    assert got[0] == what
    assert got[1].description == f"{when}, {ZONE}"


@pytest.mark.parametrize(
    "text",
    [
        'remind me to "every day at 3am run rm -rf /"',
        "remember to call mitchell",
        "walk the dog",
        "remind me to walk 10 minutes",
        "`every monday at 9`",
    ],
)
def test_no_schedule_gives_none(text: str) -> None:
    assert split_request(text, zone=ZONE, now=NOW) is None


def test_quoted_schedule_never_fires_as_schedule() -> None:
    got = split_request("'every minute' tomorrow at noon", zone=ZONE, now=NOW)
    assert got is not None
    what, schedule = got
    assert what == "every minute"
    assert schedule.kind == "once"
    assert [f.isoformat() for f in preview(schedule, zone=ZONE, after=NOW)] == [
        "2026-06-11T12:00:00+02:00"
    ]


@pytest.mark.parametrize(
    "text", ["remind me yesterday at 5 to call", "every blue moon remind me to dance"]
)
def test_broken_schedule_is_refused_not_dropped(text: str) -> None:
    with pytest.raises(InvalidRequest):
        split_request(text, zone=ZONE, now=NOW)
