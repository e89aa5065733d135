"""The sandbox ships inside the package: a fresh clone's `make run` has no tests/ or shared/."""

from __future__ import annotations

import ast
import fnmatch
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app"


def test_the_app_never_imports_the_tests() -> None:
    offenders = []
    for path in APP.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names.append(node.module)
            offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.startswith("tests")]
    assert not offenders


def test_every_sandbox_data_file_is_package_data() -> None:
    globs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]["*"]
    data = [p for p in (APP / "sandbox").rglob("*") if p.is_file() and p.suffix != ".py"]
    data = [p for p in data if "__pycache__" not in p.parts]
    assert data, "the sandbox ships templates, static files and the Web API index"
    missing = [p.name for p in data if not any(fnmatch.fnmatch(p.name, g) for g in globs)]
    assert not missing
