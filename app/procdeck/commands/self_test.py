"""`procdeck --self-test`: prove, headless, that this installation or bundle really works.

Each check runs real processes: a launched child's streamed stdout/stderr and exit code,
a process tree stopped as a whole, the environment launched programs get, a worker job,
a cancelled worker job, CPU samples of a busy worker, and a profile saved and reloaded in
a temporary config dir (then launched). One line per check goes to stdout; the exit code is 1 when any
check fails. Nothing is written to stderr, so a CI log shows exactly what broke.

In a bundle this is the check that matters most: it fails when the frozen entry point does
not route anyio's worker command line (see procdeck.frozen), or when launched programs
inherit the bundle's library path (see procdeck.engine.child_env).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TextIO

CHECK_TIMEOUT_S = 60.0  # generous: a loaded 2-core CI machine, a cold bundle


class CheckFailed(Exception):
    """A self-test check found something wrong; the message says what."""


@dataclass(frozen=True)
class Check:
    name: str
    run: Callable[[], Awaitable[str]]


def add_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="run headless checks of this installation or bundle, one line each, and exit",
    )


def from_flags(args: argparse.Namespace) -> int | None:
    """Run the self-test when asked; None otherwise."""
    return main() if getattr(args, "self_test", False) else None


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


async def check_launch_streams() -> str:
    """The engine launches a child; its stdout and stderr arrive separately, with its exit code."""
    import anyio

    from procdeck.commands import self_test_child as child
    from procdeck.core.output import Stream
    from procdeck.core.process_spec import ProcessSpec
    from procdeck.engine.engine import Engine

    started = time.perf_counter()
    async with Engine() as engine:
        manager = engine.processes
        run_id = manager.launch(ProcessSpec(tuple(child.child_argv("streams")), name="self-test streams"))
        with anyio.fail_after(CHECK_TIMEOUT_S):
            info = await manager.wait(run_id)
            await manager.wait_output(run_id)
        output = manager.output(run_id)
        out = output.text(Stream.STDOUT).splitlines()
        err = output.text(Stream.STDERR).splitlines()
    _require(info.error is None, f"the child did not start: {info.error}")
    _require(out == list(child.STREAMS_STDOUT), f"stdout was {out!r}")
    _require(err == list(child.STREAMS_STDERR), f"stderr was {err!r}")
    code = info.outcome.returncode if info.outcome else None
    _require(code == child.STREAMS_EXIT_CODE, f"exit code {code}, expected {child.STREAMS_EXIT_CODE}")
    elapsed = time.perf_counter() - started
    return f"{len(out)} stdout lines, {len(err)} stderr line, exit code {code} ({elapsed:.2f} s)"


def _plain_env_program() -> tuple[list[str], str]:
    """A program that is not Python and not a bundle, printing its environment."""
    if sys.platform == "win32":
        return [os.environ.get("COMSPEC", "cmd.exe"), "/d", "/c", "set"], "\n"
    program = shutil.which("env") or "/usr/bin/env"
    return [program, "-0"], "\0"


async def check_child_environment() -> str:
    """A plain program launched by Procdeck gets the user's environment, not the bundle's."""
    import anyio

    from procdeck.engine.child_env import BUNDLE_VARIABLE_PREFIXES, child_environment, launch_environ

    env = child_environment({"PROCDECK_SELF_TEST": "1"}, unbuffered=True)
    argv, separator = _plain_env_program()
    result = await anyio.run_process(argv, env=env, check=False)
    _require(result.returncode == 0, f"{argv[0]} exited {result.returncode}")
    seen: dict[str, str] = {}
    for entry in result.stdout.decode("utf-8", "replace").split(separator):
        name, sep, value = entry.strip("\r\n").partition("=")
        if sep and name:
            seen[name] = value
    leaked = sorted(name for name in seen if name.startswith(BUNDLE_VARIABLE_PREFIXES))
    _require(not leaked, f"bundle variables leaked to the child: {leaked}")
    _require(seen.get("PROCDECK_SELF_TEST") == "1", "an override did not reach the child")
    frozen = bool(getattr(sys, "frozen", False))
    if frozen:
        original = launch_environ()
        expected = original.get("LD_LIBRARY_PATH_ORIG")
        _require(
            seen.get("LD_LIBRARY_PATH") == expected,
            f"the child's LD_LIBRARY_PATH is {seen.get('LD_LIBRARY_PATH')!r}, expected {expected!r}",
        )
        _require(
            seen.get("QT_PLUGIN_PATH") == original.get("QT_PLUGIN_PATH"),
            "the child's QT_PLUGIN_PATH points into the bundle",
        )
    where = "bundle" if frozen else "source"
    return f"{len(seen)} variables, no bundle variables ({where}, {os.path.basename(argv[0])})"


def _gone(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


async def check_stop_tree() -> str:
    """Stopping a run stops its grandchildren too, so nothing holds the pipes."""
    import anyio

    from procdeck.commands import self_test_child as child
    from procdeck.core.output import Stream
    from procdeck.core.process_spec import ProcessSpec
    from procdeck.engine.engine import Engine

    async with Engine() as engine:
        manager = engine.processes
        run_id = manager.launch(
            ProcessSpec(tuple(child.child_argv("tree")), name="self-test tree", grace_s=10.0)
        )
        output = manager.output(run_id)
        with anyio.fail_after(CHECK_TIMEOUT_S):
            while not output.text(Stream.STDOUT).strip():
                _require(manager.info(run_id).state.is_live, f"the tree exited early: {manager.info(run_id)}")
                await anyio.sleep(0.02)
        grandchild = int(output.text(Stream.STDOUT).split()[0])
        pids = await manager.scan_tree(run_id)
        _require(grandchild in pids, f"grandchild {grandchild} not in the run's tree {pids}")
        started = time.perf_counter()
        with anyio.fail_after(CHECK_TIMEOUT_S):
            info = await manager.stop(run_id)
            await manager.wait_output(run_id)
            while not await anyio.to_thread.run_sync(_gone, grandchild):
                await anyio.sleep(0.05)
        elapsed = time.perf_counter() - started
    signals = ", ".join(info.signals_sent) or "no signal"
    outcome = info.outcome.describe() if info.outcome else "?"
    return f"{len(pids)} processes stopped ({signals}; {outcome}), pipes closed ({elapsed:.2f} s)"


async def check_worker_job() -> str:
    """The engine's job pool runs a CPU job in a worker process and returns its result."""
    import anyio

    from procdeck.commands import self_test_jobs as jobs
    from procdeck.core.jobs import JobSpec, JobState
    from procdeck.engine.engine import Engine

    size = 4_000_000
    expected = jobs.checksum(size)
    started = time.perf_counter()
    async with Engine() as engine:
        job_id = engine.jobs.submit(JobSpec.for_callable(jobs.checksum, size))
        with anyio.fail_after(CHECK_TIMEOUT_S):
            info = await engine.jobs.wait(job_id)
        _require(info.state is JobState.DONE, f"the job ended {info.state.value}: {info.failure}")
        result = engine.jobs.result(job_id)
    elapsed = time.perf_counter() - started
    _require(result == expected, f"worker returned {result!r}, expected {expected!r}")
    _require(info.worker_pid not in (None, os.getpid()), "the job did not run in a worker process")
    return f"checksum matches, worker pid {info.worker_pid} ({elapsed:.2f} s incl. worker start)"


