"""`procdeck job`: call a Python function in worker processes, without a window.

    procdeck job procdeck.tasks.builtin:count_primes '[1000000]'
    procdeck job procdeck.tasks.builtin:count_primes --map 'range(1000, 1010)' --workers 2
    procdeck job mymod:work --path ~/tasks --map-file inputs.txt --format json
    procdeck job mymod:work --timeout 60 --memory-limit 2G

Arguments and inputs are validated exactly as in the Jobs panel. Once all jobs have
finished, each prints one line in input order (``index<TAB>state<TAB>result or error``; a
single job prints its result), or the batch is written as CSV or JSON; what jobs printed,
their tracebacks and the stacks dumped at a timeout go to stderr. Exit status 0 when
every job succeeded, 1 when any failed, 2 for a usage mistake, 130 after Ctrl+C (which
cancels everything, killing running workers). When stdout is closed early (``| head``)
the rest of the output is dropped quietly and the exit status stays the same.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import signal
import sys

import anyio

from procdeck.core.jobs import (
    DispatchMode,
    DispatchRequest,
    FailureKind,
    JobInfo,
    JobSpecError,
    JobState,
    ResultRow,
    build_request,
    parse_size,
    parse_timeout,
)
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
    parser.add_argument(
        "--timeout",
        metavar="SECONDS",
        help="stop each job that runs longer (its stacks are dumped to stderr first)",
    )
    parser.add_argument(
        "--batch-timeout", metavar="SECONDS", help="stop a --map batch that takes longer as a whole"
    )
    parser.add_argument(
        "--memory-limit",
        metavar="SIZE",
        help="stop each job whose worker uses more memory (e.g. 300M, 2G)",
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    mode = DispatchMode.MAP if (args.map is not None or args.map_file) else DispatchMode.ONCE
    try:
        request = build_request(args.target, args.arguments, mode, args.map or "", args.map_file, args.path)
        if args.workers is not None and args.workers < 1:
            raise JobSpecError("--workers must be at least 1.")
        timeout = None if args.timeout is None else parse_timeout(args.timeout, "--timeout")
        batch = None if args.batch_timeout is None else parse_timeout(args.batch_timeout, "--batch-timeout")
        size = None if args.memory_limit is None else parse_size(args.memory_limit, "--memory-limit")
        spec = dataclasses.replace(request.spec, timeout=timeout, memory_limit=size, batch_timeout=batch)
        request = dataclasses.replace(request, spec=spec)
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
        failed = any(info.state is not JobState.DONE for info in infos)
        results = pool.results(batch_id) if batch_id is not None and fmt != "lines" else None
    code = EXIT_INTERRUPTED if interrupted else EXIT_FAILED if failed else 0
    try:
        _report(infos, batch_id is not None, fmt, results)
    except BrokenPipeError:
        _quiet_stdout()
    return code


def _report(infos: list[JobInfo], batch: bool, fmt: str, results: list[ResultRow] | None) -> None:
    for info in infos:
        if info.stdout:
            sys.stderr.write(info.stdout)
        if info.stderr:
            sys.stderr.write(info.stderr)
        failure = info.failure
        if failure is not None and failure.kind in (FailureKind.TIMEOUT, FailureKind.MEMORY):
            where = f"job {info.index}: " if info.index is not None else ""
            sys.stderr.write(f"procdeck job: {where}{failure.message}\n")
        if failure is not None and failure.traceback:
            sys.stderr.write(failure.traceback)
    if results is None:
        for info in infos:
            if info.failure is not None:
                text = f"{info.failure.kind.value}: {info.failure.message}"
            else:
                text = info.result_repr or info.state.value
            index = "" if info.index is None else info.index
            print(f"{index}\t{info.state.value}\t{text}" if batch else text)
    else:
        sys.stdout.write(render_results(results, fmt))
    sys.stdout.flush()


def _quiet_stdout() -> None:
    """The reader of stdout went away (``| head``): drop the rest without a traceback.

    Python flushes stdout again at exit, which would raise BrokenPipeError once more; point
    it at /dev/null, as https://docs.python.org/3/library/signal.html#note-on-sigpipe says.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    finally:
        os.close(devnull)
