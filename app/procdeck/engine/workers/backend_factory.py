"""Make the backend a `BackendChoice` names: the local pool, or Dask when installed.

The Dask modules are imported only when Dask is chosen, so the app starts (and the local
pool works) without the optional extra.
"""

from __future__ import annotations

from anyio.abc import TaskGroup

from procdeck.core.cluster_state import (
    DASK_INSTALL_HINT,
    BackendChoice,
    BackendChoiceError,
    dask_available,
)
from procdeck.engine.workers.backend import Backend
from procdeck.engine.workers.local import LocalBackend


async def create_backend(
    choice: BackendChoice, task_group: TaskGroup, capacity: int | None = None
) -> Backend:
    """A started backend for ``choice``; its connection task (Dask) runs in ``task_group``.

    Raises `BackendChoiceError` (a message for the window) when Dask is chosen but not
    installed. Connection problems are not raised: they are the Dask backend's state.
    """
    if not choice.is_dask:
        return LocalBackend(capacity)
    if not dask_available():
        raise BackendChoiceError(f"Dask is not installed; to use it: {DASK_INSTALL_HINT}")
    from procdeck.engine.workers.dask_backend import DaskBackend

    return await DaskBackend.start(choice, task_group, capacity=capacity)
