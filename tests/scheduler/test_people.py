"""People (the service's part): platform identities mapped to users and roles, the first-admin
bootstrap, and the ledger of handled events. On SQLite and PostgreSQL (the races are the
database's to settle)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from scheduler.clock import FakeClock
from scheduler.people import AccessPolicy, People, Person, Stranger
from scheduler.store import Store


def directory(store: Store, clock: FakeClock, **policy) -> People:
    return People(store, AccessPolicy(**policy), clock=clock)


def test_configured_admin_is_an_admin_on_first_message(store, clock):
    people = directory(store, clock, admins=frozenset({"slack:U123", "telegram:42"}))
    assert people.identify("slack", "U123") == Person("slack:U123", "admin")
    assert people.identify("telegram", "42").role == "admin"
    assert people.identify("slack", "U999").role == "member"  # open signup on Slack
    assert not people.needs_admin()


def test_configured_admin_regains_the_role_after_a_demotion(store, clock):
    people = directory(store, clock, admins=frozenset({"slack:U123"}))
    people.identify("slack", "U123")
    store.set_role("slack:U123", "member")
    assert people.identify("slack", "U123").role == "admin"


def test_telegram_is_closed_unless_allowed(store, clock):
    people = directory(store, clock, allowed=frozenset({"telegram:42"}))
    stranger = people.identify("telegram", "777")
    assert isinstance(stranger, Stranger) and "777" in stranger.reason
    assert store.find_identity("telegram", "777") is None  # no account was made
    assert people.identify("telegram", "42") == Person("telegram:42", "member")
    opened = directory(store, clock, open_signup=frozenset({"slack", "telegram"}))
    assert opened.identify("telegram", "777").role == "member"


def test_slack_signup_can_be_closed(store, clock):
    people = directory(store, clock, open_signup=frozenset())
    assert isinstance(people.identify("slack", "U5"), Stranger)


def test_claim_code_makes_an_admin_once(store, clock):
    people = directory(store, clock)
    assert people.needs_admin()
    code = people.issue_claim_code()
    assert people.claim("telegram", "777", code.lower()).role == "admin"  # case and dashes don't matter
    assert people.claim("slack", "U2", code) is None  # single use
    assert store.count_admins() == 1
    assert not people.needs_admin()
    # The closed platform let the claimant in: they hold the local secret.
    assert people.identify("telegram", "777").role == "admin"


def test_claim_code_stops_working_when_replaced_or_expired(store, clock):
    people = directory(store, clock)
    first = people.issue_claim_code()
    second = people.issue_claim_code()
    assert people.claim("slack", "U1", first) is None
    clock.advance(timedelta(hours=25))
    assert people.claim("slack", "U1", second) is None
    assert store.count_admins() == 0


def test_stranger_cannot_become_admin_without_the_code(store, clock):
    people = directory(store, clock)
    people.issue_claim_code()
    for guess in ("AAAA-BBBB-CCCC", "", "claim"):
        assert people.claim("slack", "U1", guess) is None
        assert people.claim("telegram", "777", guess) is None
    assert store.find_identity("telegram", "777") is None  # a wrong code opens no door
    assert people.identify("slack", "U1").role == "member"
    assert store.count_admins() == 0


async def test_twenty_concurrent_claims_make_exactly_one_admin(store, clock):
    people = directory(store, clock)
    code = people.issue_claim_code()
    results = await asyncio.gather(
        *(asyncio.to_thread(people.claim, "slack", f"U{n}", code) for n in range(20))
    )
    assert sum(1 for r in results if r is not None) == 1
    assert store.count_admins() == 1


async def test_twenty_concurrent_first_messages_make_no_admin(store, clock):
    people = directory(store, clock)
    results = await asyncio.gather(*(asyncio.to_thread(people.identify, "slack", f"U{n}") for n in range(20)))
    assert {r.role for r in results if isinstance(r, Person)} == {"member"}
    assert store.count_admins() == 0


async def test_concurrent_first_messages_of_one_person_make_one_user(store, clock):
    people = directory(store, clock)
    results = await asyncio.gather(*(asyncio.to_thread(people.identify, "slack", "U7") for _ in range(8)))
    assert {r.user_id for r in results if isinstance(r, Person)} == {"slack:U7"}


def test_event_ledger_is_insert_or_ignore_and_forgets_old_keys(store, clock):
    people, now = directory(store, clock), clock.now()
    assert people.first_time("slack:Ev1", now=now) is True
    assert people.first_time("slack:Ev1", now=now) is False
    assert people.forget_events(before=now + timedelta(seconds=1)) == 1
    assert people.first_time("slack:Ev1", now=now) is True


async def test_event_ledger_under_concurrent_repeats_says_first_once(store, clock):
    people = directory(store, clock)
    results = await asyncio.gather(
        *(asyncio.to_thread(people.first_time, "tg:1:99", now=clock.now()) for _ in range(10))
    )
    assert results.count(True) == 1
