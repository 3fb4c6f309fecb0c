"""The package layout the README describes: few modules at the root, and no page, API or
OAuth module importing the command line (issue 17: "No page module imports the CLI")."""

from __future__ import annotations

import ast
from pathlib import Path

import authserver

PACKAGE = Path(authserver.__file__).parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_only_the_app_factory_and_the_cli_itself_import_the_cli():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] in ("cli", "migrations") or relative == Path("__init__.py"):
            continue
        if any(name.startswith("authserver.cli") for name in imported_modules(path)):
            offenders.append(str(relative))
    assert offenders == []


def test_the_package_root_holds_about_eight_modules():
    root_modules = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(root_modules) <= 8, root_modules
