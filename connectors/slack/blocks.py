"""Block Kit for replies, task lists, run histories and delivered notices.

All data is escaped with ``slack_escape`` before it meets our mrkdwn, so a task named
``<!channel>`` is shown, never announced. Slack's limits shape the code: a section's text is at
most 3,000 characters, a message at most 50 blocks, an actions block at most 25 elements, and
action ids must be unique within a message.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agent.messages import ButtonAction, OutboundMessage
from scheduler.ports import Notification

from ..markup import SLACK_BLOCK_LIMIT, SLACK_TEXT_LIMIT, printable, slack_escape, split_text
from ..views import STATUS_MARK, RunView, TaskView, encode_button

Block = dict[str, Any]
Message = tuple[str, list[Block]]  # (fallback text, blocks)

MAX_BLOCKS = 50
_BLOCKS_PER_NOTICE_MESSAGE = 12  # 12 × 3,000 characters stays under the 40,000 text limit
ACTION_PREFIX = "cronpilot:"


def section(mrkdwn: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn}}


def context(mrkdwn: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": mrkdwn}]}


def buttons_block(buttons: Sequence[ButtonAction], *, block_id: str | None = None) -> Block:
    elements = []
    for button in buttons[:25]:
        element: Block = {
            "type": "button",
            "text": {"type": "plain_text", "text": button.label[:75], "emoji": True},
            "action_id": f"{ACTION_PREFIX}{encode_button(button)}",
            "value": encode_button(button),
        }
        if button.action == "approve":
            element["style"] = "primary"
        elements.append(element)
    block: Block = {"type": "actions", "elements": elements}
    if block_id:
        block["block_id"] = block_id
    return block


def escaped_sections(text: str, *, limit: int = SLACK_BLOCK_LIMIT) -> list[Block]:
    """``text`` escaped and cut into section blocks on line boundaries."""
    pieces = split_text(printable(text), limit, measure=lambda s: len(slack_escape(s)))
    return [section(slack_escape(piece)) for piece in pieces if piece.strip()]


def reply_message(out: OutboundMessage) -> Message:
    """The assistant's reply: its words (escaped: the model may echo task names or fetched text)
    and its buttons. Longer replies are cut to the block budget."""
    blocks = escaped_sections(out.text)[: MAX_BLOCKS - 1]
    if out.buttons:
        blocks.append(buttons_block(out.buttons))
    return _fallback(out.text), blocks


def task_list_message(views: Sequence[TaskView], total: int) -> Message:
    if not views:
        hint = "You have no tasks yet. Try _remind me every Monday at 9 to plan the week_."
        return "You have no tasks yet.", [section(hint)]
    blocks: list[Block] = [section(f"*Your tasks* ({total})")]
    for view in views:
        mark = STATUS_MARK.get(view.status, "•")
        line = f"{mark} *{slack_escape(view.name)}*  `#{view.task_id}` · {view.kind} · {view.status}"
        detail = slack_escape(view.schedule)
        if view.next_fire:
            detail += f" · next {slack_escape(view.next_fire)}"
        blocks.append(section(f"{line}\n{detail}"[:SLACK_BLOCK_LIMIT]))
        if view.buttons:
            blocks.append(buttons_block(view.buttons, block_id=f"task-{view.task_id}"))
        if len(blocks) >= MAX_BLOCKS - 2:
            break
    if total > len(views):
        blocks.append(context(f"…and {total - len(views)} more. Ask me about one by name."))
    return f"Your tasks ({total})", blocks


def run_list_message(views: Sequence[RunView], *, task: str | None = None) -> Message:
    title = f"Recent runs of {task}" if task else "Recent runs"
    if not views:
        return f"{title}: none yet.", [section(f"*{slack_escape(title)}*: none yet.")]
    blocks: list[Block] = [section(f"*{slack_escape(title)}*")]
    for view in views[: MAX_BLOCKS - 1]:
        mark = STATUS_MARK.get(view.status, "•")
        text = (f"{mark} *{slack_escape(view.task_name)}* · run {view.run_id} · {view.status} · "
                f"{slack_escape(view.when)}")
        if view.detail:
            text += f"\n{slack_escape(view.detail)}"
        blocks.append(section(text[:SLACK_BLOCK_LIMIT]))
    return title, blocks


def notice_messages(notification: Notification) -> list[Message]:
    """A delivered notice (a reminder, a failure) as one or more messages: sections of at most
    3,000 characters, at most 12 per message, split on line boundaries."""
    title = f"🔔 *{slack_escape(printable(notification.title))}*" if notification.title else "🔔"
    sections = escaped_sections(notification.text) or [section(" ")]
    messages: list[Message] = []
    for start in range(0, len(sections), _BLOCKS_PER_NOTICE_MESSAGE):
        group = sections[start : start + _BLOCKS_PER_NOTICE_MESSAGE]
        if start == 0:
            group = [section(title), *group]
        fallback = "\n".join(b["text"]["text"] for b in group)[:SLACK_TEXT_LIMIT]
        messages.append((fallback, group))
    return messages


def _fallback(text: str) -> str:
    # The notification / screen-reader text of a message with blocks: escaped like the blocks.
    return slack_escape(printable(text))[:SLACK_TEXT_LIMIT] or " "
