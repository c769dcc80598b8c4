"""Many open dashboards, cheaply: ``--streams`` server-sent-event streams read by one thread of
one process (raw sockets and ``selectors``, no HTTP library), so that the readers cost the
machine as little as a browser tab's idle stream would, and can be niced below the server they
watch. Used by ``bench/dashboard.py --readers process``; runnable alone:

    .venv/bin/python bench/sse_readers.py --port 8080 --cookie 'cronpilot_session=…' --streams 100

Prints ``ready`` once every stream has its first bytes, then reads until stdin closes, and
prints one JSON line: the ``data:`` lines received (all streams), bytes, and this process's CPU
seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import selectors
import socket
import sys
import time


def open_stream(port: int, cookie: str) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port))
    request = (f"GET /dashboard/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {cookie}\r\n"
               "Accept: text/event-stream\r\n\r\n")
    sock.sendall(request.encode())
    sock.setblocking(False)
    return sock


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--cookie", required=True, help="name=value of the session cookie")
    parser.add_argument("--streams", type=int, default=100)
    args = parser.parse_args(argv)
    selector = selectors.DefaultSelector()
    tails: dict[int, bytes] = {}
    started: set[int] = set()
    for _ in range(args.streams):
        stream = open_stream(args.port, args.cookie)
        selector.register(stream, selectors.EVENT_READ)
        tails[stream.fileno()] = b""
    selector.register(sys.stdin, selectors.EVENT_READ)
    messages = size = 0
    said_ready = False
    while True:
        for key, _ in selector.select(timeout=1.0):
            sock = key.fileobj
            if not isinstance(sock, socket.socket):  # stdin: EOF (or anything) means the parent is done
                os.read(sys.stdin.fileno(), 4096)
                cpu = time.process_time()
                print(json.dumps({"messages": messages, "bytes": size, "cpu_s": round(cpu, 3)}), flush=True)
                return
            fd = sock.fileno()
            try:
                chunk = sock.recv(1 << 16)
            except BlockingIOError:
                continue
            if not chunk:
                selector.unregister(sock)
                sock.close()
                continue
            size += len(chunk)
            started.add(fd)
            # A line split across two reads is counted once: keep the last few bytes.
            text = tails[fd] + chunk
            messages += text.count(b"\ndata: ")
            tails[fd] = text[-6:]
        if not said_ready and len(started) == args.streams:
            said_ready = True
            print("ready", flush=True)


if __name__ == "__main__":
    main()
