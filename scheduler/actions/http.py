"""The ``http`` action: one request (plus at most five redirects), checked by ``netguard``.

Every hop is vetted and pinned by ``netguard`` (scheme, host, resolved address), proxies from the
environment are ignored, the whole exchange is bounded by the run's timeout, and the body is
decompressed by us with a hard output cap, so a gzip bomb never grows past
``http_max_response_bytes`` in memory.
"""

from __future__ import annotations

import asyncio
import re
import time
import zlib
from http import HTTPStatus
from typing import Any
from urllib.parse import urljoin

import httpx

from ..models import HttpAction
from . import netguard
from .base import ActionContext, ActionFailed, ActionResult

MAX_REDIRECTS = 5
CONNECT_TIMEOUT = 5.0
USER_AGENT = "cronpilot"
REPORTED_HEADERS = ("content-type", "content-length", "content-encoding", "location", "etag",
                    "last-modified", "retry-after")
# Framing and routing are ours: a task-set Host could reach another virtual host on the pinned
# address, and Content-Length/Transfer-Encoding could desynchronise the request.
FORBIDDEN_HEADERS = frozenset({"host", "content-length", "transfer-encoding", "connection"})
CROSS_ORIGIN_DROPPED = ("authorization", "proxy-authorization", "cookie")
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")


async def run(action: HttpAction, ctx: ActionContext) -> ActionResult:
    """Send the request; non-2xx → ``ok=False``. Raises ``ActionFailed`` for refusals (SSRF guard,
    bad headers), too many redirects, network errors and the timeout (``ctx.timeout``, total)."""
    allow = netguard.Allowlist(ctx.config.http_allowed_hosts)
    headers = _request_headers(action.headers, ctx.idempotency_key)
    seconds = ctx.timeout.total_seconds()
    try:
        async with asyncio.timeout(seconds):
            return await _exchange(action, headers, allow, ctx, time.monotonic(), seconds)
    except (TimeoutError, httpx.TimeoutException):
        raise ActionFailed(f"the request did not finish within {seconds:g} s") from None
    except httpx.HTTPError as exc:
        raise ActionFailed(f"the request failed: {exc}") from None


def _request_headers(given: dict[str, str], idempotency_key: str) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in given.items():
        if not _TOKEN.match(name):
            raise ActionFailed(f"the header name {name!r} is not valid")
        if any((ord(ch) < 32 and ch != "\t") or ord(ch) == 127 for ch in value):
            raise ActionFailed(f"the header {name} contains a line break or control character")
        if name.lower() in FORBIDDEN_HEADERS:
            raise ActionFailed(f"the {name} header is set by cronpilot and can't be overridden")
        headers[name] = value
    present = {name.lower() for name in headers}
    if idempotency_key and "idempotency-key" not in present:
        headers["Idempotency-Key"] = idempotency_key
    if "accept-encoding" not in present:
        headers["Accept-Encoding"] = "gzip, deflate"  # the encodings we can decode with a cap
    if "user-agent" not in present:
        headers["User-Agent"] = USER_AGENT
    return headers


async def _exchange(
    action: HttpAction,
    headers: dict[str, str],
    allow: netguard.Allowlist,
    ctx: ActionContext,
    started: float,
    seconds: float,
) -> ActionResult:
    method: str = action.method
    url, body = action.url, action.body
    previous: netguard.Target | None = None
    for hop in range(MAX_REDIRECTS + 1):
        try:
            target = await netguard.check_url(url, allow)
        except netguard.Refused as exc:
            if previous is None:
                raise
            raise ActionFailed(f"refused the redirect from {previous.host} to {url}: "
                               f"{exc.reason}") from None
        if previous is not None and previous.origin != target.origin:
            headers, body = _for_another_origin(headers, body, ctx, target)
        remaining = max(seconds - (time.monotonic() - started), 0.001)
        timeout = httpx.Timeout(remaining, connect=min(CONNECT_TIMEOUT, remaining))
        transport = netguard.PinnedTransport({target.host: target.addresses})
        async with httpx.AsyncClient(transport=transport, trust_env=False, timeout=timeout,
                                     follow_redirects=False) as client:
            content = body.encode() if body is not None else None
            request = client.build_request(method, target.url, headers=headers, content=content)
            response = await client.send(request, stream=True)
            try:
                location = response.headers.get("location")
                if response.is_redirect and location is not None:
                    url = _next_url(target, location)
                    method, body, headers = _redirected(response.status_code, method, body,
                                                        headers)
                    previous = target
                    continue
                data, truncated = await _read_capped(response, ctx.config.http_max_response_bytes)
            finally:
                await response.aclose()
        return _result(response, data, truncated, ctx, target, hop, started)
    raise ActionFailed(f"too many redirects (more than {MAX_REDIRECTS}); stopped at {url}")


