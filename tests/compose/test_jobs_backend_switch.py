"""Choosing the pool's backend in the Jobs panel: Dask local cluster and back, or a clear
message when the Dask extra is missing."""

from __future__ import annotations

import json

import anyio
import psutil
import pytest

from procdeck.compose.jobs import build_jobs_panel, stored_backend
from procdeck.core.cluster_state import BackendChoice, ClusterStatus
from procdeck.core.jobs import JobSpec
from procdeck.engine.workers.local import open_local_pool
from procdeck.ui.settings_file import SettingsFile
from tests.compose.test_jobs_flow import states, until
from tests.engine.workers.conftest import SAMPLE


@pytest.fixture
def settings(tmp_path):
    return SettingsFile(tmp_path / "settings.json")


def test_choosing_dask_without_the_extra_is_a_message(qt_run, qtbot, settings, monkeypatch):
    monkeypatch.setattr("procdeck.engine.workers.backend_factory.dask_available", lambda: False)

    async def scenario():
        async with open_local_pool(1) as pool:
            panel, bridge = build_jobs_panel(pool, None, settings)
            qtbot.addWidget(panel)
            messages = []
            bridge.rejected.connect(messages.append)
            bridge.use_backend(BackendChoice.dask_local_cluster(1))
            await until(lambda: messages)
            assert "Dask is not installed" in messages[0] and "procdeck[dask]" in messages[0]
            assert pool.backend.name == "local"  # the local pool keeps working
            pool.submit(JobSpec(f"{SAMPLE}:add", (1, 2)))
            await until(lambda: states(panel) == ["done"])
            bridge.close()

    qt_run(scenario)


def test_switch_to_a_dask_local_cluster_and_back(qt_run, qtbot, settings):
    pytest.importorskip("distributed")

    async def scenario():
        async with open_local_pool(1) as pool:
            panel, bridge = build_jobs_panel(pool, None, settings)
            qtbot.addWidget(panel)
            cluster_states = []
            bridge.backendState.connect(cluster_states.append)
            selector = panel.backend_selector
            selector.set_choice(BackendChoice.dask_local_cluster(1))
            selector.apply.click()
            await until(
                lambda: (
                    cluster_states
                    and cluster_states[-1] is not None
                    and cluster_states[-1].status is ClusterStatus.CONNECTED
                ),
                timeout=90,
            )
            assert pool.backend.name == "dask"
            assert not selector.status.isHidden() and "Dask" in selector.status.text()
            # Remembered for the next start, as plain values.
            assert stored_backend(settings) == (BackendChoice.dask_local_cluster(1), "")
            # A per-job memory limit cannot be enforced in a shared Dask worker: said so.
            assert "cannot enforce memory limits" in panel.form.limits_note.text()
            assert not panel.form.limits_note.isHidden()
            pool.submit(JobSpec(f"{SAMPLE}:add", (2, 3)))
            await until(lambda: states(panel) == ["done"], timeout=60)
            dask_pids = list(pool.backend.live_pids())
            assert dask_pids

            selector.set_choice(BackendChoice.local())
            selector.apply.click()
            await until(lambda: cluster_states[-1] is None, timeout=60)
            assert pool.backend.name == "local"
            assert panel.form.limits_note.isHidden()
            assert stored_backend(settings) == (BackendChoice.local(), "")
            with anyio.fail_after(30):
                while any(
                    psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE
                    for p in dask_pids
                ):
                    await anyio.sleep(0.1)
            pool.submit(JobSpec(f"{SAMPLE}:add", (4, 5)))
            await until(lambda: states(panel) == ["done", "done"], timeout=60)
            bridge.close()

    qt_run(scenario)


def test_a_job_that_cannot_be_interrupted_says_so_and_can_be_killed(qt_run, qtbot, settings):
    from tests.engine.workers.test_cancel import gone, started_pid

    async def scenario():
        async with open_local_pool(1, cancellable=False) as pool:
            panel, bridge = build_jobs_panel(pool, None, settings)
            qtbot.addWidget(panel)
            messages = []
            bridge.failed.connect(messages.append)
            job_id = pool.submit(JobSpec(f"{SAMPLE}:sleep", (30,)))
            pid = await started_pid(pool, job_id)
            await until(lambda: states(panel) == ["running"])
            panel.select_job(job_id)
            panel.cancel_job_action.trigger()
            assert messages == [
                f"Job {job_id} keeps running until it finishes (it is not cancellable); Kill job stops its worker."
            ]
            panel.kill_job_action.trigger()
            await until(lambda: states(panel) in (["failed"], ["cancelled"]), timeout=30)
            await until(lambda: gone(pid), timeout=10)
            bridge.close()

    qt_run(scenario)


def test_the_backend_is_remembered_as_plain_values(qtbot, settings):
    from procdeck.compose.jobs import BACKEND_KEY, restore_backend, store_backend
    from procdeck.ui.jobs.panel import JobsPanel

    choice = BackendChoice.dask_scheduler("tcp://127.0.0.1:8786")
    store_backend(settings, choice)
    raw = settings.value(BACKEND_KEY)
    assert isinstance(raw, str) and json.loads(raw)["address"] == "tcp://127.0.0.1:8786"
    assert stored_backend(settings) == (choice, "")

    class FakeBridge:  # records the switch instead of connecting to that address
        def __init__(self):
            self.used = []

        def use_backend(self, chosen):
            self.used.append(chosen)

    panel = JobsPanel(settings)
    qtbot.addWidget(panel)
    bridge = FakeBridge()
    restore_backend(panel, bridge, settings)
    assert bridge.used == [choice]
    assert panel.backend_selector.address.text() == "tcp://127.0.0.1:8786"

    for bad in ("{not json", '{"kind": "cloud"}', "[1, 2]"):
        settings.setValue(BACKEND_KEY, bad)
        restored, problem = stored_backend(settings)
        assert restored is None and "cannot be used" in problem
        bridge.used.clear()
        restore_backend(panel, bridge, settings)
        assert bridge.used == [] and "cannot be used" in panel.form.error.text()
