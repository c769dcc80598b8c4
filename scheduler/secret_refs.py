"""``{{ secrets.NAME }}`` in a task's configuration: where it may appear, which names a task
uses, and putting the values in at run time (never into anything stored).

A reference is allowed where a credential is configured: an http task's URL, header values and
body, and a shell task's environment values (``--env TOKEN={{ secrets.NAME }}``; not its
arguments, which any local user sees in ``ps``), the same in condition checks, and in the
database URLs of ``CRONPILOT_SQL_DATABASES`` (there only shared secrets). Anywhere else (a
reminder's text, an AI prompt, an email) would put the value where people or a model read it,
so it is refused when the task is created.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .actions.base import ActionConfig
from .actionspec import Action, HttpAction, ShellAction
from .errors import InvalidRequest
from .ports import SecretSource
from .redaction import SecretMasker

NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
REFERENCE = re.compile(r"\{\{\s*secrets\.([A-Za-z_][A-Za-z0-9_]{0,63})\s*\}\}")
_BLOCK = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
_MENTION = re.compile(r"\bsecrets\b")
SECRET_KINDS = frozenset({"http", "shell", "sql"})  # actions that may use secrets (sql: its URL)
WHERE_ALLOWED = "an http task's URL, headers and body, or a shell task's --env values"


def check_secret_name(name: str) -> str:
    """The name, or ``InvalidRequest``: letters, digits and _, not starting with a digit."""
    if not NAME.match(name or ""):
        raise InvalidRequest(
            f"{name!r} is not a secret name: use 1-64 letters, digits and _, not starting with a "
            "digit (e.g. GITHUB_TOKEN)")
    return name


def references_in(text: str) -> list[str]:
    """Secret names ``text`` refers to, in order. Raises ``InvalidRequest`` for a template
    block that mentions ``secrets`` in any other form than ``{{ secrets.NAME }}`` (such a
    block would be sent as written, or read a secret nobody checked)."""
    if "secrets" not in text:
        return []
    for block in _BLOCK.finditer(text):
        if _MENTION.search(block.group()) and not REFERENCE.fullmatch(block.group()):
            raise InvalidRequest(
                f"write a secret as {{{{ secrets.NAME }}}} on its own, not {block.group()[:60]!r}")
    return REFERENCE.findall(text)


def _fields(action: Any) -> Iterator[tuple[str, str, bool]]:
    """(where, text, allowed) for every string in an action's configuration."""
    allowed: set[str] = set()
    if isinstance(action, HttpAction):
        allowed = {"url", "body"} | {f"headers.{k}" for k in action.headers}
    elif isinstance(action, ShellAction):
        allowed = {f"env.{k}" for k in action.env}
    for where, text in _strings(action.model_dump(), ""):
        yield where, text, where in allowed


def _strings(value: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, f"{where}[{i}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{where}.{key}" if where else str(key))


def secrets_of(action: Any) -> set[str]:
    """Secret names an action uses; ``InvalidRequest`` for one used where it may not be."""
    names: set[str] = set()
    for where, text, allowed in _fields(action):
        found = references_in(text)
        if found and not allowed:
            raise InvalidRequest(
                f"a secret can't be used in {action.kind} {where}: use it in {WHERE_ALLOWED}")
        names.update(found)
    return names


def insert_secrets(action: Action, values: Mapping[str, str]) -> Action:
    """The action with each ``{{ secrets.NAME }}`` replaced by its value, in one pass over the
    stored text (a value is never scanned again, so a value containing braces stays text)."""

    def put(text: str) -> str:
        return REFERENCE.sub(lambda m: values[m.group(1)], text)

    if isinstance(action, HttpAction):
        return action.model_copy(update={
            "url": put(action.url),
            "body": put(action.body) if action.body is not None else None,
            "headers": {k: put(v) for k, v in action.headers.items()},
        })
    if isinstance(action, ShellAction):
        return action.model_copy(update={"env": {k: put(v) for k, v in action.env.items()}})
    return action


def fill_database_url(url: str, source: SecretSource | None) -> str:
    """A ``CRONPILOT_SQL_DATABASES`` URL with its shared secrets in (synchronous: a read and
    a decryption). Raises ``InvalidRequest`` / ``SecretUnreadable``."""
    names = set(references_in(url))
    if not names:
        return url
    if source is None:
        raise InvalidRequest("this database URL uses secrets, and no secret store is configured")
    values = source.resolve_secrets("", names, shared_only=True)
    return REFERENCE.sub(lambda m: values[m.group(1)], url)


@dataclass
class RunSecrets:
    """What a run gets from its secrets: the action with values in, the config (database URLs
    with values in) and the masker for everything the run leaves behind."""

    action: Any
    config: ActionConfig
    masker: SecretMasker | None
    context_values: dict[str, str]


async def secrets_for_run(
    action: Any, *, owner: str, config: ActionConfig, source: SecretSource | None,
    approved: bool = True, templated: bool = False,
) -> RunSecrets:
    """Resolve the secrets ``action`` uses at the moment it runs. With ``templated`` (a
    workflow step rendered by Jinja) the values are returned for the template context instead
    of being inserted here. Raises ``InvalidRequest`` / ``SecretUnreadable`` with the reason."""
    names = secrets_of(action) if action.kind in ("http", "shell") else set()
    url = config.sql_databases.get(action.database) if action.kind == "sql" else None
    database_names = set(references_in(url)) if url is not None else set()
    if not names and not database_names:
        return RunSecrets(action, config, None, {})
    if source is None:
        raise InvalidRequest("secrets are not available here (no secret store configured)")
    if names and not approved:
        raise InvalidRequest("an AI-created task uses secrets only once a person approved it")
    values = await asyncio.to_thread(source.resolve_secrets, owner, names) if names else {}
    shared: dict[str, str] = {}
    if url is not None and database_names:
        shared = await asyncio.to_thread(source.resolve_secrets, "", database_names, shared_only=True)
        resolved = REFERENCE.sub(lambda m: shared[m.group(1)], url)
        config = dataclasses.replace(
            config, sql_databases={**config.sql_databases, action.database: resolved})
    masker = SecretMasker({**values, **shared})
    if templated:
        return RunSecrets(action, config, masker, values)
    return RunSecrets(insert_secrets(action, values), config, masker, {})
