"""The system Processes view: every process, flat or tree, with signals and charting."""

from procdeck.ui.processes.model import ProcessModel
from procdeck.ui.processes.view import ProcessesView

__all__ = ["ProcessModel", "ProcessesView"]
