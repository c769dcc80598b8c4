"""``cronpilot secret …`` and a secret used by an http task, end to end: the real CLI, the real
engine, a local server on 127.0.0.1 that echoes the header back. The value reaches the server
and appears nowhere cronpilot keeps or shows anything (task show, lists, --json, logs, run rows,
the database file's bytes)."""

from __future__ import annotations

import base64
import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

CANARY = "cp-canary/9f3e+77=Zq"


def set_secret(cli, monkeypatch: pytest.MonkeyPatch, name: str, value: str, *args: str):
    monkeypatch.setattr("sys.stdin", io.StringIO(value + "\n"))
    return cli("secret", "set", name, *args)


class EchoServer:
    """Answers every GET with the Authorization header and path it received, as JSON."""

    def __init__(self) -> None:
        seen: list[dict[str, str]] = []
        self.seen = seen

        class Echo(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                got = {"authorization": self.headers.get("Authorization", ""), "path": self.path}
                seen.append(got)
                body = json.dumps(got).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


@pytest.fixture
def echo_server() -> Iterator[EchoServer]:
    server = EchoServer()
    server.thread.start()
    try:
        yield server
    finally:
        server.server.shutdown()
        server.server.server_close()
        server.thread.join(10)


def test_secret_set_list_delete(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    done = set_secret(cli, monkeypatch, "API_TOKEN", CANARY, "--json")
    assert done.code == 0, done.err
    assert done.json()["name"] == "API_TOKEN" and done.json()["created"] is True
    assert set_secret(cli, monkeypatch, "SHARED_PW", CANARY, "--shared").code == 0
    listed = cli("secret", "list", "--json")
    assert [(s["name"], s["scope"]) for s in listed.json()] == [("API_TOKEN", "user"), ("SHARED_PW", "shared")]
    assert "API_TOKEN" in cli("secret", "list").out
    assert cli("secret", "delete", "SHARED_PW", "--shared").code == 0
    assert [s["name"] for s in cli("secret", "list", "--json").json()] == ["API_TOKEN"]
    missing = cli("secret", "delete", "NOPE")
    assert missing.code == 3 and "no secret" in missing.err and "Traceback" not in missing.err
    assert CANARY not in done.out + listed.out


def test_secret_set_never_takes_the_value_as_an_argument(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    refused = cli("secret", "set", "API_TOKEN", CANARY)
    assert refused.code != 0
    assert cli("secret", "list", "--json").json() == []
    empty = cli("secret", "set", "API_TOKEN")
    assert empty.code == 2 and "no value given" in empty.err


def test_secret_set_refuses_a_bad_name_in_one_line(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    result = set_secret(cli, monkeypatch, "not-a-name", CANARY)
    assert result.code == 2 and "not a secret name" in result.err and len(result.err.splitlines()) <= 2


def test_task_with_an_unknown_secret_is_refused_in_one_line(cli) -> None:
    result = cli("task", "add", "--name", "x", "--every", "1h", "--http", "https://example.com/",
                 "-H", "Authorization: Bearer {{ secrets.MISSING }}")
    assert result.code == 2 and "unknown secret 'MISSING'" in result.err
    assert cli("task", "list", "--json").json() == []


def _forms(value: str) -> list[bytes]:
    raw = value.encode()
    return [raw, quote(value, safe="").encode(), quote_plus(value).encode(),
            base64.b64encode(raw), base64.urlsafe_b64encode(raw)]


def test_secret_in_an_http_header_is_used_and_never_shown(
    cli, monkeypatch: pytest.MonkeyPatch, echo_server: EchoServer, isolated_settings: Path
) -> None:
    monkeypatch.setenv("CRONPILOT_HTTP_ALLOWED_HOSTS", '["127.0.0.1"]')
    assert set_secret(cli, monkeypatch, "API_TOKEN", CANARY).code == 0
    url = f"http://127.0.0.1:{echo_server.port}/hook?key={{{{ secrets.API_TOKEN }}}}"
    added = cli("task", "add", "--name", "echo", "--every", "1h", "--http", url,
                "-H", "Authorization: Bearer {{ secrets.API_TOKEN }}", "--json")
    assert added.code == 0, added.err
    ran = cli("run", "echo", "--json")
    assert ran.code == 0, ran.err
    # The server got the real value, in the header and (URL-encoded) in the query.
    [request] = echo_server.seen
    assert request["authorization"] == f"Bearer {CANARY}"
    assert request["path"] == f"/hook?key={quote(CANARY, safe='')}" or CANARY in request["path"]
    run_id = ran.json()["run_id"]
    shown = [added.out, ran.out] + [cli(*args).out for args in (
        ("task", "show", "echo"), ("task", "show", "echo", "--json"), ("task", "list", "--json"),
        ("runs", "--json"), ("runs",), ("logs", str(run_id)), ("logs", str(run_id), "--json"),
        ("secret", "list", "--json"),
    )]
    assert ran.json()["stdout"].count("[secret API_TOKEN]") == 2
    for text in shown:
        assert not any(form.decode() in text for form in _forms(CANARY)), text
    kept = [p for p in isolated_settings.rglob("*") if p.is_file() and p.name != "secret.key"]
    assert any(p.name.startswith("cronpilot.db") for p in kept) and any(p.suffix == ".log" for p in kept)
    for path in kept:
        data = path.read_bytes()
        assert not any(form in data for form in _forms(CANARY)), path
