"""OutputView: rows per stream, partial rows, search, clear, save."""

from __future__ import annotations

import re

import pytest

from procdeck.core.line_source import LineKind, LineSource, SearchQuery
from procdeck.core.output import Stream
from procdeck.engine.output.run_output import RunOutput
from procdeck.engine.output.settings import OutputSettings

OUT_ONLY = frozenset({LineKind.STDOUT})
ERR_ONLY = frozenset({LineKind.STDERR})
ALL = frozenset({LineKind.STDOUT, LineKind.STDERR})


def rows(view) -> list[str]:
    a, b = view.row_range()
    return [view.plain(r) for r in range(a, b)]


@pytest.fixture
def output(tmp_path):
    out = RunOutput(1, label="t", settings=OutputSettings(log_directory=tmp_path))
    yield out
    out.close(timeout=10)


def test_merged_and_per_stream_views(output):
    output.feed(Stream.STDOUT, b"o1\no2\n")
    output.feed(Stream.STDERR, b"e1\n")
    output.marker("restarted")
    output.feed(Stream.STDOUT, b"o3\npartial")
    merged, out, err = output.view(), output.view(OUT_ONLY), output.view(ERR_ONLY)
    assert isinstance(merged, LineSource)
    assert rows(merged) == ["o1", "o2", "e1", "restarted", "o3", "partial"]
    assert rows(out) == ["o1", "o2", "restarted", "o3", "partial"]
    assert rows(err) == ["e1", "restarted"]
    last = merged.row_range()[1] - 1
    assert merged.display(last).partial and merged.display(last).kind == LineKind.STDOUT
    assert merged.display(2).kind == LineKind.STDERR
    assert merged.display(3).kind == LineKind.MARKER
    out.set_streams(ERR_ONLY)
    assert rows(out) == ["e1", "restarted"]


def test_a_paints_rows_at_once_are_the_rows_one_by_one(tmp_path):
    """displays(a, b) gives what display() gives row by row: across blocks, with styles,
    stderr rows, markers, clipped and partial rows, per-stream views and after eviction."""
    output = RunOutput(settings=OutputSettings(scrollback_lines=1000, log_directory=tmp_path))
    try:
        for i in range(1400):
            stream = Stream.STDERR if i % 7 == 0 else Stream.STDOUT
            text = b"\x1b[31mred %d\x1b[0m" % i if i % 5 == 0 else b"line %d" % i
            output.feed(stream, text + (b"x" * 12_000 if i == 1390 else b"") + b"\n")
            if i == 1395:
                output.marker("restarted")
        output.feed(Stream.STDOUT, b"partial")
        for kinds in (ALL, OUT_ONLY, ERR_ONLY):
            view = output.view(kinds)
            first, end = view.row_range()
            one_by_one = [view.display(r) for r in range(first, end)]
            assert output.view(kinds).displays(first, end) == one_by_one  # nothing cached yet
            middle = (first + end) // 2
            half = output.view(kinds)
            assert half.displays(middle, end) == one_by_one[middle - first :]
            assert half.displays(first, middle) == one_by_one[: middle - first]
            assert half.displays(first, end) == one_by_one  # partly cached
        merged = output.view()
        first, end = merged.row_range()
        assert first > 0 and merged.displays(end - 1, end)[0].partial
        assert any(d.runs for d in merged.displays(first, end))
        assert any(d.clipped_chars for d in merged.displays(first, end))
        with pytest.raises(IndexError):
            merged.displays(first - 1, first + 1)
    finally:
        output.close(timeout=10)


def test_partial_row_completes_in_place(output):
    view = output.view()
    output.feed(Stream.STDOUT, b"Password: ")
    first, end = view.row_range()
    assert view.plain(end - 1) == "Password: " and view.display(end - 1).partial
    output.feed(Stream.STDOUT, b"***\n")
    assert view.row_range() == (first, end)
    assert view.plain(end - 1) == "Password: ***" and not view.display(end - 1).partial


def test_rows_stay_numbered_when_old_lines_fall_out(tmp_path):
    output = RunOutput(settings=OutputSettings(scrollback_lines=1000, log_directory=tmp_path))
    view = output.view(OUT_ONLY)
    for i in range(3000):
        output.feed(Stream.STDOUT if i % 3 else Stream.STDERR, b"line %d\n" % i)
    first, end = view.row_range()
    assert view.dropped_rows() == first > 0
    assert view.plain(end - 1) == "line 2999"
    assert all(view.plain(r).startswith("line ") for r in range(first, end))
    output.close(timeout=10)


@pytest.mark.parametrize(
    ("query", "expected_rows", "occurrences"),
    [
        (SearchQuery("error"), [1, 3], 3),
        (SearchQuery("ERROR", case_sensitive=True), [3], 1),
        (SearchQuery(r"\d{3}", regex=True), [2], 2),
        (SearchQuery("a.c"), [4], 1),  # plain search: the dot is literal
    ],
)
def test_search_counts_rows_and_matches(output, query, expected_rows, occurrences):
    output.feed(Stream.STDOUT, b"fine\nerror: one error\n123 456\n\x1b[31mERROR\x1b[0m red\na.c abc\n")
    view = output.view()
    step = view.search(query, 0, 10**9, 1000)
    assert list(step.rows) == expected_rows
    assert step.occurrences == occurrences


def test_search_in_slices_reaches_the_same_result(output):
    for i in range(5000):
        output.feed(Stream.STDOUT, b"row %d%s\n" % (i, b" hit" if i % 7 == 0 else b""))
    view = output.view()
    found, occ, pos = [], 0, 0
    while pos < view.row_range()[1]:
        step = view.search(SearchQuery("hit"), pos, 10**9, 333)
        found += step.rows
        occ += step.occurrences
        pos = step.next_row
    assert found == [i for i in range(5000) if i % 7 == 0] and occ == len(found)


def test_a_bad_regex_raises_re_error(output):
    with pytest.raises(re.error):
        output.view().search(SearchQuery("(unclosed", regex=True), 0, 10, 10)


def test_clear_hides_what_was_received_only_in_that_view(output):
    output.feed(Stream.STDOUT, b"a\nb\n")
    view, other = output.view(), output.view()
    view.clear()
    assert rows(view) == [] and rows(other) == ["a", "b"]
    output.feed(Stream.STDOUT, b"c\n")
    assert rows(view) == ["c"]


def test_save_shown_rows_and_full_log(output, tmp_path):
    import threading

    output.feed(Stream.STDOUT, b"\x1b[32mgreen\x1b[0m\nplain\n")
    output.feed(Stream.STDERR, b"err\n")
    view = output.view()
    done: list[object] = []
    finished = threading.Event()

    def on_done(error):
        done.append(error)
        finished.set()

    view.save(str(tmp_path / "shown.txt"), full=False, done=on_done)
    assert finished.wait(10)
    assert (tmp_path / "shown.txt").read_text() == "green\nplain\nerr\n"
    output.close(timeout=10)
    finished.clear()
    out_view = output.view(OUT_ONLY)
    out_view.save(str(tmp_path / "full.log"), full=True, done=on_done)
    assert finished.wait(10)
    assert (tmp_path / "full.log").read_bytes() == b"\x1b[32mgreen\x1b[0m\nplain\n"
    finished.clear()
    view.save(str(tmp_path / "missing-dir" / "x.txt"), full=False, done=on_done)
    assert finished.wait(10)
    assert done[:2] == [None, None] and "Cannot save" in str(done[2])
    view.close()
    out_view.close()
