"""A task module that fails on import (for the import-error test)."""

raise RuntimeError("this module is broken on purpose")
