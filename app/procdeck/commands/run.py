"""`procdeck run`: one command through the engine, without a window.

The child's stdout and stderr bytes are passed through unchanged as they arrive. The exit
status is the child's (128+N when it died of signal N, 127 when it could not start).
SIGINT or SIGTERM to `procdeck run` runs the stop ladder on the child's whole tree.
"""

from __future__ import annotations

import argparse
import signal
import sys
from typing import BinaryIO

import anyio

from procdeck.commands.profiles import add_config_dir_option
from procdeck.core.output import Stream
from procdeck.core.process_spec import ProcessSpec, SpecError, parse_env_assignments
from procdeck.core.run_state import RunState
from procdeck.engine.engine import Engine
from procdeck.engine.output.run_output import RunOutput

EXIT_CANNOT_START = 127
EXIT_USAGE = 2


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "run",
        help="run a command or a saved profile headless through the engine",
        description="Run COMMAND (after --), a saved profile NAME, or a profile group through Procdeck's engine without a window.",
    )
    parser.add_argument("--shell", action="store_true", help="COMMAND is one shell string (sh -c)")
    parser.add_argument("--cwd", metavar="DIR", help="working folder")
    parser.add_argument(
        "--env", metavar="KEY=VALUE", action="append", default=[], help="environment override (repeatable)"
    )
    parser.add_argument(
        "--grace", metavar="SECONDS", type=float, default=5.0, help="grace period before SIGKILL (default 5)"
    )
    parser.add_argument(
        "--group", metavar="NAME", help="run every profile of this group (honours start-after)"
    )
    add_config_dir_option(parser)
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND [ARG...], or a profile NAME")
    parser.set_defaults(handler=handle)


class PassthroughOutput(RunOutput):
    """Writes each chunk to our own stdout/stderr as it arrives, byte for byte."""

    def __init__(self, out: BinaryIO, err: BinaryIO) -> None:
        super().__init__()
        self._targets = {Stream.STDOUT: out, Stream.STDERR: err}

    def feed(self, stream: Stream, data: bytes) -> None:
        self._write(stream, data)

    def close_stream(self, stream: Stream) -> None:
        pass

    def _write(self, stream: Stream, data: bytes) -> None:
        target = self._targets[stream]
        try:
            target.write(data)
            target.flush()
        except BrokenPipeError:
            pass


def _spec_from_args(args: argparse.Namespace) -> ProcessSpec:
    command = list(args.command)
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        raise SpecError("No command given: procdeck run [OPTIONS] -- COMMAND [ARG...]")
    env = parse_env_assignments(args.env)
    if args.shell:
        return ProcessSpec(" ".join(command), shell=True, cwd=args.cwd, env=env, grace_s=args.grace)
    return ProcessSpec(tuple(command), cwd=args.cwd, env=env, grace_s=args.grace)


def _wants_profile(args: argparse.Namespace) -> bool:
    """`run NAME` (one word, no --) or `run --group NAME` runs saved profiles."""
    return bool(args.group) or (len(args.command) == 1 and args.command[0] != "--")


def handle(args: argparse.Namespace) -> int:
    if _wants_profile(args):
        if args.group and args.command:
            print("procdeck run: give either --group NAME or a command, not both.", file=sys.stderr)
            return EXIT_USAGE
        if args.shell or args.cwd or args.env or args.grace != 5.0:
            print(
                "procdeck run: --shell, --cwd, --env and --grace apply to commands after --; a profile has its own.",
                file=sys.stderr,
            )
            return EXIT_USAGE
        from procdeck.commands.profiles_run import handle_profiles

        return handle_profiles(args)
    try:
        spec = _spec_from_args(args)
    except SpecError as exc:
        print(f"procdeck run: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return anyio.run(run_headless, spec)


async def run_headless(spec: ProcessSpec) -> int:
    out, err = sys.stdout.buffer, sys.stderr.buffer
    async with Engine(output_factory=lambda _id, _spec: PassthroughOutput(out, err)) as engine:
        run_id = engine.processes.launch(spec)
        async with anyio.create_task_group() as tg:
            tg.start_soon(_stop_on_signal, engine, run_id, tg.cancel_scope)
            info = await engine.processes.wait(run_id)
            if info.state is not RunState.FAILED_TO_START:
                with anyio.move_on_after(1.0):  # let background leftovers flush, not hang
                    await engine.processes.wait_output(run_id)
            tg.cancel_scope.cancel()
        info = engine.processes.info(run_id)
    if info.state is RunState.FAILED_TO_START:
        print(f"procdeck run: {info.error}", file=sys.stderr)
        return EXIT_CANNOT_START
    assert info.outcome is not None
    return info.outcome.shell_status


async def _stop_on_signal(engine: Engine, run_id: int, scope: anyio.CancelScope) -> None:
    with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async for _signum in signals:
            await engine.processes.stop(run_id)
            return
