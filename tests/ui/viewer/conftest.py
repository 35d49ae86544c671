from __future__ import annotations

import pytest

from procdeck.engine.output.run_output import RunOutput
from procdeck.engine.output.settings import OutputSettings


@pytest.fixture
def make_output(tmp_path):
    """Real RunOutputs (logs under tmp_path), closed after the test."""
    made: list[RunOutput] = []

    def make(**kw) -> RunOutput:
        settings = OutputSettings(log_directory=tmp_path / "logs", **kw)
        out = RunOutput(len(made) + 1, label="test", settings=settings)
        made.append(out)
        return out

    yield make
    for out in made:
        out.close(timeout=10)
