"""Many open dashboards, cheaply: ``--streams`` server-sent-event streams read by one thread of
one process (asyncio over raw sockets, no HTTP library), so that the readers cost the machine as
little as idle browser tabs would, and can be niced below the server they watch. Used by
``bench/dashboard.py --readers process``; runnable alone:

    .venv/bin/python bench/sse_readers.py --port 8080 --cookie 'cronpilot_session=…' --streams 100

With ``--refetch PATH`` each stream also behaves as the page script does on a page that watches
every task (``static/app.js``): on a change event it fetches ``PATH`` again 100 ms later but no
sooner than ``GAP`` after its previous fetch began, one fetch at a time per page (a change
arriving meanwhile asks for one more after it). Every page counts as a visible tab (app.js
doesn't refresh a tab in the background until it is shown).

Prints ``ready`` once every stream has its first bytes, then reads until stdin closes, and
prints one JSON line: the ``data:`` lines received (all streams), bytes, page fetches, and this
process's CPU seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time

DEBOUNCE = 0.1  # app.js: schedule() → refresh() after 100 ms ...
GAP = 0.5  # ... and no sooner than 500 ms after the previous refresh began


class Page:
    def __init__(self, port: int, cookie: str, refetch: str | None, counts: dict[str, int]) -> None:
        self.port, self.cookie, self.refetch, self.counts = port, cookie, refetch, counts
        self.started = asyncio.Event()
        self._fetching = False
        self._again = False
        self._last_start = 0.0
        self._pending: asyncio.TimerHandle | None = None
        self._conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def read_stream(self) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        writer.write(f"GET /dashboard/events HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nCookie: {self.cookie}\r\n"
                     "Accept: text/event-stream\r\n\r\n".encode())
        tail = b""
        while chunk := await reader.read(1 << 16):
            self.started.set()
            self.counts["bytes"] += len(chunk)
            text = tail + chunk  # a line split across two reads is counted once
            found = text.count(b"\ndata: ")
            tail = text[-6:]
            if found:
                self.counts["messages"] += found
                self._schedule()

    def _schedule(self) -> None:
        if self.refetch is None:
            return
        if self._pending is not None:
            self._pending.cancel()
        delay = max(DEBOUNCE, self._last_start + GAP - time.monotonic())
        self._pending = asyncio.get_running_loop().call_later(delay, self._refresh)

    def _refresh(self) -> None:
        self._pending = None
        if self._fetching:
            self._again = True
            return
        self._fetching = True
        self._last_start = time.monotonic()
        task = asyncio.ensure_future(self._fetch())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _fetch(self) -> None:
        try:
            if self._conn is None:
                self._conn = await asyncio.open_connection("127.0.0.1", self.port)
            reader, writer = self._conn
            writer.write(f"GET {self.refetch} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nCookie: {self.cookie}\r\n"
                         "X-Live: 1\r\n\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            await reader.readexactly(length)
            self.counts["fetches"] += 1
        finally:
            self._fetching = False
            if self._again:
                self._again = False
                self._schedule()


async def run(port: int, cookie: str, streams: int, refetch: str | None) -> dict[str, float]:
    counts = {"messages": 0, "bytes": 0, "fetches": 0}
    pages = [Page(port, cookie, refetch, counts) for _ in range(streams)]
    readers = [asyncio.ensure_future(p.read_stream()) for p in pages]
    await asyncio.gather(*(p.started.wait() for p in pages))
    print("ready", flush=True)
    await asyncio.to_thread(sys.stdin.read)  # EOF: the parent is done
    for task in readers:
        task.cancel()
    return {**counts, "cpu_s": round(time.process_time(), 3)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--cookie", required=True, help="name=value of the session cookie")
    parser.add_argument("--streams", type=int, default=100)
    parser.add_argument("--refetch", metavar="PATH", help="fetch this page again on each change, as app.js does")
    args = parser.parse_args(argv)
    print(json.dumps(asyncio.run(run(args.port, args.cookie, args.streams, args.refetch))), flush=True)


if __name__ == "__main__":
    main()
