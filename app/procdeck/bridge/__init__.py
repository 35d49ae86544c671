"""The only layer that knows both Qt and the async engine (QtCore only)."""
