"""The service's part for secrets: set, list and delete them, check a task's references, and
give runs the plain values (the engine's ``SecretSource``). A part of the service
(``Service.secrets``, its methods exposed on ``Service``) under the same rules (``Rules``).

Who may do what (the rule, also in docs/secrets.md):

* A secret belongs to a scope. A person's own secrets (scope ``user``) are theirs: they set,
  replace and delete them, and only their tasks can use them. Shared secrets (scope ``shared``)
  are set and deleted by admins and usable by every task (and they are the only ones the
  database URLs of ``CRONPILOT_SQL_DATABASES`` can use).
* A task's ``{{ secrets.NAME }}`` means its owner's own NAME if they have one, else the shared
  NAME. That is checked when the task is created or changed (an unknown name is refused) and
  looked up again at every run (a replaced value is used by the next run without a restart).
* Nobody reads a value back: not admins, not the owner, not an API or chat. Listing shows names,
  scope, owner and times. Viewers change nothing; AI runs can't set, delete or read secrets, and
  a task an AI run creates that uses one waits for a person's approval.
* Admins see every secret's name and may delete anyone's (``owner=``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .access import Actor, Role
from .clock import Clock
from .errors import InvalidRequest, NotFound, PermissionDenied, SecretUnreadable
from .models import Task, TaskSpec
from .secret_box import SecretBox
from .secret_refs import check_secret_name, secrets_of
from .service_rules import Rules
from .store.secret_store import SHARED, USER, SecretRecord
from .store_ports import ServiceStore
from .triggers import ConditionTrigger

MIN_VALUE_CHARS = 4  # shorter values can't be masked in output without garbling it
MAX_VALUE_BYTES = 64 * 1024


@dataclass(frozen=True)
class SecretInfo:
    """What anyone may see of a secret (never its value)."""

    name: str
    scope: str  # user | shared
    owner: str | None  # the person, for scope user
    created_at: datetime
    updated_at: datetime
    created_by: str
    updated_by: str

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "scope": self.scope, "owner": self.owner,
                "created_at": self.created_at.isoformat(), "updated_at": self.updated_at.isoformat(),
                "created_by": self.created_by, "updated_by": self.updated_by}


def _info(record: SecretRecord) -> SecretInfo:
    return SecretInfo(
        name=record.name, scope=record.scope, owner=record.owner or None,
        created_at=record.created_at, updated_at=record.updated_at,
        created_by=record.created_by, updated_by=record.updated_by,
    )


def task_secrets(spec: TaskSpec) -> set[str]:
    """Secret names a task's action and condition checks use (``InvalidRequest`` for one used
    where it may not be)."""
    names = secrets_of(spec.action)
    for trigger in spec.triggers:
        if isinstance(trigger, ConditionTrigger):
            names |= secrets_of(trigger.check)
    return names


class Secrets:
    def __init__(self, store: ServiceStore, *, rules: Rules, clock: Clock, box: SecretBox) -> None:
        self.store = store
        self.rules = rules
        self.clock = clock
        self.secret_box = box

    def set_secret(self, name: str, value: str, *, actor: Actor, shared: bool = False
                   ) -> tuple[SecretInfo, bool]:
        """Store ``value`` encrypted under ``name`` (the actor's own, or shared when ``shared``:
        admins only); replaces an existing one. Returns what is listed of it and whether it is
        new. Raises ``PermissionDenied``, ``InvalidRequest`` (name, empty or huge value) and
        ``SecretUnreadable`` when the key that sealed the other secrets is missing."""
        scope, owner = self._secret_scope(actor, "set_secret", name, shared=shared)
        check_secret_name(name)
        if len(value) < MIN_VALUE_CHARS or len(value.encode("utf-8")) > MAX_VALUE_BYTES:
            raise InvalidRequest(
                f"a secret's value is {MIN_VALUE_CHARS} characters to {MAX_VALUE_BYTES // 1024} "
                "KiB (shorter ones could not be masked in output)")
        if "\x00" in value:
            raise InvalidRequest("a secret's value can't contain NUL characters")
        token, key_id = self.seal_secret(value)
        now = self.clock.now()
        created = self.store.put_secret(scope, owner, name, ciphertext=token, key_id=key_id,
                                        actor=actor.user, now=now)
        self.rules.audit(actor, "set_secret", f"{scope}:{name}")
        record = self.store.get_secret(scope, owner, name)
        assert record is not None
        return _info(record), created

    def seal_secret(self, value: str) -> tuple[str, str]:
        """(token, key_id) of ``value``. The key file is made on first use, but not while secrets
        sealed with a key that is now missing remain: a new key would orphan them silently."""
        if not self.secret_box.has_key() and self.store.count_secrets():
            raise SecretUnreadable(
                f"the secret key is missing ({self.secret_box.source}) but secrets saved with it "
                "remain; restore the key (or CRONPILOT_SECRET_KEY), or delete those secrets first")
        return self.secret_box.seal(value)

    def list_secrets(self, *, actor: Actor) -> list[SecretInfo]:
        """Admins: every person's and the shared secrets; others: their own and the shared."""
        owner = None if self.rules.role_of(actor) == Role.ADMIN and not actor.is_ai else actor.user
        return [_info(r) for r in self.store.list_secrets(owner=owner)]

    def delete_secret(self, name: str, *, actor: Actor, shared: bool = False,
                      owner: str | None = None) -> list[Task]:
        """Delete the actor's own secret (an admin: a shared one, or ``owner``'s). Returns the
        live tasks that referred to it: their runs fail until it is set again."""
        scope, whose = self._secret_scope(actor, "delete_secret", name, shared=shared, owner=owner)
        if not self.store.delete_secret(scope, whose, name):
            where = "shared secret" if scope == SHARED else f"secret of {whose}"
            raise NotFound(f"no {where} named {name!r}")
        self.rules.audit(actor, "delete_secret", f"{scope}:{name}")
        candidates = self.store.list_tasks(owner=None if scope == SHARED else whose)
        return [t for t in candidates if name in _quiet_secrets(t)]

    def _secret_scope(self, actor: Actor, action: str, name: str, *, shared: bool,
                      owner: str | None = None) -> tuple[str, str]:
        if actor.is_ai:
            self.rules.audit(actor, action, name, refused="AI runs can't change secrets")
            raise PermissionDenied("AI runs can't set or delete secrets; ask a person")
        self.rules.require_writer(actor, action=action, target=name)
        if (shared or (owner is not None and owner != actor.user)) and self.rules.role_of(actor) != Role.ADMIN:
            self.rules.audit(actor, action, name, refused="admins only")
            raise PermissionDenied("only an admin can manage shared or other people's secrets")
        if shared:
            return SHARED, ""
        return USER, owner or actor.user

    def check_secret_references(self, spec: TaskSpec, *, owner: str) -> set[str]:
        """The secret names ``spec`` uses, each one ``owner`` can see; ``InvalidRequest`` naming
        the first unknown one (or one used where secrets may not go)."""
        names = task_secrets(spec)
        found = self.store.find_secrets(owner, names)
        for name in sorted(names - set(found)):
            raise InvalidRequest(
                f"unknown secret {name!r}: set it first with `cronpilot secret set {name}`")
        return names

    def resolve_secrets(self, owner: str, names: set[str], *, shared_only: bool = False
                        ) -> dict[str, str]:
        """Plain values for a run (the engine's ``SecretSource``): the owner's own secret or
        else the shared one. ``InvalidRequest`` for a name that is gone, ``SecretUnreadable``
        when the key changed."""
        found = self.store.find_secrets(owner, names, shared_only=shared_only)
        for name in sorted(set(names) - set(found)):
            kind = "shared secret" if shared_only else "secret"
            raise InvalidRequest(
                f"the {kind} {name!r} is not set (deleted?); set it again with "
                f"`cronpilot secret set {name}{' --shared' if shared_only else ''}`")
        return {name: self.secret_box.open(r.ciphertext, r.key_id, name=name)
                for name, r in found.items()}

    def webhook_secret(self, event: str) -> str | None:
        """The signing secret of ``POST /hooks/<event>``, or None when there is no webhook.
        Raises ``SecretUnreadable`` when the key changed."""
        record = self.store.webhook_secret(event)
        if record is None:
            return None
        return self.secret_box.open(record.ciphertext, record.key_id, name=f"for webhook {event}")


def _quiet_secrets(task: Task) -> set[str]:
    try:
        return task_secrets(task)
    except InvalidRequest:
        return set()
