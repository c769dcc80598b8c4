"""Slack: the bolt app (inbound), Block Kit rendering, the HTTP route and outgoing delivery."""
