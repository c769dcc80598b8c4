"""Where a task delivers (``deliver_to``) and which AI templates it may use are service rules:
every interface gets the same answer."""

from __future__ import annotations

import pytest

from scheduler.errors import InvalidRequest, PermissionDenied
from scheduler.service import Actor, Role, Service, check_destination

OWNER = Actor("alice", Role.MEMBER, origin={"via": "slack", "conversation": {"platform": "slack", "channel": "C1"}})


def _spec(service: Service, **fields):
    data = {"name": "renew", "triggers": [{"kind": "cron", "expression": "0 9 1 3 *"}],
            "action": {"kind": "reminder", "message": "renew the domain"}}
    return service.build_spec({**data, **fields})


def test_a_task_can_deliver_by_email_and_be_sent_back_to_its_chat(service):
    task = service.create_task(_spec(service), actor=OWNER, deliver_to={"platform": "email", "address": "a@b.co"})
    assert task.origin["deliver_to"] == {"platform": "email", "address": "a@b.co"}
    assert task.origin["conversation"] == {"platform": "slack", "channel": "C1"}
    back = service.set_delivery("renew", None, actor=OWNER)
    assert "deliver_to" not in back.origin and back.origin["conversation"]["channel"] == "C1"


@pytest.mark.parametrize("destination", [
    {"platform": "email", "address": "nope"}, {"platform": "sms", "number": "123"}, {"platform": "slack"},
])
def test_a_bad_destination_is_refused_and_nothing_is_made(service, destination):
    with pytest.raises(InvalidRequest):
        service.create_task(_spec(service), actor=OWNER, deliver_to=destination)
    assert service.list_tasks() == []
    with pytest.raises(InvalidRequest):
        check_destination(destination)


def test_an_ai_run_cannot_redirect_where_a_task_delivers(service):
    service.create_task(_spec(service), actor=OWNER)
    robot = Actor("alice", Role.MEMBER, ai_run_id=7)
    with pytest.raises(PermissionDenied):
        service.set_delivery("renew", {"platform": "email", "address": "x@evil.example"}, actor=robot)


def test_unknown_ai_templates_are_refused_when_the_service_knows_them(store, clock):
    service = Service(store, clock=clock, ai_templates=["digest"])
    with pytest.raises(InvalidRequest, match="unknown AI template 'nosuch'; known: digest"):
        service.create_task(_spec(service, action={"kind": "ai", "prompt": "x", "template": "nosuch"}), actor=OWNER)
    made = service.create_task(_spec(service, action={"kind": "ai", "prompt": "x", "template": "digest"}), actor=OWNER)
    assert made.action.template == "digest"


@pytest.mark.parametrize("event", ["pg:new_tickets", "file:/tmp", "https://example.com"])
def test_other_trigger_kinds_are_not_accepted_as_event_names(service, event):
    with pytest.raises(InvalidRequest, match="not an event"):
        _spec(service, triggers=[{"kind": "event", "event": event}])


def test_a_task_stored_with_such_an_event_name_still_loads():
    from scheduler.triggers import EventTrigger

    stored = EventTrigger.model_validate({"kind": "event", "event": "pg:new_tickets"}, context={"trusted": True})
    assert stored.event == "pg:new_tickets"
