"""Masking secret values in what runs leave behind, including values split across chunks."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from urllib.parse import quote, quote_plus

from hypothesis import given
from hypothesis import strategies as st

from scheduler.actions.base import OutputCapture
from scheduler.redaction import SecretMasker

VALUE = "s3cr3t/val+ue=42 \"q\""


def test_masker_hides_the_value_and_its_common_encodings() -> None:
    masker = SecretMasker({"TOKEN": VALUE})
    raw = VALUE.encode()
    forms = [VALUE, quote(VALUE, safe=""), quote_plus(VALUE), json.dumps(VALUE)[1:-1],
             base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode().rstrip("=")]
    for form in forms:
        masked = masker.text(f"before {form} after")
        assert masked == "before [secret TOKEN] after", form


def test_masker_walks_result_data() -> None:
    masker = SecretMasker({"A": "alpha-value", "B": "beta-value"})
    data = {"url": "https://x/?k=alpha-value", "rows": [["beta-value", 1]], "n": 3}
    assert masker.data(data) == {"url": "https://x/?k=[secret A]", "rows": [["[secret B]", 1]], "n": 3}


def test_masker_masks_a_longer_value_whole_when_it_contains_a_shorter_one() -> None:
    masker = SecretMasker({"SHORT": "abcd", "LONG": "xxabcdxx"})
    assert masker.text("xxabcdxx abcd") == "[secret LONG] [secret SHORT]"


@given(
    before=st.text(max_size=40), after=st.text(max_size=40),
    cuts=st.lists(st.integers(min_value=0, max_value=200), max_size=8),
)
def test_stream_masker_finds_values_split_across_chunks(before: str, after: str, cuts: list[int]) -> None:
    masker = SecretMasker({"TOKEN": VALUE})
    whole = f"{before}{VALUE}{after}{VALUE}".encode()
    stream = masker.stream()
    out = b""
    start = 0
    for cut in sorted(c % (len(whole) + 1) for c in cuts):
        out += stream.feed(whole[start:cut])
        start = max(start, cut)
    out += stream.feed(whole[start:]) + stream.flush()
    assert VALUE.encode() not in out
    assert out == masker.text(whole.decode()).encode()


def test_output_capture_masks_the_row_and_the_log_file(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "1.log"
    capture = OutputCapture(log)
    capture.mask_with(SecretMasker({"TOKEN": VALUE}))
    half = len(VALUE) // 2
    capture.write("stdout", f"token={VALUE[:half]}".encode())
    capture.write("stdout", f"{VALUE[half:]} done\n".encode())
    capture.write("stderr", base64.b64encode(VALUE.encode()))
    capture.close()
    assert capture.text("stdout") == "token=[secret TOKEN] done\n"
    assert capture.text("stderr") == "[secret TOKEN]"
    assert VALUE.encode() not in log.read_bytes() and b"[secret TOKEN]" in log.read_bytes()
    assert oct(log.stat().st_mode & 0o777) == oct(0o600)
