"""People and access: platform identities (Slack user, Telegram user) mapped to cronpilot users
and their roles, the signup policy, the first-admin bootstrap, and the ledger of inbound chat
events already handled. A part of the service (``Service.people``): connectors ask it who is
writing instead of reading the store.

Policy (documented in docs/slack.md and docs/telegram.md):

- Admins are named in settings (``CRONPILOT_ADMINS=slack:U123,telegram:42``) or claim the role
  with the one-time code that ``cronpilot serve`` prints while the install has no admin. The
  first stranger to write never becomes an admin: a public bot would hand the install to anyone.
- Slack: anyone in the workspace the app is installed in gets a member account on first message
  (the workspace is the gate). ``CRONPILOT_SLACK_OPEN_SIGNUP=false`` closes it.
- Telegram: anyone on Telegram can find a bot, so signup is closed by default: only ids in
  ``CRONPILOT_TELEGRAM_ALLOWED`` (and admins, and whoever holds a claim code) get accounts.
  ``CRONPILOT_TELEGRAM_OPEN_SIGNUP=true`` opens it.

Every call re-reads the database, so a role change takes effect on the next message. Methods
are synchronous (store calls): async callers hop to a thread.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .access import Actor, Role, UserRecord
from .clock import Clock, SystemClock
from .errors import NotFound
from .store_ports import PeopleStore

log = logging.getLogger(__name__)

# No 0/O, 1/I/L: a code is read off a terminal and typed into a phone.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_CODE_LENGTH = 12  # 31**12 ≈ 2**59: not guessable, and it is single use

# A known person, as the store keeps them (user id, role, display name, chosen zone).
Person = UserRecord


@dataclass(frozen=True)
class AccessPolicy:
    """Who gets an account; identities are ``platform:id`` (``slack:U123``, ``telegram:42``)."""

    admins: frozenset[str] = frozenset()
    open_signup: frozenset[str] = frozenset({"slack"})  # platforms where anyone who writes joins
    allowed: frozenset[str] = frozenset()  # extra identities allowed where signup is closed
    claim_ttl: timedelta = timedelta(hours=24)


@dataclass(frozen=True)
class Stranger:
    """Someone the policy doesn't let in; ``reason`` is the reply they get (in private chats)."""

    identity: str
    reason: str = field(default="")


def normalize_code(code: str) -> str:
    return code.replace("-", "").replace(" ", "").upper()


def hash_code(code: str) -> str:
    return hashlib.sha256(normalize_code(code).encode()).hexdigest()


def actor_of(person: Person) -> Actor:
    """The ``Actor`` a person acts as in the service."""
    return Actor(user=person.user_id, role=Role(person.role))


class People:
    """Maps platform identities to people under an ``AccessPolicy``."""

    def __init__(self, store: PeopleStore, policy: AccessPolicy | None = None, *, clock: Clock | None = None):
        self.store = store
        self.policy = policy or AccessPolicy()
        self.clock = clock or SystemClock()

    def identify(
        self, platform: str, platform_user_id: str, *, display_name: str | None = None
    ) -> Person | Stranger:
        """The person writing (an account made on first message where the policy lets them in),
        or a ``Stranger`` with the reply that says why not."""
        key = f"{platform}:{platform_user_id}"
        record = self.store.find_identity(platform, platform_user_id)
        if record is not None and record.removed:
            # Removed people stay mapped (open signup would bring them back otherwise).
            return Stranger(identity=key, reason="An admin removed you from this cronpilot; ask them if that's a mistake.")
        if key in self.policy.admins:
            if record is None:
                record = self.store.add_identity(
                    platform, platform_user_id, role="admin", now=self.clock.now(),
                    display_name=display_name,
                )
            if record.role != "admin":
                record = self.store.set_role(record.user_id, "admin")
            return record
        if record is not None:
            return record
        if platform in self.policy.open_signup or key in self.policy.allowed:
            record = self.store.add_identity(
                platform, platform_user_id, role="member", now=self.clock.now(), display_name=display_name
            )
            log.info("new member", extra={"user_id": record.user_id})
            self._audit(record.user_id, "sign_up", f"member through {platform}", via=platform)
            return record
        return Stranger(identity=key, reason=_closed_reply(platform, key))

    def claim(
        self, platform: str, platform_user_id: str, code: str, *, display_name: str | None = None
    ) -> Person | None:
        """Make this identity's user an admin with a one-time code; None when the code is wrong,
        used or expired. Concurrent claims of one code make exactly one admin."""
        record = self.store.claim_admin(
            hash_code(code), platform, platform_user_id, now=self.clock.now(),
            max_age=self.policy.claim_ttl, display_name=display_name,
        )
        if record is not None:
            log.warning("admin role claimed with the setup code", extra={"user_id": record.user_id})
            self._audit(record.user_id, "claim_admin", "admin with the setup code", via=platform)
        return record

    def _audit(self, user: str, action: str, target: str, *, via: str) -> None:
        self.store.add_audit(at=self.clock.now(), actor=user, action=action, target=target,
                             decision="allowed", via=f"chat:{via}", after={"user": user})

    def needs_admin(self) -> bool:
        """True while no admin exists and none is configured: serve then prints a claim code."""
        return not self.policy.admins and self.store.count_admins() == 0

    def issue_claim_code(self) -> str:
        """A new single-use code (the previous unused one stops working); only its hash is kept."""
        code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))
        self.store.issue_claim(hash_code(code), now=self.clock.now())
        return "-".join(code[i : i + 4] for i in range(0, _CODE_LENGTH, 4))

    def find(self, user_id: str) -> Person | None:
        """The person with this user id as they are now; None when there is none."""
        try:
            return self.store.get_user(user_id)
        except NotFound:
            return None

    def set_timezone(self, person: Person, zone: str | None) -> Person:
        """Remember the zone ``person`` chose (None: forget it)."""
        return self.store.set_user_timezone(person.user_id, zone)

    # --- the ledger of inbound events ---------------------------------------------------------

    def first_time(self, key: str, *, now: datetime) -> bool:
        """True the first time an inbound event key (a Slack event id, a Telegram update id) is
        seen; the ledger survives restarts. Raises ``InvalidRequest`` for an empty or long key."""
        return self.store.mark_event_processed(key, now=now)

    def forget_events(self, *, before: datetime) -> int:
        """Drop ledger entries older than ``before`` (platforms stop retrying long before)."""
        return self.store.forget_processed_events(before=before)


def _closed_reply(platform: str, key: str) -> str:
    return (
        f"This cronpilot doesn't know you yet. Ask its admin to add {key.split(':', 1)[1]} to "
        f"CRONPILOT_{platform.upper()}_ALLOWED, "
        "or, if you run this install, send the claim code that `cronpilot serve` printed."
    )
