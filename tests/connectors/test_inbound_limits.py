"""Every inbound HTTP route is bounded (issue 14, item 4): bodies are counted while they stream
(413, never held whole), Slack's signature is checked before its JSON is parsed, and malformed
or absurdly nested JSON is a 400, never a 500. A hypothesis fuzz over each route asserts no 5xx.

Requests go through ``httpx.ASGITransport``, which streams a generator body chunk by chunk and
re-raises any exception the app lets escape, so a 500 can't hide behind a caught error."""

from __future__ import annotations

import asyncio
import json
import time
import tracemalloc
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from fakes.slack_api import SIGNING_SECRET, event_body, mention, signed_headers
from fakes.telegram_api import WEBHOOK_SECRET
from fastapi import APIRouter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from connectors.inbound import BadJson, json_depth, load_json
from connectors.slack.http import slack_router
from connectors.telegram.http import telegram_router
from connectors.web import build_api
from connectors.webhooks import sign, webhook_router
from scheduler.service import Actor, Role, Service

ADMIN = Actor("root", Role.ADMIN)
EVENT = "deploy.finished"
MiB = 1024 * 1024
CHUNK = b"x" * 65536


class Item(BaseModel):
    name: str


def api_router() -> APIRouter:
    """A route parsing its body with FastAPI's own model binding, under a checked prefix."""
    router = APIRouter()

    @router.post("/api/v1/items")
    async def create(item: Item) -> dict[str, str]:
        return {"name": item.name}

    return router


@pytest.fixture
async def everything(service: Service, slack, telegram) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    secret = service.create_webhook(EVENT, actor=ADMIN)
    api = build_api([slack_router(slack), telegram_router(telegram)],
                    extra_routers=[webhook_router(service), api_router()], json_prefixes=("/api/",))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api), base_url="http://cronpilot") as client:
        yield client, secret


def hook_headers(secret: str, body: bytes, service: Service) -> dict[str, str]:
    at = int(service.clock.now().timestamp())
    return {"X-Cronpilot-Timestamp": str(at), "X-Cronpilot-Signature": sign(secret, at, body),
            "X-Cronpilot-Delivery": f"d-{time.monotonic_ns()}"}


