"""The assistant: the LangGraph agent over the tools (any OpenAI-compatible model), conversation
memory, the offline understanding of common requests, and AI tasks at fire time.

Connectors use ``agent.messages`` and ``agent.assistant.Assistant``; the engine uses
``agent.ai_runner.AgentAIRunner`` through the scheduler's ``AIRunner`` port.
"""
