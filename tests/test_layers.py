"""The package's two layers: the general tool never imports the paper reproduction."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "scalinglaws"


def _imported_modules(path: Path) -> set[str]:
    """Absolute module names imported by one source file."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_tool_layer_never_imports_paper_layer() -> None:
    tool_files = [p for p in PACKAGE.rglob("*.py") if "paper" not in p.relative_to(PACKAGE).parts]
    assert len(tool_files) > 20
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(
            name for name in _imported_modules(path) if name.startswith("scalinglaws.paper")
        )
        for path in tool_files
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_paper_layer_is_a_subpackage() -> None:
    assert (PACKAGE / "paper" / "__init__.py").is_file()
    assert not (PACKAGE / "paper.py").exists()
