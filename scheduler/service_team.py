"""The service's part for people and access: who is in the team and with what role, groups,
tasks shared with groups, and the audit trail as people read it.

Part of the one application service (``Service.team``, its methods exposed on ``Service``):
the CLI, chat, the HTTP API and the dashboard all call these with the caller's ``Actor``, and
every rule is here (admins manage people and groups; a task's owner or an admin shares it).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .access import Access, Actor, Role, UserRecord
from .clock import Clock
from .errors import Conflict, InvalidRequest, NotFound, PermissionDenied
from .people import AccessPolicy
from .service_rules import Rules
from .store_ports import ServiceStore

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@:+-]{0,99}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PLATFORMS = ("slack", "telegram", "email")


@dataclass(frozen=True)
class PersonInfo:
    """A person as the people list shows them."""

    user_id: str
    role: str
    display_name: str | None
    email: str | None
    identities: tuple[str, ...]
    groups: tuple[str, ...]
    removed: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"user": self.user_id, "role": self.role, "display_name": self.display_name,
                "email": self.email, "identities": list(self.identities), "groups": list(self.groups),
                "removed": self.removed}


@dataclass(frozen=True)
class Visibility:
    """Who can see a task and who can change it."""

    task_id: int
    name: str
    owner: str
    admins: tuple[str, ...]
    shares: dict[str, str]  # group -> read | manage
    readers: tuple[str, ...]  # people who see it through a group (read or manage)
    managers: tuple[str, ...]  # people who may change it through a group (manage)


class Team:
    def __init__(self, store: ServiceStore, *, rules: Rules, clock: Clock, policy: AccessPolicy) -> None:
        self.store = store
        self.rules = rules
        self.clock = clock
        self.policy = policy

    # --- people -------------------------------------------------------------------------------

    def list_people(self, *, actor: Actor, removed: bool = False, admins_only: bool = False) -> list[PersonInfo]:
        """Everyone (any person may see who is in the team and with what role; only admins
        change it). ``admins_only``: the HTTP API's ``/people``, which stays an admin's list
        (``PermissionDenied``, audited, for anyone else)."""
        if admins_only:
            self.rules.require_admin(actor, action="list_people", target=None, what="list people")
        self.rules.role_of(actor)
        people = self.store.list_users(removed=removed)
        links = self.store.identities_of([p.user_id for p in people])
        member_of: dict[str, list[str]] = {}
        for group, members in self.store.list_groups().items():
            for user in members:
                member_of.setdefault(user, []).append(group)
        return [PersonInfo(p.user_id, p.role, p.display_name, p.email, tuple(links.get(p.user_id, ())),
                           tuple(member_of.get(p.user_id, ())), p.removed) for p in people]

    def find_person(self, ref: str, *, actor: Actor) -> UserRecord:
        """A person by id, ``@name``, display name, email or ``platform:id`` (a Slack mention
        ``<@U123>`` too); ``NotFound``, or ``InvalidRequest`` when several fit."""
        self.rules.role_of(actor)
        text = ref.strip()
        mention = re.fullmatch(r"<@([A-Za-z0-9]+)(?:\|[^>]*)?>", text)
        if mention:  # a Slack mention; chat may have lower-cased it, Slack ids are upper case
            text = f"slack:{mention.group(1).upper()}"
        text = text.lstrip("@")
        people = self.store.list_users()
        exact = [p for p in people if p.user_id == text]
        if exact:
            return exact[0]
        links = self.store.identities_of([p.user_id for p in people])
        lowered = text.lower()
        found = [p for p in people if lowered in {(p.display_name or "").lower(), (p.email or "").lower(),
                                                  *(i.lower() for i in links.get(p.user_id, ()))}]
        if not found:
            found = [p for p in people if any(i.split(":", 1)[1].lower() == lowered for i in links.get(p.user_id, ()))]
        if not found:
            raise NotFound(f"no person {ref.strip()!r} (see: cronpilot user list)")
        if len(found) > 1:
            raise InvalidRequest(f"{ref.strip()!r} could be {', '.join(p.user_id for p in found)}; say which")
        return found[0]

    def add_person(
        self, name: str, *, role: str, actor: Actor, slack: str | None = None, telegram: str | None = None,
        email: str | None = None, display_name: str | None = None,
    ) -> UserRecord:
        """Add a person with a role, linked to their Slack user id, Telegram id and email (admins)."""
        role = _role(role)
        self.rules.require_admin(actor, action="add_person", target=name, what="add people")
        if not _NAME.match(name):
            raise InvalidRequest("a name is 1 to 100 letters, digits and _ . @ : + -, starting with a letter or digit")
        if email is not None and not _EMAIL.match(email):
            raise InvalidRequest(f"{email!r} doesn't look like an email address")
        links = []
        if slack:
            if not re.fullmatch(r"[UW][A-Z0-9]{2,30}", slack.strip()):
                raise InvalidRequest("a Slack user id looks like U012AB3CD (in Slack: profile → ⋮ → Copy member ID)")
            links.append(("slack", slack.strip()))
        if telegram:
            if not telegram.strip().isdigit():
                raise InvalidRequest("a Telegram id is a number (the bot tells strangers theirs)")
            links.append(("telegram", telegram.strip()))
        person = self.store.add_user(name, role=role.value, now=self.clock.now(), display_name=display_name,
                                     email=email, links=links)
        self.rules.audit(actor, "add_person", name, after={"role": role.value, "identities": [f"{p}:{i}" for p, i in links],
                                                             "email": email})
        return person

    def set_role(self, ref: str, role: str, *, actor: Actor) -> tuple[UserRecord, UserRecord]:
        """Give a person another role (admins); (before, after). Takes effect on their next
        call, open sessions and tokens included. The last admin can't step down."""
        new = _role(role)
        self.rules.require_admin(actor, action="set_role", target=ref, what="change roles")
        person = self.find_person(ref, actor=actor)
        if person.role == new.value:
            raise Conflict(f"{person.user_id} is already a{'n' if new.value[0] in 'aeiou' else ''} {new.value}")
        if person.role == Role.ADMIN.value and new != Role.ADMIN:
            self._keep_an_admin(person)
        after = self.store.set_role(person.user_id, new.value)
        self.rules.audit(actor, "set_role", person.user_id, before={"role": person.role}, after={"role": after.role})
        return person, after

    def remove_person(self, ref: str, *, actor: Actor) -> UserRecord:
        """Remove a person (admins): refused from their next call on, everywhere; their tasks
        stay (an admin may delete or keep them) and the audit keeps their name."""
        self.rules.require_admin(actor, action="remove_person", target=ref, what="remove people")
        person = self.find_person(ref, actor=actor)
        if person.user_id == actor.user:
            raise InvalidRequest("you can't remove yourself; ask another admin")
        if person.role == Role.ADMIN.value:
            self._keep_an_admin(person)
        removed = self.store.remove_user(person.user_id, now=self.clock.now())
        self.rules.audit(actor, "remove_person", person.user_id, before={"role": person.role},
                         after={"removed": True})
        return removed

    def _keep_an_admin(self, person: UserRecord) -> None:
        identities = self.store.identities_of([person.user_id]).get(person.user_id, [])
        listed = [i for i in identities if i in self.policy.admins]
        if listed:
            raise Conflict(f"{person.user_id} is an admin through CRONPILOT_ADMINS ({', '.join(listed)}); "
                           "take them out of it there first")
        if self.store.count_admins() <= 1:
            raise Conflict(f"{person.user_id} is the last admin; make someone else an admin first")

    def access_version(self, user: str) -> str:
        """What ``user`` may do now, as a short string (their role, or 'removed'/'unknown'). An
        API token or dashboard session remembers it when issued and ends when it changes."""
        return self.rules.access_version(user)

    def check_actor(self, actor: Actor) -> Actor:
        """``actor`` with its role as it is now (capped by the person's stored role);
        ``PermissionDenied`` for a removed person. For interfaces that show who is signed in."""
        return Actor(user=actor.user, role=self.rules.role_of(actor), ai_run_id=actor.ai_run_id,
                     spawn_depth=actor.spawn_depth, origin=actor.origin)

    def record_sign_in(self, actor: Actor, *, how: str) -> None:
        """Audit a sign-in (dashboard, claim code, first chat message); refused for removed people."""
        self.rules.role_of(actor)
        self.rules.audit(actor, "sign_in", how)

    def record_token(self, actor: Actor, *, action: str, user: str, label: str | None = None,
                     token_id: int | str | None = None) -> None:
        """Audit an API token made or revoked (``action``: token_created, token_revoked) for
        ``user`` by ``actor`` — the API's token commands call this."""
        if action not in ("token_created", "token_revoked"):
            raise InvalidRequest("action is token_created or token_revoked")
        self.rules.audit(actor, action, user, after={"user": user, "label": label, "token_id": token_id})

    # --- groups and sharing ---------------------------------------------------------------------

    def create_group(self, name: str, *, actor: Actor) -> None:
        self.rules.require_admin(actor, action="create_group", target=name, what="make groups")
        if not _NAME.match(name):
            raise InvalidRequest("a group name is 1 to 100 letters, digits and _ . @ : + -")
        self.store.create_group(name, by=actor.user, now=self.clock.now())
        self.rules.audit(actor, "create_group", name)

    def delete_group(self, name: str, *, actor: Actor) -> None:
        self.rules.require_admin(actor, action="delete_group", target=name, what="delete groups")
        self.store.delete_group(name)
        self.rules.audit(actor, "delete_group", name)

    def set_group_member(self, group: str, ref: str, *, member: bool, actor: Actor) -> bool:
        """Add a person to a group (``member``) or take them out (admins); False when they
        already were / weren't."""
        action = "add_to_group" if member else "remove_from_group"
        self.rules.require_admin(actor, action=action, target=group, what="change groups")
        person = self.find_person(ref, actor=actor)
        changed = self.store.set_group_member(group, person.user_id, member=member)
        if changed:
            self.rules.audit(actor, action, f"{group}: {person.user_id}",
                             before={"member": not member}, after={"member": member})
        return changed

    def list_groups(self, *, actor: Actor) -> dict[str, list[str]]:
        self.rules.role_of(actor)
        return self.store.list_groups()

    def share_task(self, ref: str, group: str, access: str | None, *, actor: Actor) -> dict[str, str]:
        """Share a task with a group to ``read`` or ``manage`` it, or stop sharing (None): its
        owner or an admin. The task's shares after."""
        if access is not None:
            try:
                access = Access(access).value
            except ValueError:
                raise InvalidRequest("share to 'read' or to 'manage'") from None
        task = self.rules.owned(ref, actor, action="share_task")
        if actor.is_ai:
            self.rules.audit(actor, "share_task", task.name, refused="AI runs can't share", task_id=task.task_id)
            raise PermissionDenied("an AI run can't share tasks")
        before = self.store.task_shares(task.task_id)
        self.store.share_task(task.task_id, group, access, now=self.clock.now())
        after = self.store.task_shares(task.task_id)
        self.rules.audit(actor, "share_task", f"{task.task_id}:{task.name} with {group}", task_id=task.task_id,
                         before={"shares": before}, after={"shares": after})
        return after

    def who_can_see(self, ref: str, *, actor: Actor) -> Visibility:
        """Who sees a task and who may change it (anyone who sees the task may ask)."""
        task = self.rules.get_task(ref, actor=actor)
        shares = self.store.task_shares(task.task_id)
        groups = self.store.list_groups()
        admins = tuple(p.user_id for p in self.store.list_users() if p.role == Role.ADMIN.value)
        readers = sorted({u for g in shares for u in groups.get(g, [])})
        managers = sorted({u for g, a in shares.items() if a == Access.MANAGE.value for u in groups.get(g, [])})
        return Visibility(task.task_id, task.name, task.owner, admins, shares, tuple(readers), tuple(managers))

    # --- the audit trail ----------------------------------------------------------------------

    def audit(
        self, *, actor: Actor, task: str | None = None, person: str | None = None,
        since: datetime | None = None, actions: Sequence[str] | None = None, limit: int = 100,
        before_id: int | None = None,
    ) -> list[dict[str, Any]]:
        """Audit entries, newest first: an admin reads all; anyone else their own and those
        about tasks they can see. ``person`` matches the actor's id (or ``@name``);
        ``before_id``: entries older than that one (the next page back)."""
        task_id = self.rules.get_task(task, actor=actor).task_id if task else None
        who = None
        if person:
            try:
                who = self.find_person(person, actor=actor).user_id
            except NotFound:
                who = person.strip().lstrip("@")
        visible_to = visible = None
        if not self.rules.sees_everything(actor):
            visible_to = actor.user
            visible = [t.task_id for t in self.store.list_tasks(owner=actor.user)] + self.rules.visible_task_ids(actor)
        return self.store.list_audit(actor=who, task_id=task_id, since=since, actions=actions,
                                     limit=max(1, min(limit, 10_000)), visible_to=visible_to, visible_tasks=visible,
                                     before_id=before_id)

    def verify_audit(self, *, actor: Actor) -> tuple[int, int | None]:
        """(entries checked, the first entry whose hash link is broken or None): admins."""
        self.rules.require_admin(actor, action="verify_audit", target=None, what="check the audit trail")
        return self.store.verify_audit()


def _role(role: str) -> Role:
    try:
        return Role(role.strip().lower())
    except ValueError:
        raise InvalidRequest(f"unknown role {role!r}; roles are {', '.join(r.value for r in Role)}") from None
