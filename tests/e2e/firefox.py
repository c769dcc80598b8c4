"""Debian's Firefox ESR driven over WebDriver BiDi, its own W3C protocol, for the browser tests.

Why not Playwright: Playwright 1.65 launches a stock Firefox (``channel="moz-firefox"``) but every
new context sends ``emulation.setMediaFeaturesOverride``, which Firefox ESR 153 answers with
"unknown command", so no page can be opened; Playwright's own Firefox build is a download this
machine can't make. Why not Selenium: it needs geckodriver, which neither Debian nor PyPI ships
for Linux. Firefox speaks BiDi itself (``--remote-debugging-port``), so a small client over a
WebSocket is enough: start the browser, open tabs, navigate, run script, click with real input
events, and wait for conditions the way Playwright's ``expect`` does.

Every Firefox runs in its own session (process group) and :meth:`Firefox.close` ends the whole
group, content processes included, whatever state the browser is in.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from websockets.sync.client import ClientConnection, connect

FIREFOX = os.environ.get("CRONPILOT_TEST_FIREFOX", "/usr/bin/firefox-esr")
TIMEOUT = 20.0  # seconds a wait may take before the test fails (as the Playwright tests' default)

# On top of the "recommended preferences" Firefox's remote agent sets for automation: no first-run
# pages, and every request that isn't to this machine goes to a closed local port (nothing leaves).
PREFS: dict[str, object] = {
    "browser.startup.page": 0,
    "browser.startup.homepage": "about:blank",
    "browser.newtabpage.enabled": False,
    "browser.aboutwelcome.enabled": False,
    "browser.shell.checkDefaultBrowser": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "toolkit.telemetry.enabled": False,
    "app.update.disabledForTesting": True,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "network.dns.disablePrefetch": True,
    "network.trr.mode": 5,
    "network.proxy.type": 1,
    "network.proxy.http": "127.0.0.1",
    "network.proxy.http_port": 9,
    "network.proxy.ssl": "127.0.0.1",
    "network.proxy.ssl_port": 9,
    "network.proxy.no_proxies_on": "127.0.0.1,localhost",
    "network.proxy.allow_hijacking_localhost": False,
}
# layout.css.prefers-color-scheme.content-override: what pages see as the system's scheme.
COLOR_SCHEME = {"dark": 0, "light": 1}


class BiDiError(AssertionError):
    """The browser refused a command (its error name and message)."""


def _value(remote: dict[str, Any]) -> Any:
    """A BiDi remote value as Python (nodes and other handles stay as the browser sent them)."""
    kind, value = remote.get("type"), remote.get("value")
    if kind in ("undefined", "null"):
        return None
    if kind in ("string", "boolean", "number"):
        return {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf"),
                "-0": -0.0}.get(value, value) if isinstance(value, str) and kind == "number" else value
    if kind in ("array", "set"):
        return [_value(item) for item in value or []]
    if kind in ("object", "map"):
        return {(k if isinstance(k, str) else _value(k)): _value(v) for k, v in value or []}
    return remote


class Firefox:
    """One headless Firefox and its BiDi session. Use :func:`launch`, which always closes it."""

    def __init__(self, *, color_scheme: str = "light") -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="cronpilot-firefox-"))
        profile = self.folder / "profile"
        profile.mkdir()
        prefs = {**PREFS, "layout.css.prefers-color-scheme.content-override": COLOR_SCHEME[color_scheme]}
        (profile / "user.js").write_text("".join(f"user_pref({json.dumps(k)}, {json.dumps(v)});\n"
                                                 for k, v in prefs.items()))
        self.log = self.folder / "firefox.log"
        try:
            with self.log.open("wb") as out:
                self.process = subprocess.Popen(
                    [FIREFOX, "--headless", "--no-remote", "--profile", str(profile), "--remote-debugging-port", "0"],
                    stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
                    env={**os.environ, "MOZ_CRASHREPORTER_DISABLE": "1"})
        except OSError:
            shutil.rmtree(self.folder, ignore_errors=True)
            raise
        self.events: list[dict[str, Any]] = []
        self._responses: dict[int, dict[str, Any]] = {}  # answers that came while waiting for another
        self._ids = itertools.count(1)
        self._ws: ClientConnection | None = None
        try:
            self._ws = connect(self._endpoint() + "/session", max_size=None, open_timeout=TIMEOUT)
            # Prompts (confirm, alert) stay open until a test answers them (Tab.click's prompt=).
            self.send("session.new", {"capabilities": {"alwaysMatch": {
                "unhandledPromptBehavior": {"default": "ignore"}}}})
            self.send("session.subscribe", {"events": ["log.entryAdded", "browsingContext.userPromptOpened"]})
        except BaseException:
            self.close()
            raise

    def _endpoint(self) -> str:
        deadline = time.monotonic() + 60
        while True:
            found = re.search(r"WebDriver BiDi listening on (ws://\S+)", self.log.read_text(errors="replace"))
            if found:
                return found.group(1)
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("Firefox did not start:\n" + self.log.read_text(errors="replace"))
            time.sleep(0.05)

    def _receive(self, timeout: float) -> None:
        """Reads the next message: an answer is kept by its command's id, an event in ``events``."""
        assert self._ws is not None
        message: dict[str, Any] = json.loads(self._ws.recv(timeout=timeout))
        if message.get("type") == "event":
            self.events.append(message)
        elif isinstance(message.get("id"), int):
            self._responses[message["id"]] = message

    def issue(self, method: str, params: dict[str, Any] | None = None) -> int:
        """Sends one command without waiting for its answer (:meth:`result` takes it)."""
        assert self._ws is not None
        command_id = next(self._ids)
        self._ws.send(json.dumps({"id": command_id, "method": method, "params": params or {}}))
        return command_id

    def result(self, command_id: int, method: str = "command") -> dict[str, Any]:
        while command_id not in self._responses:
            self._receive(60)
        message = self._responses.pop(command_id)
        if message.get("type") == "error":
            raise BiDiError(f"{method}: {message.get('error')}: {message.get('message')}")
        return dict(message.get("result") or {})

    def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Sends one command and returns its result; events that arrive meanwhile are kept."""
        return self.result(self.issue(method, params), method)

    def next_event(self, method: str, *, context: str) -> dict[str, Any]:
        """Takes the first ``method`` event for ``context`` out of ``events``, waiting for it."""
        deadline = time.monotonic() + TIMEOUT
        while True:
            for event in self.events:
                if event.get("method") == method and event["params"].get("context") == context:
                    self.events.remove(event)
                    return dict(event["params"])
            if time.monotonic() > deadline:
                raise AssertionError(f"no {method} in {TIMEOUT:.0f} s")
            with contextlib.suppress(TimeoutError):
                self._receive(max(0.05, deadline - time.monotonic()))

    def new_tab(self, *, width: int = 1280, height: int = 800) -> Tab:
        """A tab in a fresh user context: its own cookies, so a separate person."""
        user_context = self.send("browser.createUserContext")["userContext"]
        context = self.send("browsingContext.create", {"type": "tab", "userContext": user_context})["context"]
        self.send("browsingContext.setViewport", {"context": context, "viewport": {"width": width, "height": height}})
        return Tab(self, context)

    def script_errors(self) -> list[str]:
        """Uncaught script errors so far, in any tab (Firefox's console, not the page's own logs)."""
        return [f"{e['params'].get('text')} ({e['params'].get('source', {}).get('context')})"
                for e in self.events
                if e.get("method") == "log.entryAdded" and e["params"].get("type") == "javascript"
                and e["params"].get("level") == "error"]

    def close(self) -> None:
        """Ends the session and the browser; every process of its group is gone afterwards."""
        if self._ws is not None:
            with contextlib.suppress(Exception):
                self.send("browser.close")
            with contextlib.suppress(Exception):
                self._ws.close()
            self._ws = None
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=15)
        # The group is this Firefox's own (start_new_session): its content processes and nothing else.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=15)
        shutil.rmtree(self.folder, ignore_errors=True)


class Tab:
    """One browsing context: navigate, evaluate, click, wait."""

    def __init__(self, browser: Firefox, context: str) -> None:
        self.browser = browser
        self.context = context

    def goto(self, url: str) -> None:
        self.browser.send("browsingContext.navigate", {"context": self.context, "url": url, "wait": "complete"})

    def evaluate(self, expression: str) -> Any:
        """The value of a script expression in the page (a promise is awaited); a thrown error fails."""
        result = self.browser.send("script.evaluate", {
            "expression": expression, "target": {"context": self.context}, "awaitPromise": True,
            "resultOwnership": "none"})
        if result.get("type") == "exception":
            details = result.get("exceptionDetails", {})
            raise BiDiError(f"{expression!r} threw: {details.get('text')}")
        return _value(result["result"])

    def wait_for(self, expression: str, *, message: str = "") -> Any:
        """Evaluates ``expression`` until it is truthy (as Playwright's expect retries); returns it.
        A navigation in between (the realm went away) is retried too."""
        deadline = time.monotonic() + TIMEOUT
        last: Any = None
        while True:
            with contextlib.suppress(BiDiError):
                last = self.evaluate(expression)
                if last:
                    return last
            if time.monotonic() > deadline:
                raise AssertionError(f"{message or expression}: still {last!r} after {TIMEOUT:.0f} s "
                                     f"(at {self.url()})")
            time.sleep(0.05)

    def url(self) -> str:
        with contextlib.suppress(BiDiError):
            return str(self.evaluate("location.href"))
        return "?"

    def text(self, selector: str) -> str:
        return str(self.evaluate(f"document.querySelector({json.dumps(selector)})?.textContent ?? ''"))

    def click(self, selector: str, *, prompt: bool | None = None) -> str:
        """A real pointer click in the middle of the first element that matches (scrolled into view).
        ``prompt``: the click opens a ``confirm`` (or ``alert``), accepted (True) or dismissed
        (False) as a person would; its text is returned. The click completes only once it's answered."""
        found = self.browser.send("script.evaluate", {
            "expression": f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
                          " e?.scrollIntoView({block: 'center'}); return e; })()",
            "target": {"context": self.context}, "awaitPromise": False, "resultOwnership": "root"})
        element = found.get("result", {})
        if element.get("type") != "node":
            raise AssertionError(f"nothing matches {selector!r} at {self.url()}")
        origin = {"type": "element", "element": {"sharedId": element["sharedId"]}}
        clicking = self.browser.issue("input.performActions", {"context": self.context, "actions": [{
            "type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"},
            "actions": [{"type": "pointerMove", "x": 0, "y": 0, "origin": origin},
                        {"type": "pointerDown", "button": 0}, {"type": "pointerUp", "button": 0}]}]})
        message = ""
        if prompt is not None:
            opened = self.browser.next_event("browsingContext.userPromptOpened", context=self.context)
            self.browser.send("browsingContext.handleUserPrompt", {"context": self.context, "accept": prompt})
            message = str(opened.get("message", ""))
        self.browser.result(clicking, "input.performActions")
        self.browser.send("input.releaseActions", {"context": self.context})
        return message

    def press(self, key: str) -> None:
        """One key pressed and released, as the keyboard would (``Tab``, ``Enter``, or a character)."""
        value = KEYS.get(key, key)
        self.browser.send("input.performActions", {"context": self.context, "actions": [{
            "type": "key", "id": "keyboard", "actions": [{"type": "keyDown", "value": value},
                                                          {"type": "keyUp", "value": value}]}]})


KEYS = {"Tab": "\ue004", "Enter": "\ue007", "Escape": "\ue00c"}  # WebDriver's key codes


@contextlib.contextmanager
def launch(*, color_scheme: str = "light") -> Iterator[Firefox]:
    browser = Firefox(color_scheme=color_scheme)
    try:
        yield browser
    finally:
        browser.close()
