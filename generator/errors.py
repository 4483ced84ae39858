"""Errors: one exception type, carrying every problem found, each with ``path:line``.

Exception tree::

    BuildError           content or configuration problems; the CLI prints them and exits 1
    UsageError           bad command-line input; exit 2 (raised by cli only)

Any other exception is a bug and keeps its traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import get_close_matches
from typing import Iterable

__all__ = ["Problem", "BuildError", "did_you_mean"]


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with one file, like a compiler message."""

    path: str
    line: int
    message: str
    hint: str = ""

    def format(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        text = f"{where}: {self.message}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text


class BuildError(Exception):
    """Raised with every problem found, after collecting them all."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = sorted(set(problems))
        super().__init__(self.summary())

    def summary(self) -> str:
        files = len({p.path for p in self.problems})
        n = len(self.problems)
        return (
            f"Build failed: {n} error{'s' if n != 1 else ''} "
            f"in {files} file{'s' if files != 1 else ''}."
        )


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A hint naming the closest valid choice, or ''."""
    match = get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f"did you mean '{match[0]}'?" if match else ""
