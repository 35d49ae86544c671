"""Choosing a backend: local by default, Dask only when installed (with a clear message)."""

from __future__ import annotations

import anyio
import pytest

from procdeck.core.cluster_state import DASK_INSTALL_HINT, BackendChoice, BackendChoiceError
from procdeck.engine.workers import backend_factory
from procdeck.engine.workers.local import LocalBackend

pytestmark = pytest.mark.anyio


async def test_local_choice_gives_the_local_backend():
    async with anyio.create_task_group() as tg:
        backend = await backend_factory.create_backend(BackendChoice.local(), tg, capacity=3)
        try:
            assert isinstance(backend, LocalBackend) and backend.capacity == 3
        finally:
            await backend.aclose()


async def test_dask_without_the_extra_is_a_clear_message(monkeypatch):
    monkeypatch.setattr(backend_factory, "dask_available", lambda: False)
    async with anyio.create_task_group() as tg:
        with pytest.raises(BackendChoiceError) as caught:
            await backend_factory.create_backend(BackendChoice.dask_local_cluster(1), tg)
    assert DASK_INSTALL_HINT in str(caught.value)
