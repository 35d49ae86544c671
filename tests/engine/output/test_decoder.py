"""Transcoding run output to the UTF-8 the store keeps."""

from __future__ import annotations

import pytest

from procdeck.engine.output.decoder import EncodingError, Utf8Transcoder, canonical_encoding


def test_utf8_is_passed_through_untouched():
    t = Utf8Transcoder("UTF8")
    assert t.passthrough
    data = b"ok \xff\xfe bad\n"
    assert t.feed(data) is data


def test_other_encodings_are_decoded_incrementally_with_replacement():
    t = Utf8Transcoder("utf-16-le")
    raw = "héllo\n".encode("utf-16-le")
    out = b"".join(t.feed(raw[i : i + 1]) for i in range(len(raw)))  # split mid-character
    assert out.decode() == "héllo\n"
    assert Utf8Transcoder("latin-1").feed(b"caf\xe9") == "café".encode()
    assert Utf8Transcoder("ascii").feed(b"a\xffb") == "a\ufffdb".encode()


def test_a_truncated_character_at_the_end_is_replaced_on_flush():
    t = Utf8Transcoder("utf-16-le")
    assert t.feed(b"a\x00b") == b"a"
    assert t.flush() == "\ufffd".encode()


@pytest.mark.parametrize("name", ["no-such-codec", "rot13", "hex"])
def test_unknown_or_non_text_encodings_are_refused_with_a_message(name):
    with pytest.raises(EncodingError, match="showing the output as UTF-8"):
        canonical_encoding(name)
