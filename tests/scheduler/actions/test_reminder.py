"""The reminder action: the notice goes to the task's place, headed by the task's name unless the
name only repeats the text."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fakes.notifier import RecordingNotifier

from scheduler.actions import reminder
from scheduler.actions.base import ActionConfig, ActionContext, OutputCapture
from scheduler.models import ReminderAction


def context(tmp_path: Path, notifier: RecordingNotifier, name: str) -> ActionContext:
    return ActionContext(run_id=7, task_id=3, task_name=name, owner="alice", attempt=1,
                         timeout=timedelta(seconds=5), config=ActionConfig(data_dir=tmp_path),
                         output=OutputCapture(tmp_path / "run.log"), notifier=notifier,
                         destination={"platform": "telegram", "chat": "42"})


@pytest.mark.parametrize(("name", "message", "title"), [
    ("stretch", "stretch", None),  # the default name: 'stretch: stretch' said it twice
    ("take the pizza out of the oven before it burns, and then call…",
     "take the pizza out of the oven before it burns, and then call Bob", None),  # a clipped default
    ("weekly planning", "open the board and plan the week", "weekly planning"),
    ("stretch (2)", "stretch", "stretch (2)"),  # the name says something the text doesn't
])
async def test_reminder_heads_the_notice_with_the_name_unless_it_repeats_the_text(
    tmp_path: Path, name: str, message: str, title: str | None
) -> None:
    notifier = RecordingNotifier()
    result = await reminder.run(ReminderAction(message=message), context(tmp_path, notifier, name))
    [sent] = notifier.sent
    assert result.ok and sent.text == message and sent.title == title
    assert sent.destination == {"platform": "telegram", "chat": "42"}
