"""Lint: authserver/ and bench/ use only the public API of the libraries they build on.

Issue 17's rule: no ``_private`` name of flask, werkzeug, flask_wtf, flask_login, flask_babel,
authlib or sqlalchemy (nor of jinja2, itsdangerous, click and wtforms, which come with them).
``ruff``'s SLF001 (``make lint``) already refuses ``obj._name`` on anything but ``self`` and
``cls``; this script catches what a linter that cannot import the libraries does not see:

- ``from flask import _x`` or ``import sqlalchemy._internal`` (a private name or module);
- a subclass of a library class that defines or assigns a name the library keeps private
  (``def _load_form_data`` in a ``flask.Request``): overriding a private hook is using it;
- in such a subclass, ``self._x`` or ``super()._x`` where the library's own classes use
  ``self._x`` (setting Authlib's ``_body`` in an ``OAuth2Request`` subclass);
- in such a subclass, ``self.__dict__`` (or ``vars(self)``): writing a library object's
  instance dictionary by hand (``self.__dict__["form"]`` under a ``cached_property``);
- ``getattr(obj, "_x")``, ``setattr``, ``hasattr`` and ``delattr`` with a private name, and a
  class made by ``type()`` with a private attribute.

A subclass is recognised through the real class when its module imports (so a subclass of a
project class that itself subclasses ``flask.Request`` counts), else through its written bases.

Usage: ``python tools/public_api_check.py [paths...]`` (default: authserver bench); exit 1 on a
finding, with one ``path:line: message`` per finding.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import sys
from collections.abc import Iterator
from pathlib import Path

LIBRARIES = (
    "flask",
    "werkzeug",
    "flask_wtf",
    "flask_login",
    "flask_babel",
    "flask_migrate",
    "flask_sqlalchemy",
    "authlib",
    "sqlalchemy",
    "jinja2",
    "itsdangerous",
    "click",
    "wtforms",
)
ATTRIBUTE_FUNCTIONS = {"getattr", "setattr", "hasattr", "delattr"}


def is_private(name: str) -> bool:
    """``_x`` and ``__x`` are private; ``__x__`` (Python's own protocol) is not."""
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def from_library(module: str | None) -> bool:
    """Whether ``module`` (a dotted name) belongs to one of :data:`LIBRARIES`."""
    return bool(module) and module.split(".")[0] in LIBRARIES


def findings(path: Path) -> Iterator[tuple[int, str]]:
    """Every use of a library's private API in the Python file at ``path``, as (line, message)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    imported_module = _import_module_of(path)
    #: local name -> (module, attribute) of what was imported from a library
    imported: dict[str, tuple[str, str | None]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and from_library(node.module):
            module = node.module or ""
            if any(is_private(part) for part in module.split(".")):
                yield node.lineno, f"imports from the private module {module}"
            for alias in node.names:
                if is_private(alias.name):
                    yield node.lineno, f"imports the private name {alias.name} from {module}"
                imported[alias.asname or alias.name] = (module, alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if from_library(alias.name):
                    if any(is_private(part) for part in alias.name.split(".")):
                        yield node.lineno, f"imports the private module {alias.name}"
                    imported[alias.asname or alias.name.split(".")[0]] = (alias.name, None)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ATTRIBUTE_FUNCTIONS
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
            and is_private(node.args[1].value)
        ):
            yield node.lineno, f"{node.func.id}() with the private name {node.args[1].value!r}"
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "type"
            and len(node.args) == 3
            and isinstance(node.args[2], ast.Dict)
        ):
            for key in node.args[2].keys:
                if (
                    isinstance(key, ast.Constant)
                    and isinstance(key.value, str)
                    and is_private(key.value)
                ):
                    yield node.lineno, f"type() sets the private attribute {key.value}"
    top_level = set(tree.body)  # the classes an import finds by name
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            real = imported_module if node in top_level else None
            yield from _private_overrides(node, _library_bases(node, imported, real))


def _resolve(base: ast.expr, imported: dict[str, tuple[str, str | None]]) -> object | None:
    """The library class a base expression names, imported for real, or ``None``."""
    parts: list[str] = []
    while isinstance(base, ast.Attribute):
        parts.insert(0, base.attr)
        base = base.value
    if not isinstance(base, ast.Name) or base.id not in imported:
        return None
    module_name, attribute = imported[base.id]
    try:
        target: object = importlib.import_module(module_name)
        for part in ([attribute] if attribute else []) + parts:
            target = getattr(target, part)
    except (ImportError, AttributeError):
        return None
    return target if isinstance(target, type) else None


_SELF_PRIVATE = re.compile(r"self\.(_[A-Za-z][A-Za-z0-9_]*)")


def _library_private_names(bases: list[type]) -> set[str]:
    """The ``self._x`` names the library classes among ``bases`` (and their ancestors) use."""
    names: set[str] = set()
    for base in bases:
        for cls in inspect.getmro(base):
            if not from_library(getattr(cls, "__module__", "")):
                continue
            try:
                source = inspect.getsource(cls)
            except (OSError, TypeError):
                continue
            names.update(name for name in _SELF_PRIVATE.findall(source) if is_private(name))
    return names


def _import_module_of(path: Path) -> object | None:
    """The module at ``path`` imported by its dotted name (from the current directory), or
    ``None`` when it does not import (a script, a missing optional dependency)."""
    try:
        relative = path.resolve().relative_to(Path.cwd())
    except ValueError:
        return None
    parts = list(relative.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    try:
        return importlib.import_module(".".join(parts))
    except Exception:  # noqa: BLE001 - any failure falls back to the written bases
        return None


def _library_bases(
    node: ast.ClassDef, imported: dict[str, tuple[str, str | None]], module: object | None
) -> list[type]:
    """The library classes ``node`` derives from, directly or through project classes."""
    real = getattr(module, node.name, None) if module is not None else None
    if isinstance(real, type):
        return [cls for cls in inspect.getmro(real)[1:] if from_library(cls.__module__)]
    return [cls for cls in (_resolve(base, imported) for base in node.bases) if cls]


def _is_self_or_super(target: ast.expr) -> bool:
    on_self = isinstance(target, ast.Name) and target.id in ("self", "cls")
    on_super = (
        isinstance(target, ast.Call)
        and isinstance(target.func, ast.Name)
        and target.func.id == "super"
    )
    return on_self or on_super


def _private_overrides(node: ast.ClassDef, bases: list[type]) -> Iterator[tuple[int, str]]:
    if not bases:
        return
    library_names = _library_private_names(bases)
    for inner in ast.walk(node):
        if isinstance(inner, ast.Attribute) and _is_self_or_super(inner.value):
            private = inner.attr in library_names or (
                is_private(inner.attr) and any(hasattr(cls, inner.attr) for cls in bases)
            )
            if private:
                yield inner.lineno, f"{node.name} uses the library's private attribute {inner.attr}"
            elif inner.attr == "__dict__":
                yield inner.lineno, f"{node.name} reaches into the library object's __dict__"
        elif (
            isinstance(inner, ast.Call)
            and isinstance(inner.func, ast.Name)
            and inner.func.id == "vars"
            and inner.args
            and _is_self_or_super(inner.args[0])
        ):
            yield inner.lineno, f"{node.name} reaches into the library object's vars()"
    for item in node.body:
        names: list[tuple[int, str]] = []
        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
            names.append((item.lineno, item.name))
        elif isinstance(item, ast.Assign):
            names += [(t.lineno, t.id) for t in item.targets if isinstance(t, ast.Name)]
        elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            names.append((item.lineno, item.target.id))
        for line, name in names:
            owner = next((cls for cls in bases if is_private(name) and hasattr(cls, name)), None)
            if owner is not None:
                yield (
                    line,
                    f"{node.name}.{name} overrides the private {owner.__module__}."
                    f"{owner.__qualname__}.{name}",
                )


def main(arguments: list[str]) -> int:
    sys.path.insert(0, str(Path.cwd()))  # the project's modules import as the app does
    roots = [Path(argument) for argument in arguments] or [Path("authserver"), Path("bench")]
    count = 0
    for root in roots:
        files = [root] if root.is_file() else sorted(root.rglob("*.py"))
        for path in files:
            for line, message in findings(path):
                print(f"{path}:{line}: {message}")
                count += 1
    if count:
        print(f"{count} use(s) of private library API", file=sys.stderr)
    return 1 if count else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
