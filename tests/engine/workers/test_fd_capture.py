"""Output written below Python (fd 1 and 2, child processes) is captured per job."""

from __future__ import annotations

import pytest

from procdeck.core.jobs import JobSpec, JobState

from .conftest import SAMPLE

pytestmark = pytest.mark.anyio


def spec(name: str, *args) -> JobSpec:
    return JobSpec(f"{SAMPLE}:{name}", args)


async def test_descriptor_writes_are_captured_in_order(pool):
    info = await pool.run(spec("descriptor_writes"))
    assert info.state is JobState.DONE, info.failure
    assert info.stdout == "one (print)\ntwo (fd 1)\nthree (print)\nfour from a child\nfive (print)\n"
    assert info.stderr == "err one (fd 2)\nerr two (print)\nerr three from a child\n"
    # The worker's reply channel was untouched: the same worker serves the next job.
    again = await pool.run(spec("add", 1, 2))
    assert again.state is JobState.DONE and again.worker_pid == info.worker_pid
    assert (again.stdout, again.stderr) == ("", "")  # nothing carried over


async def test_more_than_a_pipe_holds_does_not_block(pool):
    info = await pool.run(spec("flood_stderr", 1 << 20))
    assert info.state is JobState.DONE, info.failure
    assert len(info.stderr) == 1 << 20


async def test_output_is_limited(pool):
    info = await pool.run(spec("flood_stderr", (1 << 20) + 5000))
    assert info.state is JobState.DONE
    assert info.stderr.endswith("[… 5,000 more bytes not kept]\n")


async def test_output_of_a_dead_worker_is_kept(pool):
    info = await pool.run(JobSpec("os:abort"))
    assert info.state is JobState.FAILED
    assert "SIGABRT" in info.failure.message
    # faulthandler's fatal-error dump, written in the worker as it died
    assert "Fatal Python error: Aborted" in info.failure.traceback
