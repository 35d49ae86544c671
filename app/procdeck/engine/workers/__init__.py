"""CPU jobs in worker processes: a job pool in front of interchangeable backends.

`pool.JobPool` owns the queue, batches, cancellation and published snapshots; a backend
(`local.LocalBackend` over ``anyio.to_process``) runs one call at a time per slot.
Worker processes import `trampoline` by itself, so this package's ``__init__`` must stay
free of heavy imports.
"""
