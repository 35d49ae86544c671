"""The output viewer offscreen, on real RunOutputs: follow, search, filter, export."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from procdeck.core.line_source import LineKind
from procdeck.core.output import Stream
from procdeck.ui.viewer.output_viewer import OutputViewer


def shown(viewer: OutputViewer) -> list[str]:
    return viewer.shown_text().splitlines()


def make_viewer(qtbot, source) -> OutputViewer:
    viewer = OutputViewer(source)
    qtbot.addWidget(viewer)
    viewer.resize(800, 400)
    viewer.show()
    qtbot.waitExposed(viewer)
    return viewer


def feed_lines(output, n, start=0, stream=Stream.STDOUT):
    output.feed(stream, b"".join(b"line %d\n" % i for i in range(start, start + n)))


def test_attach_to_a_finished_run_shows_its_history_at_the_bottom(qtbot, make_output):
    output = make_output()
    feed_lines(output, 1000)
    output.close_stream(Stream.STDOUT)
    output.close_stream(Stream.STDERR)
    viewer = make_viewer(qtbot, output.view())
    viewer.view.grab()  # paint now
    assert viewer.view.following()
    painted = viewer.view.visible_row_numbers()
    assert painted[-1] == 999 and len(painted) < 100  # only the visible rows were laid out
    assert viewer.source().plain(0) == "line 0"


def test_follow_pause_new_lines_button_and_end(qtbot, make_output):
    output = make_output()
    feed_lines(output, 200)
    viewer = make_viewer(qtbot, output.view())
    view = viewer.view
    view.verticalScrollBar().setValue(10)  # the user scrolls up
    assert not view.following()
    top = view.visible_row_numbers()
    feed_lines(output, 50, start=200)
    viewer.refresh()
    assert view.new_rows() == 50
    assert viewer.new_lines_button.isVisible() and "50 new lines" in viewer.new_lines_button.text()
    view.grab()
    assert view.visible_row_numbers()[:3] == top[:3] or view.visible_row_numbers()[0] == 10
    qtbot.keyClick(view, Qt.Key.Key_End)
    assert view.following() and not viewer.new_lines_button.isVisible()
    feed_lines(output, 5, start=250)
    viewer.refresh()
    view.grab()
    assert view.visible_row_numbers()[-1] == 254


def test_search_counts_highlights_and_steps_through_matches(qtbot, make_output):
    output = make_output()
    output.feed(Stream.STDOUT, b"alpha\nbeta ERROR one\ngamma\nerror two error\n\x1b[31mError\x1b[0m three\n")
    viewer = make_viewer(qtbot, output.view())
    viewer.search("error")
    qtbot.waitUntil(lambda: viewer.search_runner.done and viewer.match_count() == 4)
    assert viewer.match_rows() == [1, 3, 4]
    assert viewer.find_next() == 1 and viewer.find_next() == 3 and viewer.find_next() == 4
    assert viewer.find_next() == 1  # wraps around
    assert viewer.find_previous() == 4
    assert "3 of 3 lines (4 matches)" in viewer.match_label.text()
    viewer.search("ERROR", case=True)
    qtbot.waitUntil(lambda: viewer.search_runner.done)
    assert viewer.match_rows() == [1] and viewer.match_count() == 1
    viewer.search(r"t(wo|hree)", regex=True)
    qtbot.waitUntil(lambda: viewer.search_runner.done)
    assert viewer.match_rows() == [3, 4]


def test_a_bad_regex_is_a_message_not_a_crash(qtbot, make_output):
    output = make_output()
    feed_lines(output, 10)
    viewer = make_viewer(qtbot, output.view())
    viewer.search("(unclosed", regex=True)
    assert "Invalid regular expression" in viewer.match_label.text()
    assert viewer.find_next() is None
    viewer.view.grab()  # still paints


def test_filter_shows_only_matching_lines_and_keeps_up_with_new_output(qtbot, make_output):
    output = make_output()
    feed_lines(output, 100)
    viewer = make_viewer(qtbot, output.view())
    viewer.search("line 1", filter=True)
    qtbot.waitUntil(lambda: viewer.search_runner.done)
    assert shown(viewer) == ["line 1"] + [f"line {i}" for i in range(10, 20)]
    feed_lines(output, 10, start=100)
    viewer.refresh()
    qtbot.waitUntil(lambda: viewer.search_runner.done and len(shown(viewer)) == 21)
    assert shown(viewer)[-1] == "line 109"
    viewer.filter_box.setChecked(False)
    assert len(shown(viewer)) == 110


def test_export_shown_lines_and_the_full_log(qtbot, make_output, tmp_path):
    output = make_output(scrollback_lines=1000)
    feed_lines(output, 3000)
    viewer = make_viewer(qtbot, output.view())
    assert viewer.dropped_label.isVisible() and "2,000 earlier lines" in viewer.dropped_label.text()
    with qtbot.waitSignal(viewer.openLogRequested) as opened:
        viewer.open_log()
    assert opened.args[0] == output.log_paths()
    viewer.search("99", filter=True)
    qtbot.waitUntil(lambda: viewer.search_runner.done)
    with qtbot.waitSignal(viewer.saveFinished, timeout=10_000) as saved:
        viewer.save(str(tmp_path / "shown.txt"), full=False)
    assert saved.args == ["Saved."]
    text = (tmp_path / "shown.txt").read_text()
    assert text.splitlines() == [f"line {i}" for i in range(2000, 3000) if "99" in str(i)]
    output.close(timeout=10)
    with qtbot.waitSignal(viewer.saveFinished, timeout=10_000):
        viewer.save(str(tmp_path / "full.txt"), full=True)
    # the merged viewer's full output: the stdout log (stderr wrote nothing), byte for byte
    assert (tmp_path / "full.txt").read_text() == "".join(f"line {i}\n" for i in range(3000))


def test_copy_selection_copy_all_and_clear(qtbot, make_output):
    output = make_output()
    output.feed(Stream.STDOUT, b"\x1b[1mbold\x1b[0m text\nsecond line\n")
    viewer = make_viewer(qtbot, output.view())
    viewer.view.select((0, 5), (1, 6))
    assert viewer.copy_selection()
    assert QGuiApplication.clipboard().text() == "text\nsecond"
    viewer.copy_all()
    assert QGuiApplication.clipboard().text() == "bold text\nsecond line\n"
    viewer.clear()
    assert shown(viewer) == []
    output.feed(Stream.STDOUT, b"after\n")
    viewer.refresh()
    assert shown(viewer) == ["after"]


def test_stream_toggles_timestamps_and_wrap(qtbot, make_output):
    output = make_output()
    output.feed(Stream.STDOUT, b"out\n")
    output.feed(Stream.STDERR, b"err\n")
    output.feed(Stream.STDOUT, b"x" * 300 + b"\n")
    viewer = make_viewer(qtbot, output.view())
    assert viewer.stdout_box.isChecked() and viewer.stderr_box.isChecked()
    viewer.stderr_box.setChecked(False)
    assert shown(viewer)[0] == "out" and "err" not in shown(viewer)
    viewer.stderr_box.setChecked(True)
    viewer.stdout_box.setChecked(False)
    assert shown(viewer) == ["err"]
    assert viewer.source().streams() == frozenset({LineKind.STDERR})
    viewer.stdout_box.setChecked(True)
    viewer.time_box.setChecked(True)
    viewer.wrap_box.setChecked(True)
    viewer.view.grab()
    layout = viewer.view._layout
    assert len(layout) > 3 and {row for _, row, _, _ in layout} == {0, 1, 2}  # the long line wraps
    viewer.wrap_box.setChecked(False)
    viewer.view.grab()
    assert len(viewer.view._layout) == 3


def test_partial_line_and_carriage_return_progress_update_in_place(qtbot, make_output):
    output = make_output()
    viewer = make_viewer(qtbot, output.view())
    output.feed(Stream.STDOUT, b"Continue? [y/N] ")
    viewer.refresh()
    assert shown(viewer) == ["Continue? [y/N] "]
    output.feed(Stream.STDOUT, b"\n")
    for pct in range(0, 101, 5):
        output.feed(Stream.STDOUT, b"\rdownloading %3d%%" % pct)
        viewer.refresh()
    assert shown(viewer) == ["Continue? [y/N] ", "downloading 100%"]
