"""``/api/v1`` under abuse, through a real uvicorn server: bodies over the cap are refused while
they stream (413, with or without a Content-Length), deep JSON is 400 before any parse, a token
past its rate gets 429 with Retry-After (another token is unaffected), and a fuzz of odd requests
never gets a 500. Also the OpenAPI document and the docs page, which loads nothing from
another host."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.api import ApiLimits, api_app, api_router
from connectors.bounded import BoundedBody, nests_deeper_than
from connectors.web import HttpServer, build_api
from scheduler.clock import FakeClock
from scheduler.service import Actor, Role, Service
from scheduler.store import Store

ADMIN = Actor("boss", Role.ADMIN)


@pytest.fixture
def api_store(tmp_path: Path) -> Iterator[Store]:
    store = Store(f"sqlite:///{tmp_path / 'api.db'}")
    yield store
    store.close()


@pytest.fixture
async def served(api_store: Store, clock: FakeClock) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str], Service]]:
    service = Service(api_store, clock=clock)
    api_store.add_identity("cli", "boss", role="admin", now=clock.now(), user_id="boss")
    api_store.add_identity("slack", "UMAX", role="member", now=clock.now())
    tokens = {who: service.create_token(who, actor=ADMIN)[1] for who in ("boss", "slack:UMAX")}
    limits = ApiLimits(rate="5/minute", max_body=4096, max_depth=8)
    server = HttpServer(build_api([api_router(service, limits)]), host="127.0.0.1", port=0)
    await server.start()
    try:
        async with httpx.AsyncClient(base_url=f"{server.url}/api/v1", timeout=30) as client:
            yield client, tokens, service
    finally:
        await server.stop()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _stream_unbounded(url: str, path: str, token: str, *, total: int) -> tuple[bytes, int]:
    """POST a chunked body of up to ``total`` bytes over a raw socket, reading the answer while
    writing: (the response head, bytes written before it came)."""
    parsed = httpx.URL(url)
    reader, writer = await asyncio.open_connection(parsed.host, parsed.port)
    writer.write((f"POST {path} HTTP/1.1\r\nHost: {parsed.host}\r\nAuthorization: Bearer {token}\r\n"
                  "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").encode())
    written = 0

    async def pump() -> None:
        nonlocal written
        chunk = b" " * 65536
        with contextlib.suppress(ConnectionError):
            while written < total:
                writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                await writer.drain()
                written += len(chunk)

    pumping = asyncio.ensure_future(pump())
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
    finally:
        pumping.cancel()
        with contextlib.suppress(BaseException):
            await pumping
        writer.close()
    return head, written


async def test_api_refuses_a_large_body_while_it_streams(served) -> None:
    client, tokens, service = served
    total = 64 * 1024 * 1024
    head, written = await _stream_unbounded(str(client.base_url), "/api/v1/tasks", tokens["boss"], total=total)
    assert head.startswith(b"HTTP/1.1 413"), head
    assert written < total  # refused long before the end: nothing waited for the whole body
    declared = await client.post("/tasks", content=b"x" * 5000, headers={
        **_bearer(tokens["boss"]), "content-type": "application/json"})
    assert declared.status_code == 413 and "4096 bytes" in declared.json()["detail"]
    assert service.list_tasks() == []


async def test_api_refuses_deep_json_before_parsing_it(served) -> None:
    client, tokens, _ = served
    deep = b'{"name": "x", "action": {"kind": "noop"}, "description": ' + b"[" * 9 + b"]" * 9 + b"}"
    answer = await client.post("/tasks", content=deep, headers={
        **_bearer(tokens["boss"]), "content-type": "application/json"})
    assert answer.status_code == 400 and "deeper than 8" in answer.json()["detail"]
    hostile = b"[" * 3000  # would recurse in a parser
    answer = await client.post("/tasks", content=hostile, headers={
        **_bearer(tokens["boss"]), "content-type": "application/json"})
    assert answer.status_code == 400


async def test_api_rate_limit_is_per_token_with_retry_after(served) -> None:
    client, tokens, _ = served
    statuses = [(await client.get("/me", headers=_bearer(tokens["slack:UMAX"]))).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    limited = await client.get("/me", headers=_bearer(tokens["slack:UMAX"]))
    assert limited.status_code == 429 and 1 <= int(limited.headers["retry-after"]) <= 60
    assert (await client.get("/me", headers=_bearer(tokens["boss"]))).status_code == 200


def test_json_depth_is_counted_on_the_bytes() -> None:
    assert not nests_deeper_than(b'{"a": "[[[[[[[[[[[[", "b": [1, {"c": [2]}]}', 4)
    assert nests_deeper_than(b'{"a": [1, {"c": [2]}]}', 3)
    assert not nests_deeper_than(b'"\\"[[[[\\""', 0)
    assert nests_deeper_than(b"[" * 100_000, 32)
    assert not nests_deeper_than(b"[]" * 100_000, 1)


async def test_bounded_body_serves_any_asgi_app() -> None:
    async def echo(scope, receive, send) -> None:  # a bare ASGI app, as another route may be
        body = (await receive())["body"]
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})

    app = BoundedBody(echo, max_bytes=10, max_depth=1)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        assert (await client.post("/", content=b"0123456789")).content == b"0123456789"
        assert (await client.post("/", content=b"0123456789A")).status_code == 413
        assert (await client.post("/", content=b"[[1]]", headers={"content-type": "application/json"})).status_code == 400
        bad = await client.post("/", content=b'["\xff"]', headers={"content-type": "application/json"})
        assert bad.status_code == 400


@pytest.mark.slow  # a hypothesis fuzz over the API
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    method=st.sampled_from(["GET", "POST", "PATCH", "DELETE"]),
    path=st.sampled_from(["/tasks", "/tasks/{x}", "/tasks/{x}/run", "/tasks/{x}/pause", "/runs",
                          "/runs/{x}", "/runs/{x}/log", "/runs/{x}/cancel", "/workflows/{x}",
                          "/audit", "/people", "/me"]),
    x=st.text(max_size=30).filter(lambda t: "/" not in t and "?" not in t and "#" not in t),
    body=st.one_of(st.binary(max_size=300), st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
        max_leaves=20).map(lambda v: json.dumps(v).encode())),
    query=st.dictionaries(st.sampled_from(["status", "limit", "since", "task", "owner", "fires", "tail_bytes"]),
                          st.text(max_size=20), max_size=3),
)
def test_api_fuzz_never_answers_500(api_store: Store, clock: FakeClock, method, path, x, body, query) -> None:
    client, token = _fuzz_client(api_store, clock)
    answer = client.request(method, path.replace("{x}", quote(x, safe="")), params=query, content=body,
                            headers={**_bearer(token), "content-type": "application/json"})
    assert answer.status_code < 500, (method, path, x, body, answer.text)
    if answer.status_code >= 400:
        detail = answer.json()["detail"]
        assert isinstance(detail, str) and "\n" not in detail


_FUZZ: dict[int, tuple[TestClient, str]] = {}


def _fuzz_client(store: Store, clock: FakeClock) -> tuple[TestClient, str]:
    """One app and token per store for all of hypothesis' examples (fixtures run once)."""
    if id(store) not in _FUZZ:
        _FUZZ.clear()
        service = Service(store, clock=clock)
        store.add_identity("cli", "boss", role="admin", now=clock.now(), user_id="boss")
        token = service.create_token("boss", actor=ADMIN)[1]
        _FUZZ[id(store)] = (TestClient(api_app(service, ApiLimits(rate="100000/minute"))), token)
    return _FUZZ[id(store)]