async def check_worker_cancel() -> str:
    """A cancelled running job stops (its worker is killed); the next job still runs."""
    import anyio

    from procdeck.commands import self_test_jobs as jobs
    from procdeck.core.jobs import JobSpec, JobState
    from procdeck.engine.engine import Engine

    async with Engine() as engine:
        pool = engine.jobs
        job_id = pool.submit(JobSpec.for_callable(jobs.spin, 60.0))
        with anyio.fail_after(CHECK_TIMEOUT_S):
            while pool.info(job_id).state is not JobState.RUNNING:
                _require(
                    not pool.info(job_id).state.is_final,
                    f"the job ended early: {pool.info(job_id).state.value}",
                )
                await anyio.sleep(0.02)
        busy: list[int] = []
        with anyio.fail_after(CHECK_TIMEOUT_S):
            while not busy:  # the pool learns the worker's pid once the job is in it
                busy = [w.pid for w in await pool.workers() if w.job_id == job_id]
                await anyio.sleep(0.02)
        started = time.perf_counter()
        _require(pool.cancel(job_id), "the running job could not be cancelled")
        with anyio.fail_after(CHECK_TIMEOUT_S):
            info = await pool.wait(job_id)
            for pid in busy:  # the spinning worker is killed, not left running
                while not await anyio.to_thread.run_sync(_gone, pid):
                    await anyio.sleep(0.05)
        cancelled_after = time.perf_counter() - started
        _require(info.state is JobState.CANCELLED, f"the cancelled job ended {info.state.value}")
        with anyio.fail_after(CHECK_TIMEOUT_S):
            after = await pool.wait(pool.submit(JobSpec.for_callable(jobs.spin, 0.01)))
        _require(after.state is JobState.DONE, f"the job after the cancelled one ended {after.state.value}")
    return f"cancelled in {cancelled_after:.2f} s, worker {busy[0]} stopped, next job ran"


