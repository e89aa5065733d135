"""Configuration problems, located to a file and line so an operator can jump straight to them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class ConfigIssue:
    file: str
    line: int
    """1-based; 0 when the problem concerns the file as a whole (e.g. it is missing)."""
    message: str

    def __str__(self) -> str:
        if self.line <= 0:
            return f"{self.file}: {self.message}"
        return f"{self.file}:{self.line}: {self.message}"


class ConfigError(Exception):
    """Every problem found in one pass, so a broken config is fixed in one edit, not twenty."""

    def __init__(self, issues: list[ConfigIssue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(issue) for issue in issues))
