"""Telegram: the python-telegram-bot application (inbound), HTML rendering, the webhook route
and outgoing delivery."""
