"""``cronpilot serve`` as a real process with Slack (HTTP mode) and Telegram (webhook mode)
configured against local fake APIs: it says which connectors are on, serves their routes on the
port it reports, hands out a claim code, and stops cleanly on Ctrl-C."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

import httpx
import pytest
from fakes.slack_api import SIGNING_SECRET, event_body, signed_headers
from fakes.telegram_api import TOKEN, WEBHOOK_SECRET


async def _line_matching(stream: asyncio.StreamReader, pattern: str, seen: list[str]) -> re.Match[str]:
    while True:
        line = (await asyncio.wait_for(stream.readline(), 60)).decode()
        if not line:
            raise AssertionError(f"serve ended before printing {pattern!r}: {seen}")
        seen.append(line)
        match = re.search(pattern, line)
        if match:
            return match


@pytest.mark.slow  # starts cronpilot serve
async def test_serve_runs_the_configured_connectors_and_stops_cleanly(tmp_path: Path, slack_api, telegram_api):
    env = {
        **os.environ, "CRONPILOT_DATA_DIR": str(tmp_path / "serve"), "CRONPILOT_TIMEZONE": "UTC",
        "CRONPILOT_HTTP_PORT": "0",
        "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": slack_api.api_url,
        "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": telegram_api.api_url,
        "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET, "TELEGRAM_WEBHOOK_URL": "https://bot.example.com/telegram/webhook",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cronpilot", "serve", env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    seen: list[str] = []
    try:
        await _line_matching(process.stdout, "engine running", seen)
        assert len(seen) == 1  # the engine's line comes first
        await _line_matching(process.stdout, r"^slack: on \(workspace Team One, HTTP mode", seen)
        await _line_matching(process.stdout, r"^telegram: on \(@cronpilot_bot, webhook", seen)
        await _line_matching(process.stdout, r"^email: off", seen)
        port = int((await _line_matching(process.stdout, r"^http: on \(http://127.0.0.1:(\d+);", seen)).group(1))
        assert "/slack/events" in seen[-1] and "/telegram/webhook" in seen[-1]
        code = (await _line_matching(process.stdout, r"claim ([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})", seen)).group(1)

        dm = {"type": "message", "channel_type": "im", "user": "U1", "text": f"claim {code}", "channel": "D1",
              "ts": "1.0", "team": "T1"}
        body = event_body(dm, event_id="EvClaim")
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            response = await client.post("/slack/events", content=body, headers=signed_headers(body))
            assert response.status_code == 200
            await slack_api.wait_for("chat.postMessage")
            assert "now an admin" in slack_api.posts()[-1]["text"]
            assert (await client.post("/telegram/webhook", json={"update_id": 1})).status_code == 403
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
        try:
            out, err = await asyncio.wait_for(process.communicate(), 60)
        except TimeoutError:  # not stopping is a failure, but the process must not outlive the test
            process.kill()
            await process.wait()
            raise
    assert process.returncode == 0, err.decode()
    assert "stopped cleanly" in out.decode()
    assert "Traceback" not in err.decode()
