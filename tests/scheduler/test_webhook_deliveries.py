"""A signed webhook's delivery id and the runs it creates are one transaction (issue 14, item 0):
a delivery whose emit failed is not remembered, so the sender's retry fires; a real replay
creates nothing. On real SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from scheduler.errors import Conflict, StoreUnavailable
from scheduler.service import Actor, Role, Service
from scheduler.store import Store, event_store

OWNER = Actor("alice", Role.MEMBER)
# As the webhook route acts (connectors/webhooks.py): a signed delivery fires every listener.
HOOK = Actor("webhook:deploy.finished", Role.ADMIN, origin={"via": "webhook"})
EVENT = "deploy.finished"


@pytest.fixture
def listener(service: Service):
    spec = service.build_spec({"name": "announce", "triggers": [{"kind": "event", "event": EVENT}],
                               "action": {"kind": "noop"}})
    return service.create_task(spec, actor=OWNER)


def test_a_failed_emit_forgets_the_delivery_and_the_retry_fires(
    service: Service, store: Store, listener, monkeypatch: pytest.MonkeyPatch
):
    real_emit = event_store.emit
    calls = []

    def failing_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:  # the database goes away after the delivery row was written
            raise StoreUnavailable("the database stopped answering")
        return real_emit(*args, **kwargs)

    monkeypatch.setattr(event_store, "emit", failing_once)
    with pytest.raises(StoreUnavailable):
        service.emit(EVENT, {"n": 1}, actor=HOOK, delivery=("delivery-1", "sha256=aa"))
    assert store.list_runs() == []

    # The sender retries the same delivery id, re-signed (a new timestamp, so a new signature).
    released = service.emit(EVENT, {"n": 1}, actor=HOOK, delivery=("delivery-1", "sha256=bb"))
    assert [r.task_id for r in released.runs] == [listener.task_id]
    assert len(store.list_runs()) == 1


@pytest.mark.parametrize("again", [("delivery-1", "sha256=other"), ("delivery-2", "sha256=aa")])
def test_a_replayed_delivery_id_or_signature_creates_nothing(service: Service, store: Store, listener, again):
    service.emit(EVENT, None, actor=HOOK, delivery=("delivery-1", "sha256=aa"))
    with pytest.raises(Conflict):
        service.emit(EVENT, None, actor=HOOK, delivery=again)
    assert len(store.list_runs()) == 1
    # Nothing of the refused delivery was kept: its fresh half is still free.
    fresh = ("delivery-3", again[1]) if again[0] == "delivery-1" else (again[0], "sha256=new")
    service.emit(EVENT, None, actor=HOOK, delivery=fresh)
    assert len(store.list_runs()) == 2
