"""A shared log writer for every run of a real engine."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from procdeck.core.process_spec import ProcessSpec
from procdeck.engine.engine import Engine
from procdeck.engine.output.factory import RunOutputFactory
from procdeck.engine.output.settings import OutputSettings

pytestmark = pytest.mark.anyio


async def test_runs_share_one_writer_and_name_their_logs(tmp_path):
    factory = RunOutputFactory(OutputSettings(log_directory=tmp_path))
    async with Engine(output_factory=factory) as engine:
        ids = [
            engine.processes.launch(ProcessSpec((sys.executable, "-c", f"print('run {i}')"), name=f"job-{i}"))
            for i in range(3)
        ]
        for run_id in ids:
            await engine.processes.wait_output(run_id)
    await factory.aclose()
    assert factory.spooler is not None and not factory.spooler.running
    for i, run_id in enumerate(ids):
        log = Path(engine.processes.output(run_id).log_paths()[0])
        assert f"job-{i}" in log.name and log.read_text() == f"run {i}\n"
