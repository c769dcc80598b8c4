"""The delivery router: the right platform and address, pieces within each platform's limits,
markup escaped, rate limits honoured, and a failure that says where it happened."""

from __future__ import annotations

import pytest
from fakes.notifier import RecordingNotifier

from connectors.delivery import DeliveryFailed
from connectors.markup import slack_escape, split_text
from scheduler.ports import Notification

SLACK = {"platform": "slack", "team": "T1", "channel": "C9", "thread": "5.0"}
TELEGRAM = {"platform": "telegram", "chat": "42"}


def long_text(chars: int, *, line: int = 99) -> str:
    lines, size, n = [], 0, 0
    while size < chars:
        text = f"line {n:04d} " + "x" * (line - 10)
        lines.append(text)
        size += len(text) + 1
        n += 1
    return "\n".join(lines)[:chars].rstrip("\n")


async def test_router_sends_slack_notices_to_the_channel_and_thread(make_router, slack, slack_api):
    router = make_router(slack=slack)
    await router.notify(Notification(owner="u", text="stretch", title="break", destination=SLACK))
    [post] = slack_api.posts()
    assert post["channel"] == "C9" and post["thread_ts"] == "5.0"
    assert "stretch" in post["text"] and "break" in post["blocks"][0]["text"]["text"]


async def test_router_escapes_slack_mentions_in_names_and_text(make_router, slack, slack_api):
    router = make_router(slack=slack)
    await router.notify(Notification(
        owner="u", title="<!channel> standup", text="ping <@U123> & <!here> <https://evil|https://good>",
        destination=SLACK,
    ))
    [post] = slack_api.posts()
    everything = post["text"] + "".join(b["text"]["text"] for b in post["blocks"])
    assert "<!channel>" not in everything and "<@U123>" not in everything and "<!here>" not in everything
    assert "&lt;!channel&gt; standup" in everything and "&amp;" in everything
    assert "<https://evil" not in everything


async def test_router_honours_slack_retry_after_then_delivers_once(make_router, slack, slack_api, sleeps):
    slack_api.script("chat.postMessage", status=429, body={"ok": False, "error": "ratelimited"},
                     headers={"Retry-After": "3"})
    router = make_router(slack=slack)
    await router.notify(Notification(owner="u", text="stretch", destination=SLACK))
    assert sleeps == [3.0]
    assert len(slack_api.posts()) == 2  # the refused try and the delivered one


async def test_router_gives_up_after_the_last_try_naming_the_place(make_router, slack, slack_api, sleeps):
    for _ in range(3):
        slack_api.script("chat.postMessage", status=429, body={"ok": False, "error": "ratelimited"},
                         headers={"Retry-After": "1"})
    router = make_router(slack=slack)
    with pytest.raises(DeliveryFailed, match=r"slack channel C9, thread 5.0 failed after 3 tries"):
        await router.notify(Notification(owner="u", text="stretch", destination=SLACK))
    assert sleeps == [1.0, 1.0]


async def test_router_fails_at_once_on_a_permanent_slack_error(make_router, slack, slack_api, sleeps):
    slack_api.script("chat.postMessage", body={"ok": False, "error": "not_in_channel"})
    router = make_router(slack=slack)
    with pytest.raises(DeliveryFailed, match="slack channel C9.*not_in_channel"):
        await router.notify(Notification(owner="u", text="stretch", destination=SLACK))
    assert sleeps == []


async def test_router_splits_a_long_telegram_message_on_line_boundaries(make_router, telegram, telegram_api):
    text = long_text(10_000)
    router = make_router(telegram=telegram)
    await router.notify(Notification(owner="u", text=text, destination=TELEGRAM))
    sent = telegram_api.sent()
    assert len(sent) == 3
    assert all(len(m["text"]) <= 4096 for m in sent)
    bodies = [m["text"] for m in sent]
    bodies[0] = bodies[0].split("\n", 1)[1]  # the 🔔 header line
    assert all(line.startswith("line ") for body in bodies for line in body.split("\n"))
    assert "\n".join(bodies) == text


async def test_router_honours_telegram_retry_after(make_router, telegram, telegram_api, sleeps):
    telegram_api.flood(retry_after=5)
    router = make_router(telegram=telegram)
    await router.notify(Notification(owner="u", text="<b>not bold</b>", title="x & y", destination=TELEGRAM))
    assert sleeps == [5.0]
    [delivered] = [m for m in telegram_api.sent()][-1:]
    assert "&lt;b&gt;not bold&lt;/b&gt;" in delivered["text"] and "x &amp; y" in delivered["text"]


