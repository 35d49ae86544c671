"""What a Dask worker runs for a job: the pool's trampoline, with its reply tagged.

The trampoline (`trampoline.run_job`) returns a rich result as `_Pickled` bytes, a bytes
subclass the app recognises. Dask's serialisation sends any bytes-like value as plain
bytes, so the subclass is lost on the way back and a pickled result could not be told
from a job that returned bytes. This wrapper says which it is with an explicit flag.
Standard library and the trampoline only: cheap to import in a worker.
"""

from __future__ import annotations

import os
from typing import Any

from procdeck.engine.workers.trampoline import _Pickled, run_job

#: ``(ok, payload, stdout, stderr, pid, payload_is_pickled)``
DaskReply = tuple[bool, Any, str, str, int, bool]


def run_dask_job(
    target: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    extra_path: tuple[str, ...],
    board_path: str | None,
    slot: int,
    job_id: int,
) -> DaskReply:
    reply = run_job(target, args, kwargs, extra_path, board_path, slot, job_id)
    if type(reply) is not tuple:  # the trampoline's lean form: a plain result, nothing printed
        reply = (True, reply, "", "", os.getpid())
    ok, payload, out, err, pid = reply[:5]
    pickled = type(payload) is _Pickled
    return ok, bytes(payload) if pickled else payload, out, err, pid, pickled
