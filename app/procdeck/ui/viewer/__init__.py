"""The output viewer: a virtualized, searchable view of a ``LineSource``."""

from procdeck.ui.viewer.line_view import LineView
from procdeck.ui.viewer.output_viewer import OutputViewer
from procdeck.ui.viewer.viewer_tabs import ViewerTabs

__all__ = ["LineView", "OutputViewer", "ViewerTabs"]
