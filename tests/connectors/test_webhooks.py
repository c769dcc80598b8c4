"""``POST /hooks/{event}`` (reference §5.2): signed deliveries fire the event's tasks once;
anything unsigned, stale, replayed, unknown or oversized creates nothing."""

from __future__ import annotations

import asyncio
import inspect
import json
import subprocess
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest

from connectors import webhooks
from connectors.web import HttpServer, build_api
from connectors.webhooks import MAX_BODY, sign, webhook_router
from cronpilot.commands.hooks import curl_example
from scheduler.clock import SystemClock
from scheduler.models import RunReason, RunStatus
from scheduler.secret_box import SecretBox
from scheduler.service import Actor, Role, Service
from scheduler.store import Store

ADMIN = Actor("root", Role.ADMIN)
OWNER = Actor("alice", Role.MEMBER)
EVENT = "deploy.finished"


@pytest.fixture
def secret(service: Service) -> str:
    return service.create_webhook(EVENT, actor=ADMIN)


@pytest.fixture
def listener(service: Service):
    spec = service.build_spec({"name": "announce", "triggers": [{"kind": "event", "event": EVENT}],
                               "action": {"kind": "noop"}})
    return service.create_task(spec, actor=OWNER)


@pytest.fixture
async def hooks(service: Service) -> AsyncIterator[httpx.AsyncClient]:
    api = build_api(extra_routers=[webhook_router(service)])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api), base_url="http://cronpilot") as client:
        yield client


def signed(secret: str, body: bytes, *, at: int, delivery: str | None = None) -> dict[str, str]:
    return {
        "X-Cronpilot-Timestamp": str(at),
        "X-Cronpilot-Signature": sign(secret, at, body),
        "X-Cronpilot-Delivery": delivery or uuid.uuid4().hex,
        "Content-Type": "application/json",
    }


def now_s(service: Service) -> int:
    return int(service.clock.now().timestamp())


async def test_webhook_with_a_good_signature_fires_the_event(
    hooks, service, secret, listener, sqlite_store, make_engine
):
    body = json.dumps({"version": "1.2.3"}).encode()
    response = await hooks.post(f"/hooks/{EVENT}", content=body, headers=signed(secret, body, at=now_s(service)))

    assert response.status_code == 202
    [run_id] = response.json()["runs"]
    engine = make_engine(None)
    await engine.start()
    await engine.run_until_idle()
    run = sqlite_store.get_run(run_id)
    assert run.task_id == listener.task_id and run.reason == RunReason.EVENT
    assert run.status == RunStatus.COMPLETED
    assert run.context == {"event": {"name": EVENT, "data": {"version": "1.2.3"}}}
    assert any(a["actor"] == f"webhook:{EVENT}" and a["action"] == "emit"
               for a in service.audit_log(actor=ADMIN))


@pytest.mark.parametrize(
    "tamper",
    ["no signature", "wrong secret", "body changed", "timestamp changed", "not hex", "v1 scheme", "huge header"],
)
async def test_webhook_with_a_bad_signature_is_refused_and_creates_nothing(
    hooks, service, secret, listener, sqlite_store, tamper
):
    body = b'{"version": "1.2.3"}'
    at = now_s(service)
    headers = signed(secret, body, at=at, delivery="d-1")
    if tamper == "no signature":
        del headers["X-Cronpilot-Signature"]
    elif tamper == "wrong secret":
        headers["X-Cronpilot-Signature"] = sign("another-secret", at, body)
    elif tamper == "body changed":
        body = b'{"version": "6.6.6"}'
    elif tamper == "timestamp changed":
        headers["X-Cronpilot-Timestamp"] = str(at - 1)
    elif tamper == "not hex":
        headers["X-Cronpilot-Signature"] = "sha256=" + "zz" * 32
    elif tamper == "v1 scheme":
        headers["X-Cronpilot-Signature"] = headers["X-Cronpilot-Signature"].replace("sha256=", "v1=")
    else:
        headers["X-Cronpilot-Signature"] = "sha256=" + "a" * 100_000

    response = await hooks.post(f"/hooks/{EVENT}", content=body, headers=headers)
    assert response.status_code == 401
    assert sqlite_store.list_runs() == []
    # Nothing was remembered either: the genuine delivery with that id still goes through.
    good = await hooks.post(f"/hooks/{EVENT}", content=b"{}", headers=signed(secret, b"{}", at=at, delivery="d-1"))
    assert good.status_code == 202


