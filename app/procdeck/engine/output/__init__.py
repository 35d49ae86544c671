"""A run's output: incremental transcoding, block line store, ANSI rendering, log spool.

See ``line_store`` for the memory layout and ``spool`` for the log files.
"""

from procdeck.engine.output.line_store import LineStore
from procdeck.engine.output.settings import OutputSettings
from procdeck.engine.output.spool import Spooler
from procdeck.engine.output.view import OutputView

__all__ = ["LineStore", "OutputSettings", "OutputView", "Spooler"]
