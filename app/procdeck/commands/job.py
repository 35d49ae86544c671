"""`procdeck job`: call a Python function in worker processes, without a window.

    procdeck job procdeck.tasks.builtin:count_primes '[1000000]'
    procdeck job procdeck.tasks.builtin:count_primes --map 'range(1000, 1010)' --workers 2
    procdeck job mymod:work --path ~/tasks --map-file inputs.txt --format json

Arguments and inputs are validated exactly as in the Jobs panel. Once all jobs have
finished, each prints one line in input order (``index<TAB>state<TAB>result or error``; a
single job prints its result), or the batch is written as CSV or JSON; what jobs printed
and their tracebacks go to stderr. Exit status 0 when
every job succeeded, 1 when any failed, 2 for a usage mistake, 130 after Ctrl+C (which
cancels everything, killing running workers).
"""

from __future__ import annotations

import argparse
import signal
import sys

import anyio

from procdeck.core.jobs import DispatchMode, DispatchRequest, JobSpecError, JobState, build_request
from procdeck.engine.workers.files import read_inputs_file, render_results
from procdeck.engine.workers.local import open_local_pool

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "job",
        help="call a Python function (module:function) in worker processes",
        description="Call TARGET (package.module:function) once, or once per input, in worker processes.",
    )
    parser.add_argument("target", help="the function, as package.module:function")
    parser.add_argument(
        "arguments",
        nargs="?",
        default="",
        help="JSON or Python literal: a list (positional), a dict (keywords) or one value",
    )
    inputs = parser.add_mutually_exclusive_group()
    inputs.add_argument("--map", metavar="INPUTS", help="one job per input: a list literal or range(a, b)")
    inputs.add_argument("--map-file", metavar="FILE", help="one job per non-empty line of FILE")
    parser.add_argument("--workers", type=int, default=None, help="worker processes (default: CPU count)")
    parser.add_argument(
        "--path",
        metavar="DIR",
        action="append",
        default=[],
        help="folder of task modules to import from (repeatable)",
    )
    parser.add_argument(
        "--format", choices=("lines", "csv", "json"), default="lines", help="output (default: a line per job)"
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    mode = DispatchMode.MAP if (args.map is not None or args.map_file) else DispatchMode.ONCE
    try:
        request = build_request(args.target, args.arguments, mode, args.map or "", args.map_file, args.path)
        if args.workers is not None and args.workers < 1:
            raise JobSpecError("--workers must be at least 1.")
    except JobSpecError as exc:
        print(f"procdeck job: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return anyio.run(_main, request, args.workers, args.format)


async def _main(request: DispatchRequest, workers: int | None, fmt: str) -> int:
    inputs = list(request.inputs)
    if request.inputs_file:
        try:
            inputs = await read_inputs_file(request.inputs_file)
        except JobSpecError as exc:
            print(f"procdeck job: {exc}", file=sys.stderr)
            return EXIT_USAGE
    interrupted = False
    async with open_local_pool(workers) as pool:
        batch_id: int | None = None
        job_id = 0
        if request.mode is DispatchMode.MAP:
            batch_id = pool.map(request.spec, inputs)
        else:
            job_id = pool.submit(request.spec)

        with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
            async with anyio.create_task_group() as tg:

                async def watch() -> None:
                    nonlocal interrupted
                    async for _ in signals:
                        interrupted = True
                        pool.cancel_all()

                tg.start_soon(watch)
                if batch_id is None:
                    infos = [await pool.wait(job_id)]
                else:
                    await pool.wait_batch(batch_id)
                    infos = [pool.info(j.job_id) for j in pool.jobs()]
                tg.cancel_scope.cancel()
        failed = False
        for info in infos:
            failed |= info.state is not JobState.DONE
            if info.stdout:
                sys.stderr.write(info.stdout)
            if info.stderr:
                sys.stderr.write(info.stderr)
            if info.failure is not None and info.failure.traceback:
                sys.stderr.write(info.failure.traceback)
        if fmt == "lines" or batch_id is None:
            for info in infos:
                if info.failure is not None:
                    text = f"{info.failure.kind.value}: {info.failure.message}"
                else:
                    text = info.result_repr or info.state.value
                index = "" if info.index is None else info.index
                print(f"{index}\t{info.state.value}\t{text}" if batch_id is not None else text)
        else:
            sys.stdout.write(render_results(pool.results(batch_id), fmt))
    if interrupted:
        return EXIT_INTERRUPTED
    return EXIT_FAILED if failed else 0
