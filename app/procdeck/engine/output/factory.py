"""RunOutputFactory: one shared log writer for every run of an engine.

Without it each RunOutput starts a private writer thread that ends with the run. With it,
the engine owns one writer (one thread, one shutdown path) and log files carry the run id
and label in their names::

    factory = RunOutputFactory(OutputSettings())
    Engine(output_factory=factory)      # ProcessManager calls factory(run_id, spec)
    ...
    await factory.aclose()              # at engine shutdown, after the runs stopped
"""

from __future__ import annotations

from procdeck.core.process_spec import ProcessSpec
from procdeck.engine.output.run_output import RunOutput
from procdeck.engine.output.settings import OutputSettings
from procdeck.engine.output.spool import Spooler


class RunOutputFactory:
    def __init__(self, settings: OutputSettings | None = None) -> None:
        self.settings = settings or OutputSettings()
        self.spooler = (
            Spooler(self.settings.directory(), total_cap=self.settings.total_log_bytes)
            if self.settings.spool
            else None
        )

    def __call__(self, run_id: int, spec: ProcessSpec) -> RunOutput:
        return RunOutput(
            run_id, label=spec.label, encoding=spec.encoding, settings=self.settings, spooler=self.spooler
        )

    async def aclose(self) -> None:
        """Write what is queued and stop the writer thread (off the event loop)."""
        if self.spooler is not None:
            await self.spooler.aclose()
