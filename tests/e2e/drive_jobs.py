"""Drives the real app's Jobs panel in its own process for the end-to-end test.

Dispatches a mapped batch from the form (4 quick inputs, then 6 long ones, 2 workers),
waits for the quick ones, cancels one running job from the table, prints what it saw and
the worker pids (``STATES ...``, ``WORKERS ...``), then closes the window with jobs still
running and queued.
"""

from __future__ import annotations

import asyncio
import sys

import anyio

from procdeck.bridge.event_loop import new_event_loop_factory
from procdeck.main import main_async, make_application
from procdeck.ui.jobs.jobs_model import STATE


def main() -> int:
    app = make_application([])

    def on_ready(parts) -> None:
        parts.window.confirm_quit = lambda: True
        parts.spawner.spawn(drive, parts)

    async def drive(parts) -> None:
        panel = parts.jobs.panel
        model = panel.model

        def states() -> list[str]:
            return [model.index(r, STATE).data() for r in range(model.rowCount())]

        panel.pool_view.max_workers.setValue(2)
        panel.form.target.setCurrentText("procdeck.tasks.builtin:sleep")
        panel.form.args.setText("")
        panel.form.map.setChecked(True)
        panel.form.inputs.setText("[0.05, 0.05, 0.05, 0.05, 60, 60, 60, 60, 60, 60]")
        panel.form.submit()
        with anyio.fail_after(60):
            while states().count("done") < 4 or states().count("running") < 2:
                await anyio.sleep(0.05)
            running = [
                model.info_at(r).job_id
                for r in range(model.rowCount())
                if model.info_at(r).state.value == "running"
            ]
            panel.select_job(running[0])
            panel.cancel_job_button.click()
            while "cancelled" not in states():
                await anyio.sleep(0.05)
            while states().count("running") < 2:  # the pool moved on to the next input
                await anyio.sleep(0.05)
            while len(workers := await parts.engine.jobs.workers()) < 2:  # the replacement
                await anyio.sleep(0.05)
        print("STATES", *[s.replace(" ", "_") for s in states()], flush=True)
        print("WORKERS", *[w.pid for w in workers], flush=True)
        parts.window.close()

    with asyncio.Runner(loop_factory=new_event_loop_factory(app)) as runner:
        return runner.run(main_async(app, on_ready))


if __name__ == "__main__":
    sys.exit(main())
