"""The screen model: pyte plus alternate screen, answers, and flood handling."""

from __future__ import annotations

import random
import time

import pyte
import pytest

from procdeck.ui.terminal.screen_model import Backlog, TerminalScreen, colours_in, modes_in, tail_start


def fed(data: bytes, cols: int = 20, rows: int = 5) -> tuple[TerminalScreen, Backlog]:
    screen = TerminalScreen(cols, rows)
    backlog = Backlog(screen)
    backlog.add(data)
    while backlog.feed(1.0):
        pass
    return screen, backlog


def test_escape_sequences_and_utf8_cut_between_reads():
    screen = TerminalScreen(20, 3)
    backlog = Backlog(screen)
    data = "\x1b[31mrot\x1b[0m \u4e2d\u00e9 ok".encode()
    for i in range(len(data)):  # one byte at a time: every sequence and character is cut
        backlog.add(data[i : i + 1])
        backlog.feed(1.0)
    assert screen.display[0].rstrip() == "rot \u4e2d\u00e9 ok"
    assert screen.buffer[0][0].fg == "red" and screen.buffer[0][3].fg == "default"
    assert screen.buffer[0][5].data == ""  # the wide character takes two cells


def test_invalid_utf8_is_replaced_not_fatal():
    screen, _ = fed(b"a\xff\xfeb\r\nnext")
    assert screen.display[0].startswith("a\ufffd")
    assert screen.display[1].startswith("next")


def test_alternate_screen_keeps_the_main_screen():
    screen, backlog = fed(b"shell prompt$ less\r\n")
    backlog.add(b"\x1b[?1049h\x1b[H\x1b[2Jfull screen app")
    backlog.feed(1.0)
    assert screen.alternate and screen.display[0].startswith("full screen app")
    backlog.add(b"\x1b[?1049l")
    backlog.feed(1.0)
    assert not screen.alternate
    assert screen.display[0].startswith("shell prompt$ less")


def test_queries_are_answered_and_modes_are_seen():
    screen, _ = fed(b"\x1b[5;3H\x1b[6n\x1b[c\x1b[?2004h\x1b[?1h")
    answers = screen.take_responses()
    assert b"\x1b[5;3R" in answers and answers.startswith(b"\x1b[5;3R")
    assert screen.bracketed_paste and screen.app_cursor_keys
    assert screen.take_responses() == b""


@pytest.mark.parametrize("seed", range(6))
def test_the_fast_draw_leaves_the_screen_exactly_as_pyte_does(seed):
    """Printable ASCII takes a fast path; mixed with everything that must not (wide and
    combining characters, the line-drawing set, insert mode, auto-wrap off), the screen
    ends cell for cell as pyte's own ``draw`` leaves it."""
    rng = random.Random(seed)
    pieces = [
        "plain text ",
        "x" * 37,
        "\r\n",
        "\x1b[1;31m",
        "\x1b[0m",
        "\x1b[48;5;200m",
        "\u4e2d\u6587",
        "e\u0301",
        "\x1b(0lqk\x1b(B",
        "\x1b%@\x1b(0lqk",  # out of UTF-8 mode, where charsets apply
        "\x1b(B\x1b%G",
        "\x1b[4h",
        "\x1b[4l",
        "\x1b[?7l",
        "\x1b[?7h",
        "\x1b[5;3H",
        "\x1b[2K",
        "\t",
        "\x1b[10G",
    ]
    data = "".join(rng.choice(pieces) for _ in range(400)).encode()
    mine = TerminalScreen(23, 7)
    reference = pyte.Screen(23, 7)
    for screen in (mine, reference):
        stream = pyte.ByteStream(screen)
        for i in range(0, len(data), 61):
            stream.feed(data[i : i + 61])
    assert (mine.cursor.x, mine.cursor.y) == (reference.cursor.x, reference.cursor.y)
    for y in range(7):
        assert dict(mine.buffer[y]) == dict(reference.buffer[y]), y


def test_a_cut_keeps_a_screenful_of_lines_and_the_modes_it_dropped():
    screen = TerminalScreen(40, 5)
    backlog = Backlog(screen)
    backlog.add(b"\x1b[?2004h\x1b[?1h" + b"".join(b"line %d\r\n" % i for i in range(5000)) + b"tail")
    assert backlog.pending < 200  # about five lines and the modes
    while backlog.feed(1.0):
        pass
    assert screen.bracketed_paste and screen.app_cursor_keys
    assert [row.rstrip() for row in screen.display] == [
        "line 4996",
        "line 4997",
        "line 4998",
        "line 4999",
        "tail",
    ]
    assert modes_in(b"\x1b[?1049h\x1b[?25l\x1b[?1049l") == b"\x1b[?25l\x1b[?1049l"


