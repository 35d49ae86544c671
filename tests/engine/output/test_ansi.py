"""ANSI rendering of one line: SGR styles, ignored escapes, \\r, tabs, controls."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from procdeck.core.line_source import PLAIN, TextStyle, rgb_color
from procdeck.engine.output.ansi import render, strip


def style_at(runs, index):
    for run in runs:
        if run.start <= index < run.end:
            return run.style
    return PLAIN


def test_plain_text_has_no_runs():
    assert render("hello world") == ("hello world", (), 0)


def test_sixteen_colours_bold_italic_underline_and_reset():
    text, runs, _ = render("\x1b[1;31mred\x1b[0m \x1b[3;4;94mblue\x1b[m end")
    assert text == "red blue end"
    assert style_at(runs, 0) == TextStyle(fg=1, bold=True)
    assert style_at(runs, 4) == TextStyle(fg=12, italic=True, underline=True)
    assert style_at(runs, 3) == PLAIN and style_at(runs, 9) == PLAIN


def test_256_and_truecolor_in_both_notations():
    text, runs, _ = render("\x1b[38;5;208ma\x1b[48;2;1;2;3mb\x1b[0;38:2::10:20:30mc\x1b[38:5:99md")
    assert text == "abcd"
    assert style_at(runs, 0).fg == 208
    assert style_at(runs, 1) == TextStyle(fg=208, bg=rgb_color(1, 2, 3))
    assert style_at(runs, 2).fg == rgb_color(10, 20, 30)
    assert style_at(runs, 3).fg == 99


def test_attribute_resets_are_selective():
    _, runs, _ = render("\x1b[1;3;4;7;9mx\x1b[22;23;24;27;29my\x1b[1;32mz\x1b[39mw")
    assert style_at(runs, 0) == TextStyle(bold=True, italic=True, underline=True, inverse=True, strike=True)
    assert style_at(runs, 1) == PLAIN
    assert style_at(runs, 2) == TextStyle(fg=2, bold=True)
    assert style_at(runs, 3) == TextStyle(bold=True)


def test_other_escape_sequences_are_dropped():
    line = "a\x1b[2Jb\x1b]0;title\x07c\x1b]8;;http://x\x1b\\d\x1b(Be\x1b[?25lf\x1bPdcs\x1b\\g"
    assert render(line)[0] == "abcdefg"


def test_an_unterminated_escape_loses_nothing_after_it_in_the_stream():
    assert render("before \x1b[31")[0] == "before "
    assert render("x\x1b")[0] == "x"
    assert render("osc \x1b]0;never ends")[0] == "osc "


def test_carriage_return_overwrites_in_place():
    assert render("progress 10%\rprogress 55%\rprogress 100%")[0] == "progress 100%"
    assert render("abcdef\rXY")[0] == "XYcdef"
    assert render("done\r")[0] == "done"  # CRLF: the \r before the newline
    assert render("50%\r\x1b[Kall done")[0] == "all done"


def test_tabs_expand_and_controls_become_visible():
    assert render("a\tb")[0] == "a       b"
    assert render("nul\x00bell\x07")[0] == "nul\u2400bell\u2407"
    assert render("ab\bc")[0] == "ac"


def test_long_lines_are_clipped_for_display_with_a_count():
    text, _, clipped = render("x" * 50_000, cap=10_000)
    assert len(text) == 10_000 and clipped == 40_000
    text, _, clipped = render("\x1b[31m" + "y" * 50_000, cap=10_000)
    assert len(text) == 10_000 and clipped > 0


@settings(max_examples=300, deadline=None, database=None)
@given(st.text(alphabet=st.sampled_from(list("ab \t\r\x1b[];:0123456789mKJ?\x07\\\x00")), max_size=80))
def test_any_mix_of_escapes_renders_without_escape_characters(line):
    text, runs, _ = render(line)
    assert "\x1b" not in text and "\r" not in text and "\t" not in text
    assert all(0 <= r.start < r.end <= len(text) for r in runs)
    assert strip(line) == text
