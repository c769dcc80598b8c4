"""The store's protocols (``scheduler/store_ports.py``) say what ``Store`` offers: every method a
protocol names is on the composed store, reached through its part, with the same parameters
(names, kinds, defaults). A part's method renamed or re-shaped without its contract fails here,
not first in the engine or the service at run time."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from scheduler import store_ports
from scheduler.store import Store

PROTOCOLS = [
    value for value in vars(store_ports).values()
    if isinstance(value, type) and getattr(value, "_is_protocol", False)
    and value.__module__ == store_ports.__name__
]


def _parameters(function: object, *, skip_self: bool) -> list[tuple[str, object, object]]:
    found = list(inspect.signature(function).parameters.values())  # type: ignore[arg-type]
    return [(p.name, p.kind, p.default) for p in (found[1:] if skip_self else found)]


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    store = Store(f"sqlite:///{tmp_path / 'cronpilot.db'}")
    yield store
    store.close()


def test_every_protocol_is_checked_including_the_conversations() -> None:
    names = {p.__name__ for p in PROTOCOLS}
    assert {"EngineStore", "ServiceStore", "ConversationStore", "SecretStore"} <= names


@pytest.mark.parametrize("protocol", PROTOCOLS, ids=lambda p: p.__name__)
def test_the_store_offers_every_method_of_the_protocol_as_it_is_written(
    protocol: type, sqlite_store: Store
) -> None:
    for name, member in vars(protocol).items():
        if name.startswith("_"):
            continue
        assert hasattr(sqlite_store, name), f"Store has no {name} ({protocol.__name__})"
        if isinstance(member, property):
            continue
        wanted = _parameters(member, skip_self=True)
        assert _parameters(getattr(sqlite_store, name), skip_self=False) == wanted, name


def test_a_conversation_turn_goes_through_the_conversation_part(sqlite_store: Store) -> None:
    now = datetime(2026, 3, 1, 9, tzinfo=UTC)
    later = now + timedelta(days=7)
    assert sqlite_store.begin_turn("c1", now=now, expires_at=later) == (1, {})
    sqlite_store.conversations.save_conversation("c1", {"last_task_id": 3}, now=now, expires_at=later)
    assert sqlite_store.begin_turn("c1", now=now, expires_at=later) == (2, {"last_task_id": 3})
