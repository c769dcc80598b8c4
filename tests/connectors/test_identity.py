"""Who is writing, at the chat edge: an admin claim read out of a message."""

from __future__ import annotations

import pytest

from connectors.identity import claim_code_in


@pytest.mark.parametrize("text, code", [
    ("claim ABCD-EFGH-JKLM", "ABCDEFGHJKLM"), ("/claim abcd-efgh-jklm", "ABCDEFGHJKLM"),
    ("/claim@cronpilot_bot ABCDEFGHJKLM", "ABCDEFGHJKLM"), ("please claim it", None), ("claim", None),
])
def test_claim_messages_are_recognized(text, code):
    assert claim_code_in(text) == code
