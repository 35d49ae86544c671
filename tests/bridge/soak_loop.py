"""Drives N callbacks through Procdeck's own Qt-driven loop, then exits (run as a script).

PySide6 6.12.0 on CPython 3.11 aborts ("Fatal Python error: none_dealloc") after a few
hundred thousand QObject.timerEvent calls, which qasync makes for every callback. The
dependency pins in pyproject.toml keep that combination out; this script proves it.
"""

from __future__ import annotations

import asyncio
import sys

import anyio

from procdeck.bridge.event_loop import new_event_loop_factory
from procdeck.main import make_application


async def churn(n: int) -> int:
    done = 0
    async with anyio.create_task_group() as tg:

        async def worker(count: int) -> None:
            nonlocal done
            for _ in range(count):
                await asyncio.sleep(0)  # one loop callback (one Qt timerEvent) each
                done += 1

        for _ in range(4):
            tg.start_soon(worker, n // 4)
    return done


def main() -> int:
    n = int(sys.argv[1])
    app = make_application([])
    with asyncio.Runner(loop_factory=new_event_loop_factory(app)) as runner:
        done = runner.run(churn(n))
    print(f"callbacks {done}")
    return 0 if done == n else 1


if __name__ == "__main__":
    sys.exit(main())
