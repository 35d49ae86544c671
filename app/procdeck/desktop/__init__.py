"""Desktop integration: log file, crash reporting, and the Linux desktop entry.

Top layer (like procdeck.main): it may use Qt widgets for the crash dialog, and is used
by main() and the CLI.
"""