async def test_openapi_document_and_offline_docs_page(served) -> None:
    client, _, _ = served
    doc = (await client.get("/openapi.json")).json()
    assert doc["openapi"].startswith("3.") and doc["info"]["title"] == "cronpilot API"
    assert doc["servers"] == [{"url": "/api/v1"}]
    assert "HTTPBearer" in doc["components"]["securitySchemes"]
    for path in ("/tasks", "/tasks/{ref}", "/tasks/{ref}/run", "/tasks/{ref}/approve", "/tasks/{ref}/reject", "/runs", "/runs/{run_id}/log",
                 "/runs/{run_id}/cancel", "/workflows", "/workflows/{ref}/run", "/audit", "/people", "/me"):
        assert path in doc["paths"], path
    create = doc["paths"]["/tasks"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert create["$ref"].endswith("/TaskBody")
    for operations in doc["paths"].values():
        for op in operations.values():
            assert op["responses"] and op.get("security") == [{"HTTPBearer": []}], op
    _check_refs(doc, doc)
    page = await client.get("/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert not re.search(r"https?://", page.text), "the docs page names another host"
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text) + re.findall(r"url: '([^']+)'", page.text)
    assert sources and all(s.startswith("/api/v1/") for s in sources), sources
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png", "LICENSE"):
        got = await client.get(f"/docs/assets/{asset}")
        assert got.status_code == 200 and len(got.content) > 100, asset
    assert (await client.get("/docs/assets/..%2Fdocs.py")).status_code == 404


def _check_refs(node: object, doc: dict) -> None:
    """Every $ref in the document points at something it defines (a valid document's minimum)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            target: object = doc
            for part in ref.removeprefix("#/").split("/"):
                assert isinstance(target, dict) and part in target, ref
                target = target[part]
        for value in node.values():
            _check_refs(value, doc)
    elif isinstance(node, list):
        for value in node:
            _check_refs(value, doc)


def test_a_bug_behind_a_route_is_one_logged_line_not_a_traceback(
    api_store: Store, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    service = Service(api_store, clock=clock)
    api_store.add_identity("cli", "boss", role="admin", now=clock.now(), user_id="boss")
    token = service.create_token("boss", actor=ADMIN)[1]

    def broken(**_: object) -> list[object]:
        raise RuntimeError("a bug with /secret/path in it")

    service.list_people = broken  # type: ignore[method-assign]
    with TestClient(api_app(service), raise_server_exceptions=False) as client:
        answer = client.get("/people", headers=_bearer(token))
    assert answer.status_code == 500
    assert answer.json() == {"detail": "internal error; the server log has the details"}
    assert "RuntimeError" in caplog.text and "/secret/path" not in answer.text


async def test_the_rate_is_counted_per_serve_process_as_documented(api_store: Store, clock: FakeClock) -> None:
    """docs/api.md, "Rate limit with several serve processes": two API apps over one database
    (two serve processes) each count only their own calls, so one token gets the rate from each;
    each still refuses past it."""
    service = Service(api_store, clock=clock)
    api_store.add_identity("slack", "UMAX", role="member", now=clock.now())
    token = service.create_token("slack:UMAX", actor=ADMIN)[1]
    limits = ApiLimits(rate="3/minute")
    servers = [HttpServer(build_api([api_router(service, limits)]), host="127.0.0.1", port=0) for _ in range(2)]
    for server in servers:
        await server.start()
    try:
        statuses = []
        for server in servers:
            async with httpx.AsyncClient(base_url=f"{server.url}/api/v1", timeout=30) as client:
                statuses.append([(await client.get("/me", headers=_bearer(token))).status_code for _ in range(4)])
        assert statuses == [[200, 200, 200, 429], [200, 200, 200, 429]]  # 2 processes: 2 × the rate in all
    finally:
        for server in servers:
            await server.stop()
