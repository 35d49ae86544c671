"""At start-up, look for processes of earlier Procdeck sessions and offer to stop them.

The /proc scan and the stop ladder block, so they run in worker threads; the banner
(ui/leftovers_banner.py) only shows what they found.
"""

from __future__ import annotations

import anyio
import anyio.to_thread
from PySide6.QtWidgets import QBoxLayout

from procdeck.bridge.tasks import TaskSpawner
from procdeck.engine.containment import instances
from procdeck.ui.leftovers_banner import LeftoversBanner
from procdeck.ui.main_window import MainWindow


def _details(found: list[instances.Leftover]) -> str:
    lines = [f"{item.pid}  {item.command}" for item in found[:20]]
    if len(found) > 20:
        lines.append(f"… and {len(found) - 20} more")
    return "\n".join(lines) + "\n\nThe same list: procdeck leftovers"


class LeftoversCheck:
    def __init__(self, window: MainWindow, spawner: TaskSpawner) -> None:
        self.banner = LeftoversBanner(window)
        central = window.centralWidget()
        layout = central.layout() if central is not None else None
        assert isinstance(layout, QBoxLayout)
        layout.insertWidget(0, self.banner)
        self._spawner = spawner
        self._found: list[instances.Leftover] = []
        self.checked = anyio.Event()
        self.banner.stopRequested.connect(lambda: spawner.spawn(self.stop))

    def start(self) -> None:
        self._spawner.spawn(self.check)

    async def check(self) -> None:
        try:
            self._found = await anyio.to_thread.run_sync(instances.find_leftovers)
            if self._found:
                self.banner.show_found(len(self._found), _details(self._found))
        finally:
            self.checked.set()

    async def stop(self) -> None:
        result = await anyio.to_thread.run_sync(instances.stop_leftovers, self._found)
        ended = len(result.signalled | result.killed)
        text = f"Stopped {ended} process" + ("" if ended == 1 else "es")
        if result.left:
            text += f"; {len(result.left)} could not be stopped"
        self.banner.show_result(text + ".")
        self._found = []


def wire(window: MainWindow, spawner: TaskSpawner) -> LeftoversCheck:
    check = LeftoversCheck(window, spawner)
    check.start()
    return check
