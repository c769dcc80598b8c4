"""``POST /hooks/{event}``: an outside system fires an event, signed with that event's secret.

The sender signs ``f"{timestamp}.".encode() + raw_body`` with HMAC-SHA256 and the secret from
``cronpilot hook create EVENT``, and sends::

    X-Cronpilot-Timestamp: <unix seconds>           within 5 minutes of our clock
    X-Cronpilot-Signature: sha256=<hex digest>
    X-Cronpilot-Delivery:  <unique id, at most 200 characters>

Checked in this order, nothing parsed or stored before the signature holds: the event name
(unknown → 404, the same body as any missing page), the declared size, then the body read
with a cap (over 1 MiB → 413), the timestamp and signature (→ 401, compared in constant
time), then replay (→ 409). The delivery id and signature are remembered in the transaction
that creates the runs, so a delivery that failed (503) leaves nothing behind and its retry
fires. A delivery id is accepted once; so is a signature, because the
delivery id is not signed: a captured request replayed under a fresh id within the window
is refused by its signature. Two deliveries with the same timestamp and body are one delivery.

A good delivery emits the event as the actor ``webhook:<event>`` (member role, audited; it can
do nothing but emit that event) and answers 202 ``{"runs": [run ids]}``. The service's
``on_change`` wakes an engine running in this process.

The body: a JSON object is the payload, other JSON becomes ``{"value": …}``, anything else
``{"body": text}``. Templates read it as ``{{ event.data }}``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import re
import time
from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from scheduler.errors import Conflict, CronpilotError, StoreUnavailable
from scheduler.service import Actor, Role, Service
from scheduler.sources.payloads import body_payload
from scheduler.triggers.event import check_event_name

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024
WINDOW = timedelta(minutes=5)
DELIVERY_ID_LIMIT = 200  # the webhook_deliveries column
# Delivery ids are remembered this long (a sender may retry a delivery for days, re-signed);
# older ones are forgotten at most once per FORGET_EVERY.
REMEMBER = timedelta(days=7)
FORGET_EVERY = 3600.0
TIMESTAMP = "x-cronpilot-timestamp"
SIGNATURE = "x-cronpilot-signature"
DELIVERY = "x-cronpilot-delivery"

_NOT_FOUND = {"detail": "Not Found"}  # what FastAPI answers for any unknown path
_UNSIGNED = {"detail": "the signature or timestamp is missing or invalid"}


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """The ``X-Cronpilot-Signature`` value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def webhook_router(service: Service, *, max_body: int = MAX_BODY) -> APIRouter:
    """The router; times are checked against ``service.clock``."""
    router = APIRouter()
    forgotten_at = [time.monotonic()]

    @router.post("/hooks/{event:path}", status_code=202)
    async def receive(event: str, request: Request) -> JSONResponse:
        try:
            name = check_event_name(event)
        except ValueError:
            return JSONResponse(_NOT_FOUND, status_code=404)
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_body:
            return _too_large(max_body)
        try:
            secret = await asyncio.to_thread(service.webhook_secret, name)
        except CronpilotError as exc:  # the key changed: say so in the log, not to the sender
            log.error("webhook %s can't be checked: %s", name, exc, extra={"event": name})
            return JSONResponse({"detail": "this webhook is unavailable"}, status_code=503)
        if secret is None:
            return JSONResponse(_NOT_FOUND, status_code=404)
        body = await _read_capped(request, max_body)
        if body is None:
            return _too_large(max_body)
        refusal = _refusal(request, secret, body, now=service.clock.now().timestamp())
        if refusal is not None:
            log.info("webhook %s refused: %s", name, refusal, extra={"event": name})
            return JSONResponse(_UNSIGNED, status_code=401)
        delivery = request.headers.get(DELIVERY, "").strip()
        if not delivery or len(delivery) > DELIVERY_ID_LIMIT:
            return JSONResponse({"detail": f"send a unique {DELIVERY} header of 1 to "
                                           f"{DELIVERY_ID_LIMIT} characters"}, status_code=400)
        signature = request.headers[SIGNATURE].strip().lower()
        # An admin made this event's secret: a signed delivery fires every task listening to it,
        # as an admin's emit would (a member's emit fires only their own tasks).
        actor = Actor(f"webhook:{name}", Role.ADMIN, origin={"via": "webhook"})
        try:
            # The delivery id is remembered in the transaction that creates the runs: a failed
            # emit (503) remembers nothing, so the sender's retry is not taken for a replay.
            released = await asyncio.to_thread(
                service.emit, name, body_payload(body), actor=actor, caused_by_run_id=_calling_run(request),
                delivery=(delivery, signature),
            )
        except Conflict:
            return JSONResponse({"detail": "this delivery was already received"}, status_code=409)
        except CronpilotError as exc:
            return JSONResponse({"detail": str(exc)}, status_code=503 if isinstance(exc, StoreUnavailable) else 400)
        if time.monotonic() - forgotten_at[0] > FORGET_EVERY:
            forgotten_at[0] = time.monotonic()
            before = service.clock.now() - REMEMBER
            await asyncio.to_thread(service.forget_deliveries, before=before)
        return JSONResponse({"runs": [r.run_id for r in released.runs]}, status_code=202)

    return router


def _too_large(limit: int) -> JSONResponse:
    return JSONResponse({"detail": f"the body is over {limit} bytes"}, status_code=413)


async def _read_capped(request: Request, limit: int) -> bytes | None:
    """The raw body, or None as soon as it passes ``limit`` bytes (a lying or absent
    Content-Length can't make us buffer more)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _refusal(request: Request, secret: str, body: bytes, *, now: float) -> str | None:
    """Why the request is not authentic, or None when it is."""
    stamp = request.headers.get(TIMESTAMP, "").strip()
    given = request.headers.get(SIGNATURE, "").strip().lower()
    if not stamp or not given:
        return "missing timestamp or signature"
    if not stamp.isdigit() or len(stamp) > 12:
        return "the timestamp is not unix seconds"
    if abs(now - int(stamp)) > WINDOW.total_seconds():
        return "the timestamp is outside the 5-minute window"
    expected = sign(secret, stamp, body)
    # Constant time over bytes: a header may carry any latin-1 text, and compare_digest on str
    # accepts ASCII only.
    if not hmac.compare_digest(expected.encode(), given.encode("latin-1", "replace")):
        return "the signature does not match"
    return None


__all__ = ["MAX_BODY", "sign", "webhook_router"]


_RUN_KEY = re.compile(r"^cronpilot-run-(\d{1,18})$")


def _calling_run(request: Request) -> int | None:
    """A cronpilot http action sends ``Idempotency-Key: cronpilot-run-<id>``: the event it
    causes continues that run's causal chain, so a task calling its own webhook is cut off
    by the chain limit instead of looping (the request is already signed at this point)."""
    match = _RUN_KEY.match(request.headers.get("idempotency-key", ""))
    return int(match.group(1)) if match else None
