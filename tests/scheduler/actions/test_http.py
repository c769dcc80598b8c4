"""The http action against real local servers (127.0.0.1, port 0) that record what reaches them.

Loopback is refused by default, so tests that need a server put it in the allowlist. Every test
also records each TCP connection the action's HTTP stack dials, so "refused" means "never dialled".
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import ipaddress
import json
import re
import ssl
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpcore
import httpx
import pytest

from scheduler.actions import http as http_action
from scheduler.actions import netguard
from scheduler.actions.base import ActionConfig, ActionContext, ActionFailed, OutputCapture
from scheduler.models import HttpAction
from scheduler.redaction import SecretMasker

MB = 1024 * 1024
BIG_BODY = b"a" * (5 * MB)


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: RecordingServer

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.server.requests.append(Seen(self.command, self.path, headers, body))
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.route(url.path, query)  # a broken pipe: the client stopped at its cap

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET

    def route(self, path: str, query: dict[str, str]) -> None:
        if path == "/ok":
            self.reply(200, b"hello from the test server", "text/plain; charset=utf-8")
        elif path == "/fail":
            self.reply(503, b"try again later")
        elif path == "/echo":
            seen = self.server.requests[-1]
            self.reply(200, json.dumps({"method": seen.method, "headers": seen.headers}).encode(),
                       "application/json")
        elif path == "/big":
            self.reply(200, BIG_BODY)
        elif path == "/gz":
            self.reply(200, gzip.compress(b"hello gzip"), encoding="gzip")
        elif path == "/bomb":
            self.reply(200, self.server.bomb(), encoding="gzip")
        elif path == "/redirect":
            self.send_response(int(query.get("code", "302")))
            self.send_header("Location", query["to"])
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path == "/slow":
            time.sleep(2)
            self.reply(200, b"late")
        else:
            self.reply(404, b"not found")

    def reply(self, status: int, body: bytes, content_type: str = "application/octet-stream",
              *, encoding: str | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if encoding:
            self.send_header("Content-Encoding", encoding)
        self.end_headers()
        if self.command != "HEAD":
            for start in range(0, len(body), 64 * 1024):
                self.wfile.write(body[start:start + 64 * 1024])


class RecordingServer(ThreadingHTTPServer):
    daemon_threads = True
    _bomb: bytes | None = None

    def __init__(self, port: int = 0):
        super().__init__(("127.0.0.1", port), Handler)
        self.requests: list[Seen] = []
        self.connections = 0

    @property
    def port(self) -> int:
        return self.server_address[1]

    def url(self, path: str = "/ok") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def verify_request(self, request: Any, client_address: Any) -> bool:
        self.connections += 1  # every accepted TCP connection, request or not
        return True

    @classmethod
    def bomb(cls) -> bytes:
        if cls._bomb is None:  # 64 MiB of zeros → about 64 KiB on the wire
            cls._bomb = gzip.compress(b"\0" * (64 * MB), compresslevel=9)
        return cls._bomb


@pytest.fixture
def serve() -> Iterator[Callable[[], RecordingServer]]:
    servers: list[RecordingServer] = []

    def start(port: int = 0) -> RecordingServer:
        server = RecordingServer(port)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def server(serve: Callable[[], RecordingServer]) -> RecordingServer:
    return serve()


@pytest.fixture(autouse=True)
def dialled(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every (address, port) the HTTP stack connects to, below netguard's pinning."""
    calls: list[tuple[str, int]] = []
    original = httpcore.AnyIOBackend.connect_tcp

    async def spy(self: Any, host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        calls.append((host, port))
        return await original(self, host, port, *args, **kwargs)

    monkeypatch.setattr(httpcore.AnyIOBackend, "connect_tcp", spy)
    return calls


def make_ctx(tmp_path: Path, allowed: set[str] | frozenset[str] = frozenset(), *,
             cap: int = MB, timeout: float = 10.0) -> ActionContext:
    config = ActionConfig(data_dir=tmp_path, http_allowed_hosts=frozenset(allowed),
                          http_max_response_bytes=cap)
    return ActionContext(run_id=7, task_id=3, task_name="ping", owner="alice", attempt=1,
                         timeout=timedelta(seconds=timeout), config=config,
                         output=OutputCapture(tmp_path / "logs" / "run.log"),
                         idempotency_key="task-3-run-7")


def script_dns(monkeypatch: pytest.MonkeyPatch, *answers: list[str]) -> list[str]:
    """Replace the resolver: the n-th lookup gets ``answers[n]`` (the last one repeats)."""
    asked: list[str] = []

    async def fake(host: str, port: int) -> list[netguard.IPAddress]:
        asked.append(host)
        return [ipaddress.ip_address(a) for a in answers[min(len(asked), len(answers)) - 1]]

    monkeypatch.setattr(netguard, "resolve", fake)
    return asked


# --- ordinary requests --------------------------------------------------------------------


async def test_http_captures_status_and_body(tmp_path: Path, server: RecordingServer) -> None:
    ctx = make_ctx(tmp_path, {"127.0.0.1"})
    result = await http_action.run(HttpAction(url=server.url("/ok")), ctx)
    assert result.ok and result.summary == "HTTP 200" and result.error is None
    assert result.data["status"] == 200
    assert result.data["headers"]["content-type"] == "text/plain; charset=utf-8"
    assert isinstance(result.data["elapsed_ms"], int)
    assert ctx.output.text("stdout") == "hello from the test server"


async def test_http_fails_run_on_503(tmp_path: Path, server: RecordingServer) -> None:
    ctx = make_ctx(tmp_path, {"127.0.0.1"})
    result = await http_action.run(HttpAction(url=server.url("/fail")), ctx)
    assert not result.ok and result.error == "HTTP 503 Service Unavailable"
    assert ctx.output.text("stdout") == "try again later"


async def test_http_sends_method_body_and_idempotency_key(
    tmp_path: Path, server: RecordingServer
) -> None:
    ctx = make_ctx(tmp_path, {"127.0.0.1"})
    action = HttpAction(method="POST", url=server.url("/echo"), body='{"a": 1}',
                        headers={"Content-Type": "application/json", "X-Task": "ping"})
    assert (await http_action.run(action, ctx)).ok
    seen = server.requests[0]
    assert (seen.method, seen.body) == ("POST", b'{"a": 1}')
    assert seen.headers["idempotency-key"] == "task-3-run-7"
    assert seen.headers["x-task"] == "ping" and seen.headers["host"] == f"127.0.0.1:{server.port}"


async def test_http_keeps_idempotency_key_set_by_task(
    tmp_path: Path, server: RecordingServer
) -> None:
    ctx = make_ctx(tmp_path, {"127.0.0.1"})
    action = HttpAction(url=server.url("/echo"), headers={"idempotency-key": "mine"})
    await http_action.run(action, ctx)
    assert server.requests[0].headers["idempotency-key"] == "mine"


@pytest.mark.parametrize("headers", [{"X-A": "b\r\nHost: internal"}, {"Host": "internal"},
                                     {"Bad Name": "x"}, {"Transfer-Encoding": "chunked"}])
async def test_http_refuses_dangerous_headers(
    tmp_path: Path, server: RecordingServer, headers: dict[str, str]
) -> None:
    with pytest.raises(ActionFailed):
        await http_action.run(HttpAction(url=server.url(), headers=headers),
                              make_ctx(tmp_path, {"127.0.0.1"}))
    assert server.connections == 0


async def test_http_caps_large_body(tmp_path: Path, server: RecordingServer) -> None:
    ctx = make_ctx(tmp_path, {"127.0.0.1"}, cap=MB)
    result = await http_action.run(HttpAction(url=server.url("/big")), ctx)
    ctx.output.close()
    assert result.ok and result.data["truncated"] is True and result.data["bytes"] == MB
    assert MB <= ctx.output.log_path.stat().st_size < MB + 200  # the log holds the capped body
    assert "response body truncated at 1048576 bytes" in ctx.output.log_path.read_text()


async def test_http_decodes_gzip(tmp_path: Path, server: RecordingServer) -> None:
    ctx = make_ctx(tmp_path, {"127.0.0.1"})
    result = await http_action.run(HttpAction(url=server.url("/gz")), ctx)
    assert ctx.output.text("stdout") == "hello gzip" and result.data["truncated"] is False


async def test_http_gzip_bomb_stays_within_cap(tmp_path: Path, server: RecordingServer) -> None:
    RecordingServer.bomb()  # build it before measuring
    ctx = make_ctx(tmp_path, {"127.0.0.1"}, cap=MB)
    tracemalloc.start()
    try:
        result = await http_action.run(HttpAction(url=server.url("/bomb")), ctx)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.data["bytes"] == MB and result.data["truncated"] is True
    # httpx's own decoder would inflate a whole 64 KiB chunk (~64 MiB) at once.
    assert peak < 12 * MB


async def test_http_times_out_whole_request(tmp_path: Path, server: RecordingServer) -> None:
    with pytest.raises(ActionFailed, match="did not finish within 0.5 s"):
        await http_action.run(HttpAction(url=server.url("/slow")),
                              make_ctx(tmp_path, {"127.0.0.1"}, timeout=0.5))


async def test_http_ignores_proxy_environment(
    tmp_path: Path, serve: Callable[[], RecordingServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    target, proxy = serve(), serve()
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{proxy.port}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    result = await http_action.run(HttpAction(url=target.url()), make_ctx(tmp_path, {"127.0.0.1"}))
    assert result.ok and len(target.requests) == 1
    assert proxy.connections == 0


# --- SSRF: refused before any connection ----------------------------------------------------

SSRF_URLS = [
    "http://127.0.0.1:{port}/ok",
    "http://localhost:{port}/ok",
    "http://localhost.:{port}/ok",
    "http://[::1]:{port}/ok",
    "http://0:{port}/ok",
    "http://0.0.0.0:{port}/ok",
    "http://127.1:{port}/ok",
    "http://2130706433:{port}/ok",
    "http://0x7f000001:{port}/ok",
    "http://0177.0.0.1:{port}/ok",
    "http://[::ffff:127.0.0.1]:{port}/ok",
    "http://[::ffff:7f00:1]:{port}/ok",
    "http://169.254.169.254/latest/meta-data/",
    "http://[fd00:ec2::254]/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://[64:ff9b::a9fe:a9fe]/",
    "http://[2002:7f00:1::]:{port}/ok",
    "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",
    "http://10.0.0.1/",
    "http://172.16.0.1/",
    "http://192.168.0.1/",
    "http://100.64.0.1/",
    "http://198.18.0.1/",
    "http://[fc00::1]/",
    "http://[fe80::1%25eth0]/",
    "http://224.0.0.1/",
    "http://127.0.0.1:5432/",
    "http://127.0.0.1:{port}/hooks/run%0d%0aHost:%20internal",
    "http://evil.com@127.0.0.1:{port}/ok",
    "http://127.0.0.1:{port}#@evil.com/",
    "http://127.0.0.1:{port}\\@evil.com/",
    "http://①②⑦.0.0.1:{port}/ok",
    "http://127。0。0。1:{port}/ok",
    "HTTP://127.0.0.1:{port}/ok",
    "http://127.0.0.1.:{port}/ok",
    "http://127.0.0.1:{port}/ok with space",
    "file:///etc/passwd",
    "gopher://127.0.0.1:{port}/_GET",
    "dict://127.0.0.1:{port}/info",
    "ftp://127.0.0.1:{port}/",
    "data:text/plain,hello",
    "unix:/var/run/docker.sock",
]


@pytest.mark.parametrize("url", SSRF_URLS)
async def test_http_refuses_internal_target_with_empty_allowlist(
    tmp_path: Path, server: RecordingServer, dialled: list[tuple[str, int]], url: str
) -> None:
    with pytest.raises(ActionFailed, match="^refused: "):
        await http_action.run(HttpAction(url=url.format(port=server.port)), make_ctx(tmp_path))
    assert dialled == [] and server.connections == 0 and server.requests == []


async def test_http_refusal_message_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ActionFailed) as failure:
        await http_action.run(HttpAction(url="http://127.0.0.1/"), make_ctx(tmp_path))
    assert str(failure.value) == ("refused: 127.0.0.1 is a loopback address; add it to "
                                  "CRONPILOT_HTTP_ALLOWED_HOSTS to allow it")


async def test_http_refuses_name_resolving_to_loopback(
    tmp_path: Path, server: RecordingServer
) -> None:
    with pytest.raises(ActionFailed, match=r"localhost resolves to .*loopback"):
        await http_action.run(HttpAction(url=f"http://localhost:{server.port}/ok"),
                              make_ctx(tmp_path))
    assert server.connections == 0


async def test_http_refuses_when_any_answer_is_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dialled: list[tuple[str, int]]
) -> None:
    script_dns(monkeypatch, ["93.184.216.34", "10.1.2.3"])
    with pytest.raises(ActionFailed, match="resolves to 10.1.2.3, a private address"):
        await http_action.run(HttpAction(url="http://mixed.test/"), make_ctx(tmp_path))
    assert dialled == []


async def test_http_refuses_host_outside_allowlist(tmp_path: Path, server: RecordingServer) -> None:
    with pytest.raises(ActionFailed, match="127.0.0.1 is not in CRONPILOT_HTTP_ALLOWED_HOSTS"):
        await http_action.run(HttpAction(url=server.url()), make_ctx(tmp_path, {"example.com"}))
    assert server.connections == 0


async def test_http_wildcard_allowlist_does_not_unlock_private_address(
    tmp_path: Path, server: RecordingServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    script_dns(monkeypatch, ["127.0.0.1"])
    with pytest.raises(ActionFailed, match="loopback"):
        await http_action.run(HttpAction(url=f"http://svc.internal.test:{server.port}/ok"),
                              make_ctx(tmp_path, {"*.internal.test"}))
    assert server.connections == 0


async def test_http_dns_rebinding_connects_only_to_checked_address(
    tmp_path: Path, server: RecordingServer, monkeypatch: pytest.MonkeyPatch,
    dialled: list[tuple[str, int]],
) -> None:
    asked = script_dns(monkeypatch, ["93.184.216.34"], ["127.0.0.1"])

    async def no_internet(self: Any, host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        dialled.append((host, port))  # stands in for the public host: record, don't dial out
        raise httpcore.ConnectError("no internet in tests")

    monkeypatch.setattr(httpcore.AnyIOBackend, "connect_tcp", no_internet)
    with pytest.raises(ActionFailed, match="the request failed"):
        await http_action.run(HttpAction(url=f"http://rebind.test:{server.port}/ok"),
                              make_ctx(tmp_path))
    assert asked == ["rebind.test"]  # one lookup; the rebinding answer is never asked for
    assert dialled == [("93.184.216.34", server.port)]
    assert server.connections == 0


async def test_http_pinned_connection_keeps_host_header(
    tmp_path: Path, server: RecordingServer, monkeypatch: pytest.MonkeyPatch,
    dialled: list[tuple[str, int]],
) -> None:
    script_dns(monkeypatch, ["127.0.0.1"], ["10.9.9.9"])
    ctx = make_ctx(tmp_path, {f"api.internal.test:{server.port}"})
    result = await http_action.run(HttpAction(url=f"http://API.Internal.Test.:{server.port}/echo"),
                                   ctx)
    assert result.ok and dialled == [("127.0.0.1", server.port)]
    assert server.requests[0].headers["host"] == f"api.internal.test:{server.port}"


@pytest.mark.parametrize(("entry", "host", "port", "permits", "exact"), [
    ("127.0.0.1", "127.0.0.1", 8080, True, True),
    ("127.0.0.1:8080", "127.0.0.1", 8081, False, False),
    ("[::1]:8080", "::1", 8080, True, True),
    ("::1", "::1", 1, True, True),
    ("Example.COM.", "example.com", 443, True, True),
    ("*.example.com", "api.example.com", 443, True, False),
    ("*.example.com", "example.com", 443, False, False),
    ("2130706433", "127.0.0.1", 80, True, True),
])
def test_allowlist_matches_entries(
    entry: str, host: str, port: int, permits: bool, exact: bool
) -> None:
    allow = netguard.Allowlist([entry])
    assert (allow.permits(host, port), allow.names_exactly(host, port)) == (permits, exact)


# --- redirects ----------------------------------------------------------------------------


def redirect_url(server: RecordingServer, to: str, code: int = 302) -> str:
    return server.url(f"/redirect?code={code}&to={to}")


async def test_http_follows_allowed_redirect(tmp_path: Path, server: RecordingServer) -> None:
    ctx = make_ctx(tmp_path, {"127.0.0.1"})
    action = HttpAction(method="POST", url=redirect_url(server, "/echo", 303), body="x")
    result = await http_action.run(action, ctx)
    assert result.ok and result.data["redirects"] == 1
    assert [r.method for r in server.requests] == ["POST", "GET"]
    assert server.requests[1].headers["idempotency-key"] == "task-3-run-7"


@pytest.mark.parametrize("to", ["http://169.254.169.254/latest/meta-data/",
                                "http://[::ffff:169.254.169.254]/", "file:///etc/passwd"])
async def test_http_refuses_redirect_to_blocked_target(
    tmp_path: Path, server: RecordingServer, dialled: list[tuple[str, int]], to: str
) -> None:
    expected = f"refused the redirect from 127.0.0.1 to {re.escape(to)}"
    with pytest.raises(ActionFailed, match=expected):
        await http_action.run(HttpAction(url=redirect_url(server, to)),
                              make_ctx(tmp_path, {"127.0.0.1"}))
    assert len(dialled) == 1 and len(server.requests) == 1  # only the first hop


async def test_http_refuses_redirect_to_other_loopback_port(
    tmp_path: Path, serve: Callable[[], RecordingServer]
) -> None:
    allowed, other = serve(), serve()
    ctx = make_ctx(tmp_path, {f"127.0.0.1:{allowed.port}"})
    with pytest.raises(ActionFailed, match="refused the redirect"):
        await http_action.run(HttpAction(url=redirect_url(allowed, other.url())), ctx)
    assert len(allowed.requests) == 1 and other.connections == 0


async def test_http_redirect_across_origins_drops_credentials(
    tmp_path: Path, serve: Callable[[], RecordingServer]
) -> None:
    first, second = serve(), serve()
    action = HttpAction(url=redirect_url(first, second.url("/echo")),
                        headers={"Authorization": "Bearer secret", "X-Keep": "1"})
    assert (await http_action.run(action, make_ctx(tmp_path, {"127.0.0.1"}))).ok
    assert first.requests[0].headers["authorization"] == "Bearer secret"
    assert "authorization" not in second.requests[0].headers
    assert second.requests[0].headers["x-keep"] == "1"


async def test_http_redirect_across_origins_drops_headers_carrying_a_secret(
    tmp_path: Path, serve: Callable[[], RecordingServer]
) -> None:
    first, second = serve(), serve()
    ctx = make_ctx(tmp_path, {"127.0.0.1"})
    ctx.secrets = SecretMasker({"API_KEY": "k3y-canary-55"})
    action = HttpAction(url=redirect_url(first, second.url("/echo")),
                        headers={"X-Api-Key": "k3y-canary-55", "X-Keep": "1"})
    assert (await http_action.run(action, ctx)).ok
    assert first.requests[0].headers["x-api-key"] == "k3y-canary-55"
    assert "x-api-key" not in second.requests[0].headers and second.requests[0].headers["x-keep"] == "1"


async def test_http_refuses_to_resend_a_body_holding_a_secret_to_another_origin(
    tmp_path: Path, serve: Callable[[], RecordingServer]
) -> None:
    first, second = serve(), serve()
    ctx = make_ctx(tmp_path, {"127.0.0.1"})
    ctx.secrets = SecretMasker({"API_KEY": "k3y-canary-55"})
    action = HttpAction(method="POST", url=redirect_url(first, second.url("/echo"), 307),
                        body='{"key": "k3y-canary-55"}')
    with pytest.raises(ActionFailed, match="body holds a secret"):
        await http_action.run(action, ctx)
    assert second.requests == []


async def test_http_stops_after_five_redirects(tmp_path: Path, server: RecordingServer) -> None:
    with pytest.raises(ActionFailed, match="too many redirects"):
        await http_action.run(HttpAction(url=server.url("/loop")),
                              make_ctx(tmp_path, {"127.0.0.1"}))
    assert len(server.requests) == 6  # the request and five redirects


# --- TLS through a pinned address ---------------------------------------------------------


def make_certificates(folder: Path, name: str) -> tuple[Path, Path]:
    """A throwaway CA and a server certificate for ``name``; returns (ca.pem, server.pem)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)

    def build(subject: str, issuer: x509.Name | None, key: Any, signer: Any, ca: bool) -> Any:
        subject_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
        builder = (x509.CertificateBuilder().subject_name(subject_name)
                   .issuer_name(issuer or subject_name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(now - dt.timedelta(minutes=5))
                   .not_valid_after(now + dt.timedelta(hours=1))
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        if not ca:
            builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(subject)]),
                                            critical=False)
        return builder.sign(signer, hashes.SHA256())

    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_cert = build("cronpilot test CA", None, ca_key, ca_key, True)
    cert = build(name, ca_cert.subject, key, ca_key, False)
    pem = serialization.Encoding.PEM
    ca_path, server_path = folder / "ca.pem", folder / "server.pem"
    ca_path.write_bytes(ca_cert.public_bytes(pem))
    server_path.write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption())
                            + cert.public_bytes(pem))
    return ca_path, server_path


async def test_pinned_transport_keeps_sni_and_verifies_the_name(
    tmp_path: Path, serve: Callable[[], RecordingServer], dialled: list[tuple[str, int]]
) -> None:
    ca_path, server_path = make_certificates(tmp_path, "pinned.test")
    server = serve()
    names: list[str | None] = []
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(server_path)
    server_context.sni_callback = lambda sock, name, ctx: names.append(name)  # type: ignore[assignment]
    server.socket = server_context.wrap_socket(server.socket, server_side=True)
    client_context = ssl.create_default_context(cafile=str(ca_path))

    transport = netguard.PinnedTransport({"pinned.test": ["127.0.0.1"]}, verify=client_context)
    async with httpx.AsyncClient(transport=transport, trust_env=False) as client:
        response = await client.get(f"https://pinned.test:{server.port}/echo")
    assert response.status_code == 200 and names == ["pinned.test"]
    assert dialled == [("127.0.0.1", server.port)]
    assert response.json()["headers"]["host"] == f"pinned.test:{server.port}"

    wrong = netguard.PinnedTransport({"other.test": ["127.0.0.1"]}, verify=client_context)
    async with httpx.AsyncClient(transport=wrong, trust_env=False) as client:
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            await client.get(f"https://other.test:{server.port}/echo")
