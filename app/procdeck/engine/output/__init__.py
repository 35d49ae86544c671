"""A run's output: incremental transcoding, block line store, ANSI rendering, log spool.

See ``line_store`` for the memory layout and ``spool`` for the log files. Import the
modules themselves: this package imports nothing, so reading the output settings at
start-up does not load the rest.
"""
