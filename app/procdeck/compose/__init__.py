"""Composition root: wires engine components, bridges and widgets, one module per feature."""
