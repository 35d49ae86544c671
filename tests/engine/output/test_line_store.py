"""LineStore: splitting, partial lines, bounds, streams and segments."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from procdeck.engine.output.line_store import LineStore

OUT, ERR, MARK = 1, 2, 0


def lines_of(store: LineStore) -> list[bytes]:
    return [store.line(i) for i in range(store.first, store.end)]


def feed_chunks(store: LineStore, data: bytes, cuts: list[int], kind: int = OUT) -> None:
    pos = 0
    for cut in sorted(set(c % (len(data) + 1) for c in cuts)) + [len(data)]:
        store.append(kind, data[pos:cut], 1.0)
        pos = cut


@settings(max_examples=200, deadline=None, database=None)
@given(
    st.lists(st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"")), max_size=60),
    st.lists(st.integers(min_value=0, max_value=5000), max_size=30),
    st.booleans(),
)
def test_any_chunking_gives_the_same_lines(lines, cuts, trailing_newline):
    data = b"\n".join(lines) + (b"\n" if trailing_newline else b"")
    store = LineStore(max_lines=10_000, block_bytes=64)
    feed_chunks(store, data, cuts)
    expected = data.split(b"\n")
    tail = expected.pop()
    assert lines_of(store) == expected
    assert store.pending_line(OUT) == tail
    store.finish(OUT, 2.0)
    assert lines_of(store) == expected + ([tail] if tail else [])
    assert store.pending_kinds() == []


@settings(max_examples=200, deadline=None, database=None)
@given(
    st.lists(st.binary(max_size=30).map(lambda b: b.replace(b"\n", b"")), min_size=1, max_size=80),
    st.lists(st.integers(min_value=0, max_value=3000), max_size=20),
    st.integers(min_value=0, max_value=100),
    st.integers(min_value=0, max_value=100),
)
def test_a_slice_of_lines_matches_line_by_line(lines, cuts, a, b):
    """lines(a, b) (a paint's rows in one call) across sealed blocks and the open one."""
    store = LineStore(max_lines=50, block_bytes=64)
    feed_chunks(store, b"".join(line + b"\n" for line in lines), cuts)
    start = store.first + min(a, b) % (store.end - store.first + 1)
    stop = min(store.end, start + abs(a - b))
    assert store.lines(start, stop) == [store.line(i) for i in range(start, stop)]


@settings(max_examples=100, deadline=None, database=None)
@given(st.integers(min_value=1, max_value=3000), st.integers(min_value=1, max_value=200))
def test_bounded_to_the_last_max_lines(total, per_chunk):
    store = LineStore(max_lines=1000, block_bytes=256)
    data = b"".join(b"%d\n" % i for i in range(total))
    feed_chunks(store, data, list(range(per_chunk, len(data), per_chunk)))
    assert store.end == total
    assert store.end - store.first == min(total, 1000)
    assert lines_of(store) == [b"%d" % i for i in range(max(0, total - 1000), total)]


def test_byte_cap_drops_whole_old_blocks():
    store = LineStore(max_lines=10**6, max_bytes=100_000, block_bytes=16_384)
    for i in range(100):
        store.append(OUT, (b"%05d" % i) * 200 + b"\n", float(i))
    assert store.nbytes <= 100_000
    assert store.first > 0
    assert store.line(store.end - 1).startswith(b"00099")


def test_streams_keep_their_own_partial_lines_and_segments():
    store = LineStore()
    store.append(OUT, b"out-a\nout-", 1.0)
    store.append(ERR, b"err-a\nerr-", 2.0)
    store.append(OUT, b"b\n", 3.0)
    store.add_line(MARK, "note\nwith newline", 4.0)
    store.append(ERR, b"b\n", 5.0)
    assert lines_of(store) == [b"out-a", b"err-a", b"out-b", b"note with newline", b"err-b"]
    assert [store.kind(i) for i in range(store.end)] == [OUT, ERR, OUT, MARK, ERR]
    assert [store.time(i) for i in range(store.end)] == [1.0, 2.0, 3.0, 4.0, 5.0]


def test_a_huge_line_is_cut_into_capped_pieces_at_character_boundaries():
    store = LineStore(max_line_bytes=4096)
    text = ("é" * 10_000).encode()  # 2 bytes each: a cut could split a character
    for i in range(0, len(text), 1000):
        store.append(OUT, text[i : i + 1000], 1.0)
    store.append(OUT, b"\n", 1.0)
    pieces = lines_of(store)
    assert all(len(p) <= 4096 for p in pieces)
    assert b"".join(pieces) == text
    assert all(p.decode("utf-8") for p in pieces)  # each piece decodes strictly


def test_a_carriage_return_flood_keeps_only_the_latest_rewrite():
    store = LineStore(max_line_bytes=2048)
    for i in range(20_000):
        store.append(OUT, b"\rprogress %6d" % i, 1.0)
    assert store.end == 0  # still one partial line
    pending = store.pending_line(OUT)
    assert len(pending) <= 2048
    assert pending.endswith(b"progress  19999")
    store.append(OUT, b"\n", 2.0)
    assert store.line(0).endswith(b"progress  19999")


def test_blocks_cover_requested_lines_in_order():
    store = LineStore(block_bytes=100)
    for i in range(500):
        store.append(OUT, b"line %d\n" % i, 1.0)
    seen = []
    for first, data, ends in store.blocks(120, 380):
        start = 0
        for k, end in enumerate(ends):
            if 120 <= first + k < 380:
                seen.append(bytes(data[start : end - 1]))
            start = int(end)
    assert seen == [b"line %d" % i for i in range(120, 380)]
