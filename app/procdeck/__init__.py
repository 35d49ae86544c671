"""Procdeck: a desktop process launcher and monitor."""

__version__ = "0.1.0"
