"""Probe checks against real servers, sockets and commands; exec probes leave nothing behind."""

from __future__ import annotations

import functools
import os
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import anyio
import psutil
import pytest

from procdeck.core.output import Stream
from procdeck.core.probes import Health, Probe, ProbeKind
from procdeck.engine.probes.checks import CheckFailed, check_exec, check_tcp, run_check
from procdeck.engine.probes.runner import LineMatcher, watch_probe

pytestmark = pytest.mark.anyio


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status = 503 if self.path == "/down" else 200
        if self.path == "/auth":
            status = 200 if self.headers.get("Authorization") == "Bearer t" else 401
        self.send_response(status)
        self.end_headers()
        self.wfile.write(b"body")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def http_port() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_http_get_status_range_and_headers(http_port: int) -> None:
    ok = Probe(ProbeKind.HTTP_GET, port=http_port, path="/")
    assert "answered 200" in await run_check(ok, cwd=None, env={})
    with pytest.raises(CheckFailed, match="answered 503 \\(accepted 200-399\\)"):
        await run_check(Probe(ProbeKind.HTTP_GET, port=http_port, path="/down"), cwd=None, env={})
    accept_503 = Probe(ProbeKind.HTTP_GET, port=http_port, path="/down", status_min=500, status_max=599)
    assert "503" in await run_check(accept_503, cwd=None, env={})
    with pytest.raises(CheckFailed, match="401"):
        await run_check(Probe(ProbeKind.HTTP_GET, port=http_port, path="/auth"), cwd=None, env={})
    authed = Probe(ProbeKind.HTTP_GET, port=http_port, path="/auth", headers=(("Authorization", "Bearer t"),))
    assert "200" in await run_check(authed, cwd=None, env={})
    with pytest.raises(CheckFailed, match="cannot connect"):
        await run_check(Probe(ProbeKind.HTTP_GET, port=closed_port()), cwd=None, env={})


async def test_http_get_times_out_on_a_silent_server() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        probe = Probe(ProbeKind.HTTP_GET, port=listener.getsockname()[1], timeout_s=0.3)
        with pytest.raises(CheckFailed, match="timed out after 0.3 s"):
            await run_check(probe, cwd=None, env={})


async def test_tcp(http_port: int) -> None:
    assert "accepts" in await check_tcp("127.0.0.1", http_port)
    with pytest.raises(CheckFailed, match="cannot connect"):
        await check_tcp("127.0.0.1", closed_port())


async def test_exec_uses_folder_and_environment(tmp_path) -> None:
    (tmp_path / "ready").write_text("")
    assert await check_exec('test -f ready && test "$X" = 1', cwd=str(tmp_path), env={"X": "1"}) == "exit 0"
    with pytest.raises(CheckFailed, match="exited with status 3: nope"):
        await check_exec("echo nope >&2; exit 3", cwd=str(tmp_path), env={})


async def test_exec_probe_killed_on_timeout_leaves_nothing(tmp_path) -> None:
    marker = tmp_path / "pid"
    probe = Probe(ProbeKind.EXEC, command=f"sleep 30 & echo $! > {marker}; wait", timeout_s=0.5)
    with pytest.raises(CheckFailed, match="timed out"):
        await run_check(probe, cwd=None, env={})
    await _gone(int(marker.read_text()))


async def test_exec_probe_cancelled_leaves_nothing(tmp_path) -> None:
    marker = tmp_path / "pid"
    with anyio.move_on_after(5):
        async with anyio.create_task_group() as tg:
            tg.start_soon(
                functools.partial(check_exec, f"echo $$ > {marker}; exec sleep 30", cwd=None, env={})
            )
            while not marker.exists() or not marker.read_text().strip():
                await anyio.sleep(0.02)
            tg.cancel_scope.cancel()
    await _gone(int(marker.read_text()))


async def _gone(pid: int) -> None:
    """SIGKILL is delivered asynchronously: the process must be gone within a moment."""
    with anyio.fail_after(5):
        while _alive(pid):
            await anyio.sleep(0.02)


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


async def test_thresholds_turn_checks_into_verdicts(tmp_path) -> None:
    flag = tmp_path / "ok"
    verdicts: list[tuple[Health, str]] = []
    probe = Probe(
        ProbeKind.EXEC, command=f"test -f {flag}", period_s=0.05, success_threshold=2, failure_threshold=3
    )
    async with anyio.create_task_group() as tg:
        tg.start_soon(lambda: watch_probe(probe, lambda h, d: verdicts.append((h, d)), cwd=None, env={}))
        while not verdicts:
            await anyio.sleep(0.02)
        assert verdicts[0][0] is Health.UNHEALTHY and "failed 3 times in a row" in verdicts[0][1]
        flag.write_text("")
        while len(verdicts) < 2:
            await anyio.sleep(0.02)
        assert verdicts[1][0] is Health.HEALTHY
        os.unlink(flag)
        while len(verdicts) < 3:
            await anyio.sleep(0.02)
        assert verdicts[2][0] is Health.UNHEALTHY
        tg.cancel_scope.cancel()


async def test_log_line_matcher_splits_chunks_and_streams() -> None:
    matcher = LineMatcher(r"listening on \d+", ("stderr",))
    matcher.feed(Stream.STDOUT, b"listening on 80\n")  # wrong stream
    assert matcher.matched is None
    matcher.feed(Stream.STDERR, b"boot\nlisten")
    matcher.feed(Stream.STDERR, b"ing on 8080\r\nmore")
    assert matcher.matched == "listening on 8080" and matcher.event.is_set()