async def chunked(total: int) -> AsyncIterator[bytes]:
    """``total`` bytes with no Content-Length, the same chunk object over and over (so any memory
    the test sees growing is the server's)."""
    for _ in range(total // len(CHUNK)):
        yield CHUNK


ROUTES: dict[str, Callable[[str, Service], dict[str, str]]] = {
    "/slack/events": lambda secret, service: {},  # unsigned: the case that used to be parsed
    "/telegram/webhook": lambda secret, service: {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
    f"/hooks/{EVENT}": lambda secret, service: hook_headers(secret, b"", service),
    "/api/v1/items": lambda secret, service: {"content-type": "application/json"},
}


@pytest.mark.parametrize("path", list(ROUTES))
async def test_a_big_chunked_body_is_refused_with_413_without_being_held(everything, service, path):
    client, secret = everything
    tracemalloc.start()
    try:
        response = await client.post(path, content=chunked(50 * MiB), headers=ROUTES[path](secret, service))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 413
    assert peak < 8 * MiB, f"{path} held {peak / MiB:.1f} MiB of a 50 MiB body"
    assert service.list_tasks() == [] or path != "/slack/events"


@pytest.mark.parametrize("path", list(ROUTES))
async def test_a_declared_length_over_the_cap_or_not_a_number_is_refused_before_reading(everything, service, path):
    client, secret = everything
    headers = ROUTES[path](secret, service)
    over = await client.post(path, content=b"x" * (MiB + 1), headers=headers)
    lying = await client.post(path, content=b"{}", headers={**headers, "content-length": "abc"})
    assert (over.status_code, lying.status_code) == (413, 400)


async def test_slack_checks_the_signature_before_parsing(everything, slack_api, service):
    client, _ = everything
    for body in ("{not json", "[" * 100_000, '{"a": NaN}'):
        unsigned = await client.post("/slack/events", content=body, headers={"content-type": "application/json"})
        assert unsigned.status_code == 401
    assert slack_api.called("auth.test") == []


@pytest.mark.parametrize(
    ("body", "content_type"),
    [("{not json", "application/json"), ("[" * 100_000, "application/json"),
     ('{"a":' * 200 + "1" + "}" * 200, "application/json"), ("[1, 2]", "application/json"),
     ("payload=%7Bnot+json", "application/x-www-form-urlencoded"),
     ("payload=" + "%5B" * 50_000, "application/x-www-form-urlencoded")],
)
async def test_slack_signed_but_malformed_or_too_deep_is_400(everything, slack_api, body, content_type):
    client, _ = everything
    headers = signed_headers(body, content_type=content_type)
    response = await client.post("/slack/events", content=body, headers=headers)
    assert response.status_code == 400
    assert slack_api.called("auth.test") == []


async def test_slack_signed_body_that_is_not_utf8_is_400(everything):
    client, _ = everything
    body = b'{"text": "\xff\xfe"}'
    ts = str(int(time.time()))
    import hashlib
    import hmac

    digest = hmac.new(SIGNING_SECRET.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    headers = {"content-type": "application/json", "x-slack-request-timestamp": ts,
               "x-slack-signature": f"v0={digest}"}
    assert (await client.post("/slack/events", content=body, headers=headers)).status_code == 400


async def test_slack_signed_good_event_still_works(everything, slack, slack_api):
    client, _ = everything
    body = event_body(mention("list my tasks", ts="5.0"))
    response = await client.post("/slack/events", content=body, headers=signed_headers(body))
    assert response.status_code == 200
    await slack.drain()
    assert len(slack_api.posts()) == 1


@pytest.mark.parametrize("body", [b"[" * 100_000, b'{"update_id":' + b"[" * 500 + b"]" * 500 + b"}",
                                  b"{broken", b'{"update_id": NaN}', b"\xff"])
async def test_telegram_malformed_or_too_deep_is_400(everything, body):
    client, _ = everything
    headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET, "content-type": "application/json"}
    assert (await client.post("/telegram/webhook", content=body, headers=headers)).status_code == 400


@pytest.mark.parametrize("body", [b"[" * 100_000, b'{"name": ' + b"[" * 70 + b"]" * 70 + b"}", b"{", b'{"name": NaN}'])
async def test_an_api_route_gets_json_depth_and_syntax_checked(everything, body):
    client, _ = everything
    response = await client.post("/api/v1/items", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    ok = await client.post("/api/v1/items", json={"name": "fine"})
    assert ok.status_code == 200 and ok.json() == {"name": "fine"}


def test_load_json_refuses_what_would_crash_a_parser_and_keeps_the_rest():
    assert load_json(b'{"a": [1, {"b": null}]}') == {"a": [1, {"b": None}]}
    assert json_depth({"a": [1, {"b": None}]}) == 3
    assert load_json("[" * 64 + "]" * 64) is not None
    for bad in ("[" * 65 + "]" * 65, "[" * 1_000_000, "{", "NaN", "[Infinity]", b"\xff", ""):
        with pytest.raises(BadJson):
            load_json(bad)


# --- the fuzz ----------------------------------------------------------------------------------

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
_header_text = st.text(st.characters(min_codepoint=32, max_codepoint=255, exclude_characters="\x7f"), max_size=40)
_bodies = st.one_of(
    st.binary(max_size=2000),
    st.text(max_size=500).map(str.encode),
    _json.map(lambda v: json.dumps(v).encode()),
    st.builds(lambda n, open_: (open_ * n).encode(), st.integers(0, 5000), st.sampled_from(["[", "{\"a\":", "[{\"b\":"])),
    st.dictionaries(st.sampled_from(["update_id", "message", "event", "type", "payload", "team_id", "callback_query",
                                     "team", "authorizations", "api_app_id", "user", "view", "edited_message"]),
                    _json, max_size=5).map(lambda v: json.dumps(v).encode()),
)
_content_types = st.sampled_from(["application/json", "application/x-www-form-urlencoded", "text/plain", "",
                                  "application/json; charset=utf-8", "Application/JSON"])


@pytest.mark.slow  # a hypothesis fuzz over every route
@pytest.mark.timeout(600)
async def test_fuzz_no_route_ever_answers_5xx(everything, service, slack, telegram):
    client, secret = everything
    loop = asyncio.get_running_loop()
    seen: list[tuple[str, int]] = []

    def post(path: str, body: bytes, headers: dict[str, str]) -> int:
        future = asyncio.run_coroutine_threadsafe(client.post(path, content=body, headers=headers), loop)
        return future.result(timeout=60).status_code

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(path=st.sampled_from(["/slack/events", "/telegram/webhook", f"/hooks/{EVENT}", "/api/v1/items"]),
           body=_bodies, content_type=_content_types, authentic=st.booleans(),
           odd_headers=st.dictionaries(st.sampled_from(["x-slack-request-timestamp", "x-slack-signature",
                                                        "x-cronpilot-timestamp", "x-cronpilot-signature",
                                                        "x-cronpilot-delivery", "idempotency-key"]),
                                       _header_text, max_size=3))
    def one(path: str, body: bytes, content_type: str, authentic: bool, odd_headers: dict[str, str]) -> None:
        headers: dict[str, Any] = {"content-type": content_type} if content_type else {}
        if authentic:  # signed right, so the body reaches the parsers behind the signature
            if path == "/slack/events":
                headers.update(_slack_signed(body, content_type))
            elif path == "/telegram/webhook":
                headers["X-Telegram-Bot-Api-Secret-Token"] = WEBHOOK_SECRET
            elif path.startswith("/hooks/"):
                headers.update(hook_headers(secret, body, service))
        else:
            headers.update({k: v.encode("latin-1") for k, v in odd_headers.items()})
        status = post(path, body, headers)
        seen.append((path, status))
        assert status < 500, (path, body[:200], headers, status)

    await asyncio.to_thread(one)
    await slack.drain()
    await telegram.drain()
    assert {p for p, _ in seen} == {"/slack/events", "/telegram/webhook", f"/hooks/{EVENT}", "/api/v1/items"}
    assert any(s < 300 for _, s in seen) and any(s == 400 for _, s in seen)


def _slack_signed(body: bytes, content_type: str) -> dict[str, str]:
    import hashlib
    import hmac

    ts = str(int(time.time()))
    digest = hmac.new(SIGNING_SECRET.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return {"x-slack-request-timestamp": ts, "x-slack-signature": f"v0={digest}"}

