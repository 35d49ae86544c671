"""Plain values shared by every layer: frozen dataclasses, enums and pure helpers.

Standard library only; no Qt, anyio or psutil (checked by import-linter).
"""
