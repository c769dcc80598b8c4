"""Email over a local SMTP server (aiosmtpd): the email action and the email channel."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from connectors.delivery import DeliveryFailed
from connectors.mail import EmailChannel
from scheduler.actions import email
from scheduler.actions.base import (
    ActionConfig,
    ActionContext,
    ActionFailed,
    OutputCapture,
    SmtpConfig,
)
from scheduler.models import EmailAction
from scheduler.ports import Notification


def smtp(server, **overrides) -> SmtpConfig:
    return SmtpConfig(**{"host": "127.0.0.1", "port": server.port, "security": "none",
                         "sender": "cronpilot@example.com", "timeout_s": 5, **overrides})


def context(tmp_path: Path, config: SmtpConfig | None) -> ActionContext:
    return ActionContext(
        run_id=7, task_id=1, task_name="weekly report", owner="ann", attempt=1, timeout=timedelta(seconds=30),
        config=ActionConfig(data_dir=tmp_path, smtp=config), output=OutputCapture(tmp_path / "7.log"),
        idempotency_key="cronpilot-run-7",
    )


async def test_email_action_sends_through_smtp(smtp_server, tmp_path):
    action = EmailAction(to=["ann@example.com", "bob@example.com"], subject="Weekly\r\nBcc: eve@evil", body="Hello")
    result = await email.run(action, context(tmp_path, smtp(smtp_server)))
    assert result.ok and result.summary == "sent to 2 recipients"
    [mail] = smtp_server.inbox
    assert mail.rcpt_tos == ["ann@example.com", "bob@example.com"]
    assert mail.message["Subject"] == "Weekly Bcc: eve@evil"  # folded: no header injection
    assert mail.message["Bcc"] is None
    assert mail.message["Message-ID"] == "<cronpilot-run-7@example.com>"  # stable across retries
    assert mail.message.get_content().strip() == "Hello"


async def test_email_action_without_smtp_settings_says_what_to_set(tmp_path):
    action = EmailAction(to=["ann@example.com"], subject="s")
    with pytest.raises(ActionFailed, match="CRONPILOT_SMTP_HOST"):
        await email.run(action, context(tmp_path, None))


async def test_email_action_refuses_plain_text_when_starttls_is_missing(smtp_server, tmp_path):
    action = EmailAction(to=["ann@example.com"], subject="s")
    with pytest.raises(ActionFailed, match="STARTTLS"):
        await email.run(action, context(tmp_path, smtp(smtp_server, security="starttls")))
    assert smtp_server.inbox == []


async def test_email_action_reports_a_refused_recipient_and_the_server(smtp_server, tmp_path):
    smtp_server.refuse.add("nobody@example.com")
    action = EmailAction(to=["nobody@example.com"], subject="s")
    with pytest.raises(ActionFailed, match=rf"127.0.0.1:{smtp_server.port}.*refused"):
        await email.run(action, context(tmp_path, smtp(smtp_server)))


async def test_email_action_reports_an_unreachable_server(tmp_path, unused_tcp_port):
    action = EmailAction(to=["ann@example.com"], subject="s")
    config = SmtpConfig(host="127.0.0.1", port=unused_tcp_port, security="none", timeout_s=2)
    with pytest.raises(ActionFailed, match=f"127.0.0.1:{unused_tcp_port} failed"):
        await email.run(action, context(tmp_path, config))


async def test_email_channel_delivers_a_notice(make_router, smtp_server):
    router = make_router(email=EmailChannel(smtp(smtp_server)))
    await router.notify(Notification(owner="ann", text="stretch\nnow", title="break", run_id=3,
                                     destination={"platform": "email", "address": "ann@example.com"}))
    [mail] = smtp_server.inbox
    assert mail.rcpt_tos == ["ann@example.com"] and mail.message["Subject"] == "cronpilot: break"
    assert "stretch" in mail.message.get_content()


async def test_email_channel_retries_then_names_the_server(make_router, sleeps, unused_tcp_port):
    config = SmtpConfig(host="127.0.0.1", port=unused_tcp_port, security="none", timeout_s=2)
    router = make_router(email=EmailChannel(config))
    with pytest.raises(DeliveryFailed, match=f"email ann@example.com via 127.0.0.1:{unused_tcp_port}"):
        await router.notify(Notification(owner="ann", text="x",
                                         destination={"platform": "email", "address": "ann@example.com"}))
    assert len(sleeps) == 2
