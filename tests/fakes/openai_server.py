"""A small OpenAI-compatible server on 127.0.0.1 (port 0) for the real ``openai`` client path.

It answers ``POST /v1/chat/completions`` with whatever ``reply(body)`` returns and records every
request body, so tests can check the wire format: the tool schemas sent, the assistant's tool
calls echoed back, the ``tool`` messages with results.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = Callable[[dict[str, Any]], dict[str, Any]]
_ids = itertools.count(1)


def completion(*, content: str | None = None, tool_calls: list[tuple[str, dict[str, Any]]] = (),  # type: ignore[assignment]
               tokens: int = 0, model: str = "stub-model") -> dict[str, Any]:
    """A ``chat.completion`` body: text, or tool calls as (name, arguments) pairs."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = [
            {"id": f"call_{next(_ids)}", "type": "function",
             "function": {"name": name, "arguments": json.dumps(args)}}
            for name, args in tool_calls
        ]
    return {
        "id": f"chatcmpl-{next(_ids)}", "object": "chat.completion", "created": 1_700_000_000,
        "model": model,
        "choices": [{"index": 0, "message": message,
                     "finish_reason": "tool_calls" if tool_calls else "stop"}],
        "usage": {"prompt_tokens": tokens - tokens // 4, "completion_tokens": tokens // 4,
                  "total_tokens": tokens},
    }


class OpenAIStub:
    def __init__(self, reply: Reply) -> None:
        self.reply = reply
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                stub.requests.append(body)
                stub.headers.append({k.lower(): v for k, v in self.headers.items()})
                if self.path.rstrip("/") != "/v1/chat/completions":
                    self._send(404, {"error": {"message": f"no route {self.path}"}})
                    return
                try:
                    self._send(200, stub.reply(body))
                except Exception as exc:
                    self._send(500, {"error": {"message": f"{type(exc).__name__}: {exc}"}})

            def _send(self, status: int, data: dict[str, Any]) -> None:
                raw = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    @contextmanager
    def running(self) -> Iterator[OpenAIStub]:
        thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.server.shutdown()
            self.server.server_close()
            thread.join(timeout=5)


def tool_then_text(name: str, args: dict[str, Any], *, tokens: int = 0,
                   final: Callable[[str], str] = lambda result: result) -> Reply:
    """First answer: call ``name`` with ``args``; once a tool result is in: ``final(result)``."""

    def reply(body: dict[str, Any]) -> dict[str, Any]:
        last = body["messages"][-1]
        if last.get("role") == "tool":
            return completion(content=final(str(last.get("content"))), tokens=tokens)
        return completion(tool_calls=[(name, args)], tokens=tokens)

    return reply
