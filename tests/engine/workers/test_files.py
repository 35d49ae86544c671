"""Inputs from files and saved results, with a clear message for each bad file."""

from __future__ import annotations

import json

import pytest

from procdeck.core.jobs import JobSpecError, JobState, ResultRow
from procdeck.engine.workers.files import read_inputs_file, render_results, save_results

pytestmark = pytest.mark.anyio


async def test_inputs_from_file(tmp_path):
    path = tmp_path / "in.txt"
    path.write_text("one\ntwo\n\nthree\n")
    assert await read_inputs_file(str(path)) == ["one", "two", "three"]


async def test_bad_inputs_files(tmp_path):
    with pytest.raises(JobSpecError, match="does not exist"):
        await read_inputs_file(str(tmp_path / "missing.txt"))
    with pytest.raises(JobSpecError, match="is a folder"):
        await read_inputs_file(str(tmp_path))
    binary = tmp_path / "bin.dat"
    binary.write_bytes(b"ok\n\xff\xfe\n")
    with pytest.raises(JobSpecError, match="not UTF-8"):
        await read_inputs_file(str(binary))
    empty = tmp_path / "empty.txt"
    empty.write_text("\n")
    with pytest.raises(JobSpecError, match="no non-empty lines"):
        await read_inputs_file(str(empty))


async def test_save_results(tmp_path):
    rows = [ResultRow(0, 5, JobState.DONE, 25), ResultRow(1, 6, JobState.CANCELLED, None, "cancelled")]
    await save_results(rows, str(tmp_path / "r.json"), "json")
    assert json.loads((tmp_path / "r.json").read_text())[0]["result"] == 25
    await save_results(rows, str(tmp_path / "r.csv"), "csv")
    assert (tmp_path / "r.csv").read_text().splitlines()[2] == "1,6,cancelled,,cancelled,,"
    with pytest.raises(ValueError, match="unknown results format"):
        render_results(rows, "xml")
