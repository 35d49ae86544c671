"""The watchdog ends an instance's processes when its Procdeck vanishes, and only then."""

from __future__ import annotations

import os
import subprocess
import time

from procdeck.engine.containment import cookie, procfs
from procdeck.engine.containment.watchdog_client import WatchdogClient
from tests.engine.containment.helpers import sleeps_cleaned_up, unique_seconds, wait_until


def _die(client: WatchdogClient) -> subprocess.Popen[bytes]:
    """What a SIGKILLed Procdeck does to the pipe: close it without a word."""
    process = client._process
    assert process is not None
    os.close(client._fd)
    client._fd = -1
    return process


def _sleep(seconds: str, env_cookie: str | None = None) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    if env_cookie is not None:
        env[cookie.VARIABLE] = env_cookie
    return subprocess.Popen(["sleep", seconds], env=env, start_new_session=True)


def _instance() -> str:
    return cookie.new_instance_id(*procfs.self_key())


def test_eof_stops_registered_and_cookie_carrying_processes_but_not_others():
    instance = _instance()
    a, b, c = unique_seconds(), unique_seconds(), unique_seconds()
    with sleeps_cleaned_up(a, b, c):
        registered = _sleep(a)
        by_cookie = _sleep(b, cookie.Cookie(instance, "4").value)
        other = _sleep(c, cookie.Cookie(_instance(), "4").value)  # another instance's run
        client = WatchdogClient(instance)
        client.start()
        try:
            client.register_run((registered.pid, procfs.start_of(registered.pid) or 0), 1.0)
            assert os.getsid(client.pid) == client.pid  # its own session
            process = _die(client)
            assert process.wait(5) == 0
            assert registered.wait(3) and by_cookie.wait(3)  # reaped: they were SIGTERMed
            assert other.poll() is None
        finally:
            client.close()
            for proc in (registered, by_cookie, other):
                proc.kill()
                proc.wait()


def test_clean_goodbye_leaves_everything_alone_and_exits():
    instance = _instance()
    a = unique_seconds()
    with sleeps_cleaned_up(a):
        proc = _sleep(a, cookie.Cookie(instance, "1").value)
        client = WatchdogClient(instance)
        client.start()
        process = client._process
        assert process is not None
        try:
            client.close()
            assert process.returncode == 0
            assert proc.poll() is None
        finally:
            proc.kill()
            proc.wait()


def test_idle_watchdog_uses_no_cpu():
    client = WatchdogClient(_instance())
    client.start()
    try:
        assert client.pid is not None
        pid = client.pid

        def cpu_ticks() -> int:
            with open(f"/proc/{pid}/stat", "rb") as file:
                fields = file.read().rsplit(b")", 1)[1].split()
            return int(fields[11]) + int(fields[12])  # utime + stime

        # Wait until its start-up is over (the CPU count settles), then watch it idle.
        def settled() -> bool:
            now = cpu_ticks()
            time.sleep(0.3)
            return cpu_ticks() == now

        assert wait_until(settled, 20)
        before = cpu_ticks()
        time.sleep(1.5)
        assert cpu_ticks() == before
    finally:
        client.close()


def test_torn_and_unknown_lines_are_ignored():
    from procdeck.engine.containment.watchdog import Registry

    registry = Registry("1.2.ab")
    for line in ("run 12 34", "run x y z", "pid 5 6", "hello", "run 7 8 2.5", "bye"):
        registry.feed(line)
    assert registry.keys == {(5, 6), (7, 8)}
    assert registry.grace_s == 2.5 and registry.clean_exit
