"""Bring any run encoding to the UTF-8 bytes the line store keeps.

The store keeps UTF-8 bytes and decodes only the rows a viewer paints (with
``errors="replace"``). For UTF-8 output, the common case, the pipe bytes are stored as
they are: splitting raw UTF-8 at ``\\n`` is safe (0x0A never occurs inside a multi-byte
sequence) and decoding each line with replacement gives the same text an incremental
decoder would. Other encodings go through a codecs incremental decoder (replacement on
invalid input) and are re-encoded as UTF-8, chunk by chunk, so a multi-byte character split
across two reads is still decoded whole.
"""

from __future__ import annotations

import codecs


class EncodingError(ValueError):
    """An unknown encoding name; the message is for the user."""


def canonical_encoding(name: str | None) -> str:
    """The codec's canonical name ("utf-8", "latin-1"...); raises EncodingError."""
    try:
        info = codecs.lookup(name or "utf-8")
    except LookupError:
        raise EncodingError(f"Unknown output encoding {name!r}; showing the output as UTF-8.") from None
    if not hasattr(info, "incrementaldecoder") or info.incrementaldecoder is None:
        raise EncodingError(f"{name!r} is not a text encoding; showing the output as UTF-8.")
    try:  # codecs such as "rot13" or "hex" are str<->str or bytes<->bytes; refuse them
        codecs.decode(b"a\n", info.name)
    except Exception:
        raise EncodingError(f"{name!r} is not a text encoding; showing the output as UTF-8.") from None
    return info.name


class Utf8Transcoder:
    """Incremental ``bytes -> UTF-8 bytes`` for one stream of one run."""

    __slots__ = ("encoding", "_decoder")

    def __init__(self, encoding: str = "utf-8") -> None:
        self.encoding = canonical_encoding(encoding)
        self._decoder = (
            None if self.encoding == "utf-8" else codecs.getincrementaldecoder(self.encoding)("replace")
        )

    @property
    def passthrough(self) -> bool:
        return self._decoder is None

    def feed(self, data: bytes, final: bool = False) -> bytes:
        if self._decoder is None:
            return data
        text = self._decoder.decode(data, final)
        # surrogateescape is never produced by "replace"; lone surrogates (utf-16 garbage)
        # are replaced so that the stored bytes are always valid UTF-8.
        return text.encode("utf-8", "replace")

    def flush(self) -> bytes:
        return self.feed(b"", final=True)