async def check_worker_cpu() -> str:
    """The monitor's sampler sees a busy worker of the job pool working."""
    import anyio

    from procdeck.commands import self_test_jobs as jobs
    from procdeck.core.jobs import JobSpec, JobState
    from procdeck.engine.engine import Engine
    from procdeck.engine.monitor.sampler import Sampler

    worker_pids: list[int] = []
    sampler = Sampler(workers=lambda: [(f"worker {pid}", pid) for pid in worker_pids])
    peaks: list[float] = []
    async with Engine() as engine:
        pool = engine.jobs
        job_id = pool.submit(JobSpec.for_callable(jobs.spin, 3.5))
        with anyio.fail_after(CHECK_TIMEOUT_S):
            while not worker_pids:
                _require(not pool.info(job_id).state.is_final, "the job ended before it was sampled")
                worker_pids.extend(w.pid for w in await pool.workers() if w.busy)
                await anyio.sleep(0.05)
            for _ in range(10):
                snapshot = await sampler.tick()
                cpu = [s.cpu_percent for _, s in snapshot.workers if s.cpu_percent is not None]
                peaks.append(max(cpu, default=0.0))
                await anyio.sleep(0.25)
            info = await pool.wait(job_id)
    peak = max(peaks, default=0.0)
    _require(info.state is JobState.DONE, f"the spinning job ended {info.state.value}")
    _require(len(peaks) >= 4, f"only {len(peaks)} samples taken")
    _require(peak >= 20.0, f"a spinning worker peaked at {peak:.0f}% CPU")
    return f"{len(peaks)} sampler ticks of worker {worker_pids[0]}, peak {peak:.0f}% CPU"


async def check_profile_roundtrip() -> str:
    """A profile saved in a temporary config dir reloads equal, and launches."""
    import tempfile

    import anyio

    from procdeck.commands import self_test_child as child
    from procdeck.core.output import Stream
    from procdeck.core.profile import EnvVar, Profile
    from procdeck.engine.engine import Engine
    from procdeck.engine.profiles.store import ProfileStore

    with tempfile.TemporaryDirectory(prefix="procdeck-self-test-") as folder:
        profile = Profile(
            name="self-test \u00e9",
            command=tuple(child.child_argv("streams")),
            env=(EnvVar("PROCDECK_SELF_TEST", "1"), EnvVar("PROCDECK_SECRET", "s3cr\u00e9t", secret=True)),
            grace_s=2.5,
            tags=("self-test",),
        )
        saved = await ProfileStore(folder).asave([profile])
        _require(saved.ok, f"saving failed: {saved.message()}")
        reloaded = await ProfileStore(folder).aload()  # a fresh store: read from disk
        _require(reloaded.ok and reloaded.exists, f"reloading failed: {reloaded.message()}")
        again = reloaded.get(profile.name)
        _require(again == profile, f"the reloaded profile differs: {again!r}")
        assert again is not None
        size = reloaded.path.stat().st_size
        async with Engine() as engine:
            run_id = engine.processes.launch(again.to_spec())
            with anyio.fail_after(CHECK_TIMEOUT_S):
                info = await engine.processes.wait(run_id)
                await engine.processes.wait_output(run_id)
            out = engine.processes.output(run_id).text(Stream.STDOUT).splitlines()
        code = info.outcome.returncode if info.outcome else None
        _require(
            out == list(child.STREAMS_STDOUT) and code == child.STREAMS_EXIT_CODE,
            f"the reloaded profile ran with exit code {code}, stdout {out!r}",
        )
    return f"{reloaded.path.name} ({size} bytes) reloaded equal, launched: exit code {code}"


CHECKS: tuple[Check, ...] = (
    Check("launch and stream", check_launch_streams),
    Check("child environment", check_child_environment),
    Check("stop process tree", check_stop_tree),
    Check("worker job", check_worker_job),
    Check("cancelled worker job", check_worker_cancel),
    Check("worker CPU samples", check_worker_cpu),
    Check("profile save and reload", check_profile_roundtrip),
)


async def run_checks(checks: tuple[Check, ...], out: TextIO) -> int:
    """Run every check, one line each; returns the number of failures."""
    import anyio

    failures = 0
    for check in checks:
        try:
            with anyio.fail_after(CHECK_TIMEOUT_S * 2):
                detail = await check.run()
        except CheckFailed as exc:
            failures += 1
            out.write(f"FAIL  {check.name}: {exc}\n")
        except Exception as exc:
            failures += 1
            out.write(f"FAIL  {check.name}: {type(exc).__name__}: {exc}\n")
        else:
            out.write(f"ok    {check.name}: {detail}\n")
        out.flush()
    if failures:
        out.write(f"self-test: {failures} of {len(checks)} checks failed\n")
    else:
        out.write(f"self-test: all {len(checks)} checks passed\n")
    out.flush()
    return failures


def main(out: TextIO | None = None) -> int:
    """Run the self-test; 0 when every check passed, 1 otherwise."""
    import anyio

    stream = out if out is not None else sys.stdout
    failures = anyio.run(run_checks, CHECKS, stream)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
