"""One check of a probe: exec, TCP connect, HTTP GET. Each returns (ok, detail).

All checks are async and cancellable. An exec check runs its command in a new session and
kills the whole group when it times out or is cancelled, so no probe process outlives its
check. The HTTP check is a minimal HTTP/1.1 GET over an anyio stream (the status line is
all a probe needs), so probes add no dependency and never block the event loop.
"""

from __future__ import annotations

import os
import signal
import ssl
import subprocess
from collections.abc import Mapping

import anyio
import anyio.abc

from procdeck.core.probes import Probe, ProbeKind
from procdeck.engine.child_env import child_environment

MAX_HEADER_BYTES = 16 * 1024


class CheckFailed(Exception):
    """A check that did not pass; the message says why (for the user)."""


async def run_check(probe: Probe, *, cwd: str | None, env: Mapping[str, str | None]) -> str:
    """Run one check within the probe's timeout; returns a detail, raises CheckFailed."""
    try:
        with anyio.fail_after(probe.timeout_s or None):
            if probe.kind is ProbeKind.EXEC:
                return await check_exec(probe.command, cwd=cwd, env=env)
            if probe.kind is ProbeKind.TCP:
                return await check_tcp(probe.host, probe.port)
            if probe.kind is ProbeKind.HTTP_GET:
                return await check_http(probe)
    except TimeoutError:
        raise CheckFailed(f"timed out after {probe.timeout_s:g} s") from None
    raise CheckFailed(f"{probe.kind.value} probes are not checked one at a time")


async def check_exec(command: str, *, cwd: str | None, env: Mapping[str, str | None]) -> str:
    """Run ``/bin/sh -c command``; exit 0 passes. The process group dies with the check."""
    try:
        process = await anyio.open_process(
            ["/bin/sh", "-c", command],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=child_environment(env, unbuffered=False),
            start_new_session=True,
        )
    except OSError as exc:
        raise CheckFailed(f"cannot run the probe command: {exc.strerror or exc}") from None
    try:
        stderr = b""
        assert process.stderr is not None
        async for chunk in process.stderr:
            if len(stderr) < 4096:
                stderr += chunk
        code = await process.wait()
    finally:
        with anyio.CancelScope(shield=True):
            # The command's session: the shell, and anything it left behind, even on success.
            _kill_group(process.pid)
            await process.aclose()
    if code == 0:
        return "exit 0"
    last = stderr.decode("utf-8", "replace").strip().splitlines()
    suffix = f": {last[-1][:200]}" if last else ""
    raise CheckFailed(f"{command!r} exited with status {code}{suffix}")


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


async def check_tcp(host: str, port: int) -> str:
    try:
        stream = await anyio.connect_tcp(host, port)
    except OSError as exc:
        raise CheckFailed(f"cannot connect to {host}:{port}: {exc.strerror or exc}") from None
    await stream.aclose()
    return f"{host}:{port} accepts connections"


async def check_http(probe: Probe) -> str:
    """GET ``probe.url``; the status must be within the probe's accepted range."""
    status = await http_get_status(probe.scheme, probe.host, probe.port, probe.path, probe.headers)
    if probe.status_min <= status <= probe.status_max:
        return f"GET {probe.url} answered {status}"
    raise CheckFailed(f"GET {probe.url} answered {status} (accepted {probe.status_min}-{probe.status_max})")


async def http_get_status(
    scheme: str, host: str, port: int, path: str, headers: tuple[tuple[str, str], ...] = ()
) -> int:
    """The status code of one HTTP/1.1 GET (the body is not read)."""
    try:
        if scheme == "https":
            stream: anyio.abc.ByteStream = await anyio.connect_tcp(
                host, port, tls=True, ssl_context=ssl.create_default_context(), tls_hostname=host
            )
        else:
            stream = await anyio.connect_tcp(host, port)
    except (OSError, ssl.SSLError) as exc:
        raise CheckFailed(
            f"cannot connect to {host}:{port}: {getattr(exc, 'strerror', None) or exc}"
        ) from None
    async with stream:
        lines = [
            f"GET {path} HTTP/1.1",
            f"Host: {host}:{port}",
            "Connection: close",
            "User-Agent: procdeck-probe",
        ]
        lines += [f"{name}: {value}" for name, value in headers]
        try:
            await stream.send(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
            received = b""
            while b"\r\n" not in received and len(received) < MAX_HEADER_BYTES:
                received += await stream.receive()
        except (anyio.EndOfStream, anyio.BrokenResourceError, OSError) as exc:
            if not received:
                raise CheckFailed(
                    f"GET {scheme}://{host}:{port}{path}: connection closed without an answer"
                ) from None
            if isinstance(exc, OSError):
                raise CheckFailed(f"GET {scheme}://{host}:{port}{path}: {exc.strerror or exc}") from None
    status_line = received.split(b"\r\n", 1)[0].decode("latin-1", "replace")
    parts = status_line.split()
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise CheckFailed(f"GET {scheme}://{host}:{port}{path}: not an HTTP answer ({status_line[:60]!r})")
    return int(parts[1])
