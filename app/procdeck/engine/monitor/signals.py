"""Send a signal to a process (or its whole tree), refusing a pid that was reused.

Blocking (psutil walks): the sampler runs it through anyio.to_thread. The request carries
the create_time of the process the user saw; if the pid now belongs to another process,
nothing is sent. Permission errors are collected per pid and reported, never raised.
"""

from __future__ import annotations

import signal

import psutil

from procdeck.core.samples import SignalRequest, SignalResult

# Two readings of the same start time agree to the clock tick (10 ms); allow some slack.
CREATE_TIME_TOLERANCE_S = 0.05


def valid_signals() -> tuple[int, ...]:
    return tuple(sorted(int(s) for s in signal.valid_signals() if 0 < int(s) < 32))


def send_signal(request: SignalRequest) -> SignalResult:
    if request.signum not in signal.valid_signals():
        return SignalResult(request, error=f"{request.signum} is not a valid signal")
    if request.pid <= 0:
        return SignalResult(request, error=f"{request.pid} is not a process id")
    try:
        root = psutil.Process(request.pid)
        create_time = root.create_time()
    except psutil.NoSuchProcess:
        return SignalResult(request, gone=(request.pid,))
    except psutil.AccessDenied:
        return SignalResult(request, denied=(request.pid,))
    if abs(create_time - request.create_time) > CREATE_TIME_TOLERANCE_S:
        return SignalResult(request, reused=True)
    targets = [root]
    if request.tree:
        try:
            targets.extend(root.children(recursive=True))
        except psutil.NoSuchProcess:
            return SignalResult(request, gone=(request.pid,))
        except psutil.AccessDenied:
            pass  # signal what we can see
    sent: list[int] = []
    denied: list[int] = []
    gone: list[int] = []
    # Parent first, so a supervisor cannot respawn the children we are about to signal.
    for proc in targets:
        try:
            proc.send_signal(request.signum)  # psutil checks this pid was not reused
            sent.append(proc.pid)
        except psutil.NoSuchProcess:
            gone.append(proc.pid)
        except psutil.AccessDenied:
            denied.append(proc.pid)
        except OSError as exc:  # pragma: no cover - unexpected errno
            return SignalResult(
                request, sent=tuple(sent), denied=tuple(denied), gone=tuple(gone), error=str(exc)
            )
    return SignalResult(request, sent=tuple(sent), denied=tuple(denied), gone=tuple(gone))