def test_plain_scrolling_output_is_skipped_to_its_last_screenful_and_keeps_its_colours():
    screen = TerminalScreen(30, 4)
    backlog = Backlog(screen)
    lines = b"\x1b[33m" + b"".join(b"log line %d\r\n" % i for i in range(300)) + b"last"
    assert len(lines) < backlog.keep()  # not a flood by size: skipped because it only scrolls
    backlog.add(lines)
    assert backlog.pending < 100 and backlog.skipped > 0
    while backlog.feed(1.0):
        pass
    assert [row.rstrip() for row in screen.display] == [
        "log line 297",
        "log line 298",
        "log line 299",
        "last",
    ]
    assert screen.buffer[3][0].fg == "brown"  # the colour set before the cut still applies
    assert colours_in(b"\x1b[1mA\x1b[0m\x1b[32mB\x1b[4m") == b"\x1b[32m\x1b[4m"


def test_output_that_moves_the_cursor_is_fed_whole_below_the_flood_size():
    screen = TerminalScreen(30, 4)
    backlog = Backlog(screen)
    redraw = b"".join(b"\x1b[Hheader\r\n" + b"".join(b"row %d\r\n" % i for i in range(6)) for _ in range(40))
    assert len(redraw) < backlog.keep()
    backlog.add(redraw)
    assert backlog.skipped == 0 and backlog.pending == len(redraw)


def test_a_one_by_one_screen_works():
    screen, _ = fed(b"hello\r\nworld\x1b[31m!", cols=1, rows=1)
    assert screen.display == ["!"]
    screen.resize(3, 4)
    assert len(screen.display) == 3


def test_tail_start_prefers_the_last_clear_then_a_line_start():
    data = b"old\n" * 1000 + b"\x1b[2J\x1b[Hnew screen\n" + b"x\n" * 10
    start = tail_start(data, keep=200)
    assert data[start:].startswith(b"\x1b[2J")
    lines = b"".join(b"line %d\n" % i for i in range(1000))
    start = tail_start(lines, keep=100)
    assert lines[start - 1 : start] == b"\n" and len(lines) - start <= 100
    text = ("\u00e9" * 500).encode()
    start = tail_start(text, keep=101)
    text[start:].decode()  # never starts inside a character


def test_a_flood_is_cut_to_its_tail_and_the_screen_shows_the_latest_lines():
    screen = TerminalScreen(80, 24)
    backlog = Backlog(screen)
    flood = b"".join(b"\x1b[32mline %06d\x1b[0m\r\n" % i for i in range(200_000))  # ~4 MB
    started = time.perf_counter()
    for i in range(0, len(flood), 65536):
        backlog.add(flood[i : i + 65536])
        backlog.feed(0.004)
    while backlog.feed(0.004):
        pass
    assert backlog.skipped > len(flood) * 0.9  # most of it never went through pyte
    assert backlog.pending == 0
    assert screen.display[-2].rstrip() == "line 199999"
    assert screen.display[0].rstrip() == "line 199977"
    assert time.perf_counter() - started < 30  # sanity only; speed is the benchmark's job


def test_a_skipped_switch_to_the_alternate_screen_is_still_applied():
    screen = TerminalScreen(20, 4)
    backlog = Backlog(screen)
    keep = backlog.keep()
    backlog.add(b"\x1b[?1049h" + b"y" * (5 * keep) + b"\r\nlast")
    while backlog.feed(1.0):
        pass
    assert screen.alternate
    assert "last" in screen.display[-1] or "last" in "".join(screen.display)


def test_a_shorter_screen_keeps_its_top_lines_when_the_cursor_allows():
    screen, _ = fed(b"first\r\nsecond", rows=10)
    screen.resize(4, 20)
    assert screen.display[0].startswith("first") and screen.cursor.y == 1
    screen, _ = fed(b"".join(b"l%d\r\n" % i for i in range(9)), rows=10)
    screen.resize(4, 20)  # the cursor was on row 9: the top gives way
    assert screen.display[-2].startswith("l8") and screen.cursor.y == 3
