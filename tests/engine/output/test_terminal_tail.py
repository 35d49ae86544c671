"""TerminalTail: the bounded raw byte tail terminal views read from."""

from __future__ import annotations

from procdeck.core.output import Stream
from procdeck.engine.output.run_output import RunOutput
from procdeck.engine.output.terminal_tail import TerminalTail


def test_reads_what_arrived_since_an_offset():
    tail = TerminalTail(capacity=100)
    tail.append(b"hello ")
    tail.append(b"world")
    assert tail.read(0) == (0, b"hello world")
    assert tail.read(6) == (6, b"world")
    assert tail.read(6, limit=3) == (6, b"wor")
    assert tail.read(tail.end) == (11, b"")


def test_memory_is_bounded_and_a_late_reader_learns_what_it_missed():
    tail = TerminalTail(capacity=1000)
    for i in range(1000):
        tail.append(b"%04d\n" % i)
    assert tail.end == 5000
    assert tail.end - tail.start <= 2000
    start, data = tail.read(0)
    assert start == tail.start > 0  # the reader skipped what is gone
    assert data.endswith(b"0999\n") and len(data) == tail.end - start


def test_run_output_keeps_a_tail_only_for_terminal_runs_and_resets_on_restart(tmp_path):
    output = RunOutput(label="t")
    output.feed(Stream.STDOUT, b"pipe\n")
    assert output.terminal is None
    tail = output.enable_terminal()
    output.feed(Stream.STDOUT, b"\x1b[31mred\x1b[0m\r\n")
    assert tail.read(0)[1] == b"\x1b[31mred\x1b[0m\r\n"
    output.close_stream(Stream.STDOUT)
    output.reopen()
    assert tail.read(0)[1].endswith(b"\x1bc")
    output.close()
