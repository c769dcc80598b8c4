"""Peak memory of serve's HTTP app while a big chunked body arrives at an inbound route.

Starts the real app (``connectors.web.build_api`` with the Slack and Telegram routers, uvicorn on
127.0.0.1) in this process, posts ``--mib`` MiB without a Content-Length (chunked, one 64 KiB
chunk reused, so the client adds nothing) and prints the answer and the process's RSS before and
its peak (VmHWM) after. Unsigned for Slack, with the right secret for Telegram: the cases that
used to be read whole. Linux only (reads /proc/self/status)::

    .venv/bin/python bench/inbound_memory.py --route /slack/events --mib 300
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx

from connectors.slack.app import SlackConfig, SlackConnector
from connectors.slack.http import slack_router
from connectors.telegram.http import telegram_router
from connectors.web import HttpServer, build_api

TELEGRAM_SECRET = "w" * 40
CHUNK = b"x" * 65536


def _status_mb(field: str) -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field):
                return int(line.split()[1]) / 1024
    return float("nan")


class _Telegram:
    """Just what the webhook router reads: its secret, and where updates go."""

    class config:  # mirrors TelegramConnector.config
        webhook_secret = TELEGRAM_SECRET

    async def feed(self, data: Any) -> None:
        return None


async def measure(route: str, mib: int) -> str:
    # The gateway is never reached: an unsigned Slack body stops at the signature.
    slack = SlackConnector(SlackConfig(bot_token="xoxb-bench", signing_secret="s" * 32,
                                       api_url="http://127.0.0.1:9/"), gateway=None)  # type: ignore[arg-type]
    api = build_api([slack_router(slack), telegram_router(_Telegram())])  # type: ignore[arg-type]
    server = HttpServer(api, host="127.0.0.1", port=0)
    await server.start()

    async def body() -> AsyncIterator[bytes]:
        for _ in range(mib * 16):
            yield CHUNK

    before = _status_mb("VmRSS")
    headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET} if route.startswith("/telegram") else {}
    try:
        async with httpx.AsyncClient(timeout=300) as client:
            try:
                status: object = (await client.post(server.url + route, content=body(), headers=headers)).status_code
            except httpx.HTTPError as exc:  # the server may close the connection after its 413
                status = type(exc).__name__
    finally:
        await server.stop()
    return f"{route}: {mib} MiB chunked -> {status}; RSS {before:.0f} MB before, peak {_status_mb('VmHWM'):.0f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--route", default="/slack/events", choices=["/slack/events", "/telegram/webhook"])
    parser.add_argument("--mib", type=int, default=300)
    args = parser.parse_args()
    print(asyncio.run(measure(args.route, args.mib)))


if __name__ == "__main__":
    main()