async def test_router_reports_a_telegram_refusal_with_the_chat(make_router, telegram, telegram_api):
    telegram_api.script("sendMessage", status=403, body={"ok": False, "error_code": 403,
                                                        "description": "Forbidden: bot was blocked by the user"})
    router = make_router(telegram=telegram)
    with pytest.raises(DeliveryFailed, match="telegram chat 42 failed: Telegram refused: .*blocked"):
        await router.notify(Notification(owner="u", text="hi", destination=TELEGRAM))


async def test_router_sends_local_and_unknown_addresses_to_the_console(make_router):
    console = RecordingNotifier()
    router = make_router(console=console)
    await router.notify(Notification(owner="u", text="a"))
    await router.notify(Notification(owner="u", text="b", destination={"platform": "terminal"}))
    await router.notify(Notification(owner="u", text="c", destination={"conversation_id": "cli:local"}))
    assert [n.text for n in console.sent] == ["a", "b", "c"]


async def test_router_fails_when_the_platform_is_not_configured(make_router):
    router = make_router()
    with pytest.raises(DeliveryFailed, match="the slack connector is not configured"):
        await router.notify(Notification(owner="u", text="a", destination=SLACK))


async def test_router_finds_a_failure_notice_destination_from_the_task(make_router, slack, slack_api, service):
    from scheduler.service import Actor

    actor = Actor("slack:U1", origin={"via": "slack", "conversation": SLACK})
    task = service.create_task(service.build_spec({"name": "n", "action": {"kind": "noop"}}), actor=actor)
    router = make_router(slack=slack)
    await router.notify(Notification(owner="slack:U1", text="failed", task_id=task.task_id))
    [post] = slack_api.posts()
    assert post["channel"] == "C9"


def test_split_text_prefers_paragraphs_then_lines_then_words():
    text = "a" * 50 + "\n\n" + "b" * 30 + "\n" + "c" * 30
    assert split_text(text, 70) == ["a" * 50, "b" * 30 + "\n" + "c" * 30]
    assert split_text("word " * 30, 40)[0].endswith("word")
    assert split_text("x" * 100, 40) == ["x" * 40, "x" * 40, "x" * 20]


def test_split_text_measures_the_rendered_size():
    pieces = split_text("<" * 100, 40, measure=lambda s: len(slack_escape(s)))
    assert all(len(slack_escape(p)) <= 40 for p in pieces) and "".join(pieces) == "<" * 100


class _FlakyChannel:
    """Three pieces per notice; the pieces named in ``fail`` fail once each (a network error)."""

    def __init__(self, fail: set[int]) -> None:
        self.fail = set(fail)
        self.sent: list[str] = []

    def describe(self, destination):
        return "flaky chat 1"

    def pieces(self, notification, destination):
        return [f"{notification.text} part {i}" for i in (1, 2, 3)]

    async def send(self, piece, destination):
        number = int(piece.rsplit(" ", 1)[1])
        if number in self.fail:
            self.fail.discard(number)
            raise DeliveryFailed("connection reset")
        self.sent.append(piece)


async def test_a_retried_message_sends_each_part_once_across_retries_and_restarts(make_router, service):
    from connectors.delivery import DeliveryRouter

    channel = _FlakyChannel(fail={2})
    router = make_router(flaky=channel)
    router.ledger = service  # the outbox, in the database
    notice = Notification(owner="u", text="report", destination={"platform": "flaky"}, key="task-1@2026-01-05T09:00")
    with pytest.raises(DeliveryFailed, match="part 2 of 3"):
        await router.notify(notice)  # the run's first attempt
    await router.notify(notice)  # its retry: part 1 is not sent again
    assert channel.sent == ["report part 1", "report part 2", "report part 3"]
    # A restarted process (a new router) redelivering the same run's message sends nothing more.
    again = DeliveryRouter(default=router.default, ledger=service)
    again.add_channel("flaky", channel)
    await again.notify(notice)
    assert channel.sent == ["report part 1", "report part 2", "report part 3"]
    # Another message (another fire) is delivered whole; one without a key is never remembered.
    await router.notify(Notification(owner="u", text="next", destination={"platform": "flaky"}, key="task-1@2026-01-06T09:00"))
    await router.notify(Notification(owner="u", text="plain", destination={"platform": "flaky"}))
    await router.notify(Notification(owner="u", text="plain", destination={"platform": "flaky"}))
    assert len(channel.sent) == 3 + 3 + 6
