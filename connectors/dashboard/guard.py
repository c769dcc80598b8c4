"""What every dashboard request is checked against, in one place: the session cookie's name, the
security headers every answer carries, the CSRF check on changes, and the refusals (JSON for the
page's script, plain text otherwise)."""

from __future__ import annotations

import hmac
from urllib.parse import parse_qs

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from scheduler.errors import Conflict, CronpilotError, InvalidRequest, NotFound, PermissionDenied
from scheduler.web_access import WebSession

COOKIE = "cronpilot_session"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


async def _csrf_refusal(request: Request, session: WebSession) -> Response | None:
    """None when the request carries this session's CSRF token (header or form) and, if the
    browser says where it comes from, comes from this site; else the refusal."""
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        sent = (await _form(request)).get("csrf", "")
    if not _from_this_site(request):
        return _refuse(request, 403, "this request came from another site")
    if not sent or not hmac.compare_digest(sent, session.csrf):
        return _refuse(request, 403, "this request is missing its form token; reload the page and try again")
    return None


def _from_this_site(request: Request) -> bool:
    """False when the browser says the request came from elsewhere. Our pages are sent with
    Referrer-Policy: no-referrer, under which a form posted without script (Sign out) carries
    "Origin: null" in Firefox and Chromium alike; Sec-Fetch-Site still says where it came from. A
    browser that sends neither is judged by the token alone."""
    origin = request.headers.get("origin")
    if origin and origin != "null" and origin != f"{request.url.scheme}://{request.url.netloc}":
        return False
    return request.headers.get("sec-fetch-site", "same-origin") in ("same-origin", "none")


async def _form(request: Request) -> dict[str, str]:
    """A small url-encoded form (our forms carry a token or two; python-multipart isn't a
    dependency, and nothing here takes files)."""
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return {}
    body = await request.body()
    if len(body) > 16_384:
        return {}
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8", errors="replace")).items()}


def _refuse(request: Request, status: int, message: str) -> Response:
    if _wants_json(request):
        return JSONResponse({"ok": False, "error": message}, status_code=status, headers=SECURITY_HEADERS)
    return Response(message, status_code=status, media_type="text/plain", headers=SECURITY_HEADERS)


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def _https(request: Request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"


def _status(exc: CronpilotError) -> int:
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, PermissionDenied):
        return 403
    if isinstance(exc, Conflict):
        return 409
    if isinstance(exc, InvalidRequest):
        return 400
    return 500