async def test_webhook_signed_for_another_event_is_refused(hooks, service, secret, listener, sqlite_store):
    other = service.create_webhook("other.event", actor=ADMIN)
    body = b"{}"
    response = await hooks.post(f"/hooks/{EVENT}", content=body, headers=signed(other, body, at=now_s(service)))
    assert response.status_code == 401 and sqlite_store.list_runs() == []


async def test_webhook_replay_is_refused_even_under_a_new_delivery_id(
    hooks, service, secret, listener, sqlite_store
):
    body = b'{"n": 1}'
    headers = signed(secret, body, at=now_s(service), delivery="delivery-1")
    first = await hooks.post(f"/hooks/{EVENT}", content=body, headers=headers)
    again = await hooks.post(f"/hooks/{EVENT}", content=body, headers=headers)
    renamed = await hooks.post(f"/hooks/{EVENT}", content=body, headers={**headers, "X-Cronpilot-Delivery": "fresh"})
    service.clock.advance(5)  # a sender's retry: re-signed, same delivery id
    retried = await hooks.post(f"/hooks/{EVENT}", content=body,
                               headers=signed(secret, body, at=now_s(service), delivery="delivery-1"))

    assert [r.status_code for r in (first, again, renamed, retried)] == [202, 409, 409, 409]
    assert len(sqlite_store.list_runs()) == 1


@pytest.mark.parametrize(("age", "status"), [(301, 401), (-301, 401), (299, 202), (-299, 202)])
async def test_webhook_timestamp_must_be_within_five_minutes(
    hooks, service, secret, listener, sqlite_store, age, status
):
    body = b"{}"
    response = await hooks.post(f"/hooks/{EVENT}", content=body,
                                headers=signed(secret, body, at=now_s(service) - age))
    assert response.status_code == status
    assert len(sqlite_store.list_runs()) == (1 if status == 202 else 0)


async def test_webhook_needs_a_delivery_id(hooks, service, secret, listener, sqlite_store):
    body = b"{}"
    headers = signed(secret, body, at=now_s(service))
    del headers["X-Cronpilot-Delivery"]
    response = await hooks.post(f"/hooks/{EVENT}", content=body, headers=headers)
    assert response.status_code == 400 and sqlite_store.list_runs() == []


async def test_webhook_for_an_unknown_event_looks_like_any_missing_page(hooks, service, secret, sqlite_store):
    body = b"{}"
    unknown = await hooks.post("/hooks/no.such.event", content=body, headers=signed(secret, body, at=now_s(service)))
    invalid = await hooks.post("/hooks/NOT%20VALID!", content=body)
    missing_page = await hooks.post("/nothing-here", content=body)
    assert unknown.status_code == invalid.status_code == missing_page.status_code == 404
    assert unknown.json() == invalid.json() == missing_page.json()
    assert EVENT not in unknown.text
    assert sqlite_store.list_runs() == []


async def test_webhook_body_over_one_mib_is_refused_before_the_signature(
    hooks, service, secret, listener, sqlite_store
):
    body = b"x" * (MAX_BODY + 1)
    declared = await hooks.post(f"/hooks/{EVENT}", content=body, headers=signed(secret, body, at=now_s(service)))

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted while read
        for _ in range(17):
            yield b"y" * 65536

    streamed = await hooks.post(f"/hooks/{EVENT}", content=chunks(), headers=signed(secret, b"", at=now_s(service)))
    assert declared.status_code == streamed.status_code == 413
    assert sqlite_store.list_runs() == []
    exactly = b"z" * MAX_BODY
    ok = await hooks.post(f"/hooks/{EVENT}", content=exactly, headers=signed(secret, exactly, at=now_s(service)))
    assert ok.status_code == 202


