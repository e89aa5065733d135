"""The pure rooms stay pure: no Slack, HTTP, database or scheduler imports (ARCHITECTURE rule 2)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[2] / "app"
PURE = [
    "domain",
    "routing",
    "briefs",
    "reviews",
    "cadence/policy.py",
    "catalog/models.py",
    "publishing/view.py",
    "publishing/tokens.py",
    "signals",
]
FORBIDDEN = (
    "slack_sdk",
    "slack_bolt",
    "sqlalchemy",
    "alembic",
    "apscheduler",
    "aiohttp",
    "httpx",
    "starlette",
    "uvicorn",
    "app.store",
    "app.slack",
    "app.handlers",
    "app.services",
)


def _modules() -> list[Path]:
    files: list[Path] = []
    for entry in PURE:
        path = APP / entry
        files.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return files


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(APP)))
def test_pure_module_imports_nothing_impure(path: Path) -> None:
    tree = ast.parse(path.read_text())
    imported: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.append(node.module)
    bad = [name for name in imported if name.startswith(FORBIDDEN)]
    assert not bad, f"{path.name} imports {bad}"
