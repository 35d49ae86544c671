"""Containment: finding and ending everything a run started, even after it escaped.

The modules here named procfs, cookie, ladder, instances and watchdog use the standard
library only, so the watchdog process starts fast and works in a frozen bundle.
"""
