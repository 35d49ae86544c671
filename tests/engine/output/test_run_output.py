"""RunOutput: the sink the pumps feed (store + log + notifications)."""

from __future__ import annotations

from pathlib import Path

from procdeck.core.output import Stream
from procdeck.engine.output.run_output import RunOutput
from procdeck.engine.output.settings import OutputSettings


def settings(tmp_path, **kw) -> OutputSettings:
    return OutputSettings(log_directory=tmp_path, **kw)


def test_feed_stores_logs_and_notifies(tmp_path):
    output = RunOutput(3, label="echo", settings=settings(tmp_path))
    calls = []
    unsubscribe = output.subscribe(lambda: calls.append(1))
    output.feed(Stream.STDOUT, b"a\nb")
    output.feed(Stream.STDERR, b"e\n")
    assert output.partial(Stream.STDOUT) == "b"
    output.close_stream(Stream.STDOUT)
    output.marker("exited with code 0")
    unsubscribe()
    output.feed(Stream.STDERR, b"late\n")
    output.close(timeout=10)
    assert len(calls) == 4
    assert output.text() == "a\ne\nb\n\u2500\u2500 exited with code 0 \u2500\u2500\nlate"
    assert output.text(Stream.STDOUT) == "a\nb"
    out_log, err_log = (Path(p) for p in output.log_paths())
    assert out_log.read_bytes() == b"a\nb" and err_log.read_bytes() == b"e\nlate\n"
    assert output.closed and not output.is_open(Stream.STDERR)
    assert output.total_bytes == {Stream.STDOUT: 3, Stream.STDERR: 7}


def test_an_unknown_encoding_falls_back_to_utf8_with_a_note(tmp_path):
    output = RunOutput(settings=settings(tmp_path), encoding="klingon")
    output.feed(Stream.STDOUT, "ünïcode\n".encode())
    assert output.text().startswith("\u2500\u2500 Unknown output encoding 'klingon'")
    assert output.text(Stream.STDOUT) == "ünïcode"
    output.close(timeout=10)


def test_a_non_utf8_run_encoding_is_decoded(tmp_path):
    output = RunOutput(settings=settings(tmp_path), encoding="latin-1")
    output.feed(Stream.STDOUT, b"caf\xe9\n")
    output.close(timeout=10)
    assert output.text(Stream.STDOUT) == "café"
    assert Path(output.log_paths()[0]).read_bytes() == b"caf\xe9\n"  # the log is raw


def test_restart_continues_the_same_logs(tmp_path):
    output = RunOutput(settings=settings(tmp_path))
    output.feed(Stream.STDOUT, b"first\n")
    output.close(timeout=10)
    output.reopen()
    assert output.is_open(Stream.STDOUT)
    output.feed(Stream.STDOUT, b"second\n")
    output.close(timeout=10)
    assert Path(output.log_paths()[0]).read_bytes() == b"first\nsecond\n"
    assert output.text(Stream.STDOUT) == "first\nsecond"


def test_reaching_the_log_cap_is_said_once(tmp_path):
    output = RunOutput(settings=settings(tmp_path, run_log_bytes=100))
    for _ in range(10):
        output.feed(Stream.STDOUT, b"x" * 49 + b"\n")
    output.close(timeout=10)
    assert output.text().count("reached its size cap") == 1
    assert Path(output.log_paths()[0]).stat().st_size == 100
    assert output.text(Stream.STDOUT).count("x" * 49) == 10  # memory still has it all


def test_spooling_off_keeps_no_files(tmp_path):
    output = RunOutput(settings=settings(tmp_path, spool=False))
    output.feed(Stream.STDOUT, b"x\n")
    output.close()
    assert output.log_paths() == () and list(tmp_path.iterdir()) == []


def test_scrollback_limits_are_validated():
    import pytest

    with pytest.raises(ValueError, match="Scrollback must be between"):
        OutputSettings(scrollback_lines=10)
    assert OutputSettings(scrollback_lines=5_000_000).scrollback_lines == 5_000_000
