"""The docs page in a real browser (Debian's chromium through Playwright) with every request
beyond 127.0.0.1 blocked: Swagger UI draws every operation from the vendored files alone."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from connectors.api import api_router
from connectors.web import HttpServer, build_api
from scheduler.clock import FakeClock
from scheduler.service import Service
from scheduler.store import Store

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no chromium on this machine")


@pytest.mark.slow  # drives Chromium
async def test_docs_page_draws_every_operation_offline(tmp_path: Path, clock: FakeClock) -> None:
    from playwright.async_api import Route, async_playwright

    store = Store(f"sqlite:///{tmp_path / 'docs.db'}")
    server = HttpServer(build_api([api_router(Service(store, clock=clock))]), host="127.0.0.1", port=0)
    await server.start()
    elsewhere: list[str] = []

    async def only_here(route: Route) -> None:
        if route.request.url.startswith(server.url):
            await route.continue_()
        else:
            elsewhere.append(route.request.url)
            await route.abort()

    try:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"])
            try:
                page = await browser.new_page()
                await page.route("**/*", only_here)
                await page.goto(f"{server.url}/api/v1/docs")
                await page.wait_for_selector(".opblock", timeout=20_000)
                operations = await page.locator(".opblock").count()
                title = await page.locator(".info .title").inner_text()
                authorize = await page.locator("button.authorize").count()
            finally:
                await browser.close()
    finally:
        await server.stop()
        store.close()
    assert operations >= 17 and "cronpilot API" in title and authorize == 1
    assert elsewhere == []