@pytest.mark.parametrize(
    ("body", "data"),
    [(b'{"a": 1}', {"a": 1}), (b"[1, 2]", {"value": [1, 2]}), (b'"hi"', {"value": "hi"}),
     (b"plain text", {"body": "plain text"}), (b'{"x": NaN}', {"body": '{"x": NaN}'}),
     (b"[" * 100_000, {"body": "[" * 100_000}), (b"\xff\xfe", {"body": "\ufffd\ufffd"})],
)
async def test_webhook_body_becomes_the_event_payload(
    hooks, service, secret, listener, sqlite_store, body, data
):
    response = await hooks.post(f"/hooks/{EVENT}", content=body, headers=signed(secret, body, at=now_s(service)))
    assert response.status_code == 202
    [run_id] = response.json()["runs"]
    assert sqlite_store.get_run(run_id).context == {"event": {"name": EVENT, "data": data}}


async def test_webhook_wakes_an_engine_running_in_the_process(
    hooks, service, secret, listener, make_engine
):
    engine = make_engine(None)
    started = asyncio.Event()
    engine.on_run_start = lambda run_id, scheduled_for: started.set()
    service.on_change = engine.wake
    stop = asyncio.Event()
    running = asyncio.ensure_future(engine.run_forever(stop))
    try:
        await engine.tick()  # started and idle: the next thing it does is sleep until woken
        body = b"{}"
        response = await hooks.post(f"/hooks/{EVENT}", content=body, headers=signed(secret, body, at=now_s(service)))
        assert response.status_code == 202
        await asyncio.wait_for(started.wait(), 5)  # no clock advance: the wake alone did it
    finally:
        stop.set()
        await running
        await engine.shutdown(grace=timedelta(seconds=1))


def test_webhook_signature_is_compared_in_constant_time():
    source = inspect.getsource(webhooks._refusal)
    assert "hmac.compare_digest(" in source
    assert "expected ==" not in source and "== expected" not in source


@pytest.mark.slow  # runs curl in bash against a real server
async def test_the_printed_curl_recipe_is_accepted(tmp_path):
    """What ``cronpilot hook create`` prints, pasted into a shell, against a real server."""
    store = Store(f"sqlite:///{tmp_path / 'real.db'}")
    service = Service(store, clock=SystemClock(), default_timezone="UTC",
                      secret_box=SecretBox(key_file=tmp_path / "secret.key"))
    secret = service.create_webhook(EVENT, actor=ADMIN)
    service.create_task(service.build_spec({"name": "t", "triggers": [{"kind": "event", "event": EVENT}],
                                            "action": {"kind": "noop"}}), actor=OWNER)
    server = HttpServer(build_api(extra_routers=[webhook_router(service)]), host="127.0.0.1", port=0)
    await server.start()
    try:
        script = curl_example(f"{server.url}/hooks/{EVENT}", secret) + ' -w "\\n%{http_code}"'
        done = await asyncio.to_thread(subprocess.run, ["bash", "-c", script], capture_output=True,
                                       text=True, timeout=30)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip().splitlines()[-1] == "202"
        [run] = store.list_runs()
        assert run.context == {"event": {"name": EVENT, "data": {"hello": "world"}}}
    finally:
        await server.stop()
        store.close()


async def test_webhook_whose_emit_failed_is_accepted_when_the_sender_retries(
    hooks, service, secret, listener, sqlite_store, monkeypatch
):
    """Issue 14 item 0: the delivery id used to be remembered before the emit, so a 503 left the
    sender's every retry refused as a replay and the event never fired."""
    from scheduler.errors import StoreUnavailable
    from scheduler.store import event_store

    real_emit = event_store.emit
    failures = [StoreUnavailable("the database stopped answering")]

    def emit_failing_once(*args, **kwargs):
        if failures:
            raise failures.pop()
        return real_emit(*args, **kwargs)

    monkeypatch.setattr(event_store, "emit", emit_failing_once)
    body = b'{"n": 1}'
    failed = await hooks.post(f"/hooks/{EVENT}", content=body,
                              headers=signed(secret, body, at=now_s(service), delivery="delivery-1"))
    service.clock.advance(30)  # the sender's retry: same delivery id, signed anew
    retried = await hooks.post(f"/hooks/{EVENT}", content=body,
                               headers=signed(secret, body, at=now_s(service), delivery="delivery-1"))
    again = await hooks.post(f"/hooks/{EVENT}", content=body,
                             headers=signed(secret, body, at=now_s(service), delivery="delivery-1"))

    assert [failed.status_code, retried.status_code, again.status_code] == [503, 202, 409]
    assert [r.run_id for r in sqlite_store.list_runs()] == retried.json()["runs"]
