"""The agent's tools: typed (pydantic) thin wrappers over ``scheduler.service`` that answer in
short text a model (or a person) can read. ``tools.catalog`` lists them and the two sets handed
out: one for people, a restricted one for AI runs."""