def _for_another_origin(
    headers: dict[str, str], body: str | None, ctx: ActionContext, target: netguard.Target
) -> tuple[dict[str, str], str | None]:
    """Credentials stay with the origin the task named: the usual ones are dropped, and so is
    any header carrying one of the run's secrets; a body carrying one stops the redirect."""
    secrets = ctx.secrets
    if body is not None and secrets and secrets.text(body) != body:
        raise ActionFailed(f"refused the redirect to {target.host}: the request body holds a "
                           "secret meant for the original host")
    kept = {k: v for k, v in headers.items() if k.lower() not in CROSS_ORIGIN_DROPPED}
    if secrets:
        kept = {k: v for k, v in kept.items() if secrets.text(v) == v}
    return kept, body


def _next_url(current: netguard.Target, location: str) -> str:
    # Check the raw header before joining: urljoin would happily keep a backslash trick.
    if any(ch == "\\" or ch.isspace() or ord(ch) < 32 for ch in location):
        raise ActionFailed(f"refused the redirect from {current.host}: the Location header "
                           "contains a backslash, a space or a control character")
    return urljoin(current.url, location)


def _redirected(
    status: int, method: str, body: str | None, headers: dict[str, str]
) -> tuple[str, str | None, dict[str, str]]:
    """Method and body for the next hop, as browsers and httpx do it (RFC 9110 §15.4)."""
    if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
        dropped = ("content-type",)
        return "GET", None, {k: v for k, v in headers.items() if k.lower() not in dropped}
    return method, body, headers


async def _read_capped(response: httpx.Response, cap: int) -> tuple[bytes, bool]:
    """Up to ``cap`` bytes of the decoded body and whether there was more. Decoding is ours
    (not httpx's) so that no decompressed chunk is ever larger than what is left of the cap."""
    encoding = response.headers.get("content-encoding", "").strip().lower()
    if encoding in ("gzip", "x-gzip"):
        decoder: _Inflater | None = _Inflater(16 + zlib.MAX_WBITS)
    elif encoding == "deflate":
        decoder = _Inflater(zlib.MAX_WBITS, raw_fallback=True)
    else:
        decoder = None  # identity; or an encoding we did not ask for, kept as received
    out = bytearray()
    async for chunk in response.aiter_raw():
        room = cap + 1 - len(out)  # one byte past the cap tells us there is more
        out += decoder.feed(chunk, room) if decoder else chunk[:room]
        if len(out) > cap:
            return bytes(out[:cap]), True
    return bytes(out), False


class _Inflater:
    """zlib with a per-call output bound. Like httpx, only the first gzip member is read."""

    def __init__(self, wbits: int, *, raw_fallback: bool = False):
        self._raw_fallback = raw_fallback  # "deflate" is sometimes sent without the zlib header
        self._obj = zlib.decompressobj(wbits)
        self._started = False

    def feed(self, data: bytes, room: int) -> bytes:
        out = bytearray()
        while data and len(out) < room and not self._obj.eof:
            try:
                piece = self._obj.decompress(data, room - len(out))
            except zlib.error as exc:
                if self._raw_fallback and not self._started:
                    self._raw_fallback, self._obj = False, zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                raise ActionFailed(f"the response body could not be decompressed: {exc}") from None
            self._started = True
            out += piece
            data = self._obj.unconsumed_tail
        return bytes(out)


def _result(
    response: httpx.Response,
    body: bytes,
    truncated: bool,
    ctx: ActionContext,
    target: netguard.Target,
    redirects: int,
    started: float,
) -> ActionResult:
    charset = response.charset_encoding or "utf-8"
    try:
        text = body.decode(charset, errors="replace")
    except LookupError:  # an unknown charset name from the server
        text = body.decode("utf-8", errors="replace")
    ctx.output.write("stdout", text.encode("utf-8"))
    cap = ctx.config.http_max_response_bytes
    if truncated:
        ctx.output.write("stdout", f"\n[… response body truncated at {cap} bytes]\n".encode())
    status = response.status_code
    data: dict[str, Any] = {
        "status": status,
        "headers": {k: response.headers[k] for k in REPORTED_HEADERS if k in response.headers},
        "elapsed_ms": round((time.monotonic() - started) * 1000),
        "url": target.display_url,
        "redirects": redirects,
        "bytes": len(body),
        "truncated": truncated,
    }
    if 200 <= status < 300:
        return ActionResult(ok=True, summary=f"HTTP {status}", data=data)
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = response.reason_phrase
    return ActionResult(ok=False, summary=f"HTTP {status}", data=data,
                        error=f"HTTP {status} {phrase}".rstrip())
