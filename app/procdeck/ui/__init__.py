"""Widgets only: they render core values and emit intent signals (no engine, no anyio)."""
