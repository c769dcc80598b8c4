"""Who is calling ``/api/v1``: the bearer token's person (their role as it is now), and whether
their token has calls left in its rate window.

No or a bad ``Authorization`` header → 401 with ``WWW-Authenticate: Bearer`` (RFC 6750); past
the rate → 429 with ``Retry-After`` in whole seconds. The rate is kept per token in this
process's memory (``limits``' moving window): several ``serve`` processes each allow it, so N
of them allow a token up to N × the rate (docs/api.md says so and what to do about it; a count
in the database would cost a write per call on the engine's database).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from scheduler.errors import InvalidRequest
from scheduler.service import Actor, Service

from .shapes import NextFires

REALM = 'Bearer realm="cronpilot"'


class RateLimit:
    """``"120/minute"`` per key (a token id); ``check`` says how long to wait, or 0."""

    def __init__(self, rate: str) -> None:
        try:
            self.item: RateLimitItem = parse(rate)
        except ValueError:
            raise InvalidRequest(f"can't read the API rate {rate!r}; use e.g. 120/minute") from None
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def check(self, key: str) -> int:
        """Count one call for ``key``; seconds to wait when it is over the rate (else 0)."""
        if self.limiter.hit(self.item, key):
            return 0
        reset_at = self.limiter.get_window_stats(self.item, key).reset_time
        return max(1, math.ceil(reset_at - time.time()))


@dataclass(frozen=True)
class ApiState:
    """What every route reads from ``request.app.state.api``."""

    service: Service
    rate: RateLimit
    fires: NextFires


def state_of(request: Request) -> ApiState:
    state: ApiState = request.app.state.api
    return state


def _unauthorized(detail: str, *, error: str | None = None) -> HTTPException:
    challenge = f'{REALM}, error="{error}"' if error else REALM
    return HTTPException(401, detail, headers={"WWW-Authenticate": challenge})


# Declares the scheme in the OpenAPI document (the docs page's "Authorize" button); the header
# itself is read below, so each kind of refusal gets its own RFC 6750 answer.
_BEARER = HTTPBearer(auto_error=False, description="A token from `cronpilot token create`")


def caller(
    request: Request, _declared: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)] = None,
) -> Actor:
    """The calling person (a sync dependency: FastAPI runs it in its thread pool, where the
    service's store calls belong)."""
    state = state_of(request)
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        raise _unauthorized("send Authorization: Bearer <token> (make one with cronpilot token create)")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("the Authorization header must be: Bearer <token>", error="invalid_request")
    actor = state.service.authenticate(token.strip())
    if actor is None:
        raise _unauthorized("this token is unknown, revoked or expired", error="invalid_token")
    key = str((actor.origin or {}).get("token_id", actor.user))
    wait = state.rate.check(key)
    if wait:
        raise HTTPException(429, f"too many requests with this token; try again in {wait} s",
                            headers={"Retry-After": str(wait)})
    return actor


Caller = Annotated[Actor, Depends(caller)]


def service_of(request: Request) -> Service:
    return state_of(request).service


TheService = Annotated[Service, Depends(service_of)]


def fires_of(request: Request) -> NextFires:
    return state_of(request).fires


TheFires = Annotated[NextFires, Depends(fires_of)]
