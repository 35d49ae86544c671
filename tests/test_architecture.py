"""The layers keep their arrows: import-linter's contracts, plus QtCore-only bridge."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import procdeck

PACKAGE = Path(procdeck.__file__).parent
ROOT = PACKAGE.parent.parent


def test_import_linter_contracts_are_kept():
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint, "import-linter is part of the test extras"
    result = subprocess.run(
        [lint, "--config", str(ROOT / "pyproject.toml")], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_bridge_uses_qtcore_only():
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(
            n for n in _imports(path) if n.startswith(("PySide6.QtWidgets", "PySide6.QtGui", "pyqtgraph"))
        )
        for path in (PACKAGE / "bridge").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}
