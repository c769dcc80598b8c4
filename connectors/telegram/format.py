"""Telegram messages in HTML parse mode: data is ``html.escape``d, our tags go around it, and
long texts are cut under 4,096 characters on line boundaries (measured after escaping).

HTML rather than MarkdownV2: MarkdownV2 needs 18 characters escaped and fails the whole send on
one miss; HTML needs three, and ``html.escape`` does them.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from agent.messages import ButtonAction, OutboundMessage
from scheduler.ports import Notification

from ..markup import TELEGRAM_LIMIT, printable, split_text, telegram_html
from ..views import STATUS_MARK, RunView, TaskView, encode_button

CALLBACK_PREFIX = "cp:"  # callback data is ours only if it starts with this (≤ 64 bytes in all)
Piece = tuple[str, InlineKeyboardMarkup | None]

HELP = (
    "I turn requests into scheduled tasks. Just write, e.g. <i>remind me every Monday at 9 to "
    "plan the week</i>.\n\n"
    "/tasks — your tasks, with buttons\n"
    "/runs [task] — recent runs\n"
    "/tz Europe/Berlin — your time zone\n"
    "/help — this"
)


def keyboard(buttons: Sequence[ButtonAction], *, per_row: int = 2) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    keys = [
        InlineKeyboardButton(button.label[:64], callback_data=f"{CALLBACK_PREFIX}{encode_button(button)}")
        for button in buttons[:100]
    ]
    return InlineKeyboardMarkup([keys[i : i + per_row] for i in range(0, len(keys), per_row)])


def html_pieces(text: str, *, header: str = "", limit: int = TELEGRAM_LIMIT) -> list[str]:
    """``text`` escaped and split; ``header`` (already HTML) leads the first piece."""
    room = limit - len(header) - 1 if header else limit
    pieces = split_text(printable(text), room, measure=lambda s: len(telegram_html(s)))
    rendered = [telegram_html(p) for p in pieces]
    if header:
        rendered[0] = f"{header}\n{rendered[0]}" if rendered[0] else header
    return rendered


def reply_pieces(out: OutboundMessage) -> list[Piece]:
    """The assistant's reply; its buttons ride on the last piece."""
    pieces = html_pieces(out.text or " ")
    last = len(pieces) - 1
    return [(piece, keyboard(out.buttons) if i == last else None) for i, piece in enumerate(pieces)]


def tasks_piece(views: Sequence[TaskView], total: int) -> Piece:
    if not views:
        return "You have no tasks yet. Try <i>remind me every Monday at 9 to plan the week</i>.", None
    lines = [f"<b>Your tasks</b> ({total})"]
    buttons: list[ButtonAction] = []
    for view in views:
        mark = STATUS_MARK.get(view.status, "•")
        line = (f"{mark} <b>{telegram_html(view.name)}</b> <code>#{view.task_id}</code> · "
                f"{view.kind} · {view.status}")
        detail = telegram_html(view.schedule)
        if view.next_fire:
            detail += f" · next {telegram_html(view.next_fire)}"
        lines.append(f"{line}\n    {detail}")
        # Button labels name the task's id: one keyboard serves the whole list.
        buttons.extend(ButtonAction(f"{b.label} #{b.task_id}", b.action, b.task_id) for b in view.buttons)
    if total > len(views):
        lines.append(f"…and {total - len(views)} more.")
    return _fit("\n".join(lines)), keyboard(buttons)


def runs_piece(views: Sequence[RunView], *, task: str | None = None) -> Piece:
    title = f"Recent runs of {telegram_html(task)}" if task else "Recent runs"
    if not views:
        return f"<b>{title}</b>: none yet.", None
    lines = [f"<b>{title}</b>"]
    for view in views:
        mark = STATUS_MARK.get(view.status, "•")
        line = (f"{mark} <b>{telegram_html(view.task_name)}</b> · run {view.run_id} · "
                f"{view.status} · {telegram_html(view.when)}")
        if view.detail:
            line += f"\n    {telegram_html(view.detail)}"
        lines.append(line)
    return _fit("\n".join(lines)), None


def notice_pieces(notification: Notification) -> list[str]:
    header = f"🔔 <b>{telegram_html(printable(notification.title))}</b>" if notification.title else "🔔"
    return html_pieces(notification.text, header=header)


def _fit(html: str) -> str:
    # Listings are built from whole lines; past the limit keep whole lines only (tags stay closed).
    if len(html) <= TELEGRAM_LIMIT:
        return html
    kept: list[str] = []
    size = 0
    for line in html.split("\n"):
        if size + len(line) + 1 > TELEGRAM_LIMIT - 2:
            break
        kept.append(line)
        size += len(line) + 1
    return "\n".join(kept) + "\n…"
