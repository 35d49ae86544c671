"""Built-in job functions users can dispatch from the Jobs panel out of the box.

Importable by path, e.g. ``procdeck.tasks.builtin:count_primes``. Standard library only,
so a worker imports them fast.
"""
