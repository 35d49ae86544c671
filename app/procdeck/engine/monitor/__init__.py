"""Process and system monitoring: psutil sampler, ring-buffer history, process table, signals."""

from procdeck.engine.monitor.history import History, RingBuffer
from procdeck.engine.monitor.sampler import RunProvider, Sampler, WorkerProvider, pin_key

__all__ = ["History", "RingBuffer", "RunProvider", "Sampler", "WorkerProvider", "pin_key"]
