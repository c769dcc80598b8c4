"""The part of Supabase Storage's REST API that cronpilot uses, on 127.0.0.1, for the real
``supabase`` client: buckets (get, create) and objects (upload, download) under
``/storage/v1``, with its error shape ({"statusCode", "error", "message"}). Every request must
carry the service key (``apikey`` and ``Authorization: Bearer``), as Supabase checks.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from fakes.local_server import LocalServer

SERVICE_KEY = "sb_secret_local-test-key-0123456789"


class FakeSupabaseStorage(LocalServer):
    def __init__(self, key: str = SERVICE_KEY) -> None:
        self.key = key
        self.buckets: dict[str, dict[str, Any]] = {}
        self.objects: dict[tuple[str, str], bytes] = {}
        self.requests: list[tuple[str, str]] = []
        self.down = False  # answer 503 to everything (Storage unavailable)

    async def start(self) -> FakeSupabaseStorage:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/storage/v1/bucket/{bucket}", self._get_bucket)
        app.router.add_post("/storage/v1/bucket", self._create_bucket)
        app.router.add_post("/storage/v1/object/{bucket}/{key:.+}", self._upload)
        app.router.add_get("/storage/v1/object/{bucket}/{key:.+}", self._download)
        await self._serve(app)
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _refuse(self, request: web.Request) -> web.Response | None:
        self.requests.append((request.method, request.path))
        if self.down:
            return _error(503, "ServiceUnavailable", "storage is down")
        if request.headers.get("apikey") != self.key or request.headers.get("Authorization") != f"Bearer {self.key}":
            return _error(403, "Unauthorized", "invalid key")
        return None

    async def _get_bucket(self, request: web.Request) -> web.Response:
        if (refused := self._refuse(request)) is not None:
            return refused
        bucket = self.buckets.get(request.match_info["bucket"])
        if bucket is None:
            return _error(404, "Bucket not found", "Bucket not found")
        return web.json_response(bucket)

    async def _create_bucket(self, request: web.Request) -> web.Response:
        if (refused := self._refuse(request)) is not None:
            return refused
        body = await request.json()
        if body["id"] in self.buckets:
            return _error(409, "Duplicate", "The resource already exists")
        self.buckets[body["id"]] = {
            "id": body["id"], "name": body.get("name", body["id"]), "owner": "", "public": bool(body.get("public")),
            "created_at": "2026-12-06T00:00:00Z", "updated_at": "2026-12-06T00:00:00Z",
            "file_size_limit": None, "allowed_mime_types": None,
        }
        return web.json_response({"name": body["id"]})

    async def _upload(self, request: web.Request) -> web.Response:
        if (refused := self._refuse(request)) is not None:
            return refused
        bucket, key = request.match_info["bucket"], request.match_info["key"]
        if bucket not in self.buckets:
            return _error(404, "Bucket not found", "Bucket not found")
        if (bucket, key) in self.objects and request.headers.get("x-upsert") != "true":
            return _error(409, "Duplicate", "The resource already exists")
        form = await request.post()
        upload = form["file"]
        data = upload.file.read() if hasattr(upload, "file") else str(upload).encode()
        self.objects[(bucket, key)] = data
        return web.json_response({"Key": f"{bucket}/{key}", "Id": f"{bucket}-{key}"})

    async def _download(self, request: web.Request) -> web.Response:
        if (refused := self._refuse(request)) is not None:
            return refused
        data = self.objects.get((request.match_info["bucket"], request.match_info["key"]))
        if data is None:
            return _error(404, "not_found", "Object not found")
        return web.Response(body=data, content_type="text/plain")


def _error(status: int, error: str, message: str) -> web.Response:
    return web.json_response({"statusCode": str(status), "error": error, "message": message}, status=status)
