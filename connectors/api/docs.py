"""The interactive API docs at ``/api/v1/docs``: Swagger UI served from files shipped in this
package (``static/swagger-ui``, swagger-ui-dist 5.35.0, Apache-2.0, unmodified), so the page
works offline and loads nothing from another host."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, Response

STATIC = Path(__file__).resolve().parent / "static" / "swagger-ui"
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon-32x32.png": "image/png",
    "LICENSE": "text/plain; charset=utf-8",
}

router = APIRouter(include_in_schema=False)


@router.get("/docs")
def docs(request: Request) -> HTMLResponse:
    base = request.scope.get("root_path", "").rstrip("/")
    return get_swagger_ui_html(
        openapi_url=f"{base}/openapi.json", title="cronpilot API",
        swagger_js_url=f"{base}/docs/assets/swagger-ui-bundle.js",
        swagger_css_url=f"{base}/docs/assets/swagger-ui.css",
        swagger_favicon_url=f"{base}/docs/assets/favicon-32x32.png",
        # No validator badge: it would send the document to a public validator service.
        swagger_ui_parameters={"validatorUrl": None, "persistAuthorization": False},
    )


@router.get("/docs/assets/{name}")
def asset(name: str) -> Response:
    kind = ASSETS.get(name)
    if kind is None:
        return Response('{"detail":"Not Found"}', status_code=404, media_type="application/json")
    return FileResponse(STATIC / name, media_type=kind, headers={"Cache-Control": "public, max-age=86400"})
