"""Prompt texts (Markdown files), loaded by name through ``agent.prompts``. No code lives here."""
