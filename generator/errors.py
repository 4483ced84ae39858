"""Errors: one exception type, carrying every problem found, each with ``path:line``.

Exception tree (``cli.main`` turns each into output and an exit code, in one place)::

    BuildError           content or configuration problems (path:line each); exit 1
    UsageError           bad command-line input (--now, a path, a folder); exit 2
      FolderNotEmpty       init: the target folder is not empty        (init_site)
      ExportError          export-public: the target is not usable     (export_public)
      GitError             check --changed-since: git cannot answer     (checking)
    search.QueryError      a malformed search query; exit 2
    search.IndexLockedError / SearchTimeout   the index is busy; exit 1
    (click's own usage errors; exit 2)
    WorkerError          a worker process of the build failed or ended (intake); exit 70,
                         its message (the file and the exception), no traceback

Any other exception is a bug: the CLI prints its traceback, asks for a report
and exits 70 (EX_SOFTWARE).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from difflib import get_close_matches

__all__ = ["Problem", "BuildError", "UsageError", "WorkerError", "did_you_mean"]


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

    def __reduce__(self) -> tuple[type[BuildError], tuple[list[Problem]]]:
        # (pickled whole, e.g. from a worker process: the default would rebuild it from its text)
        return (type(self), (self.problems,))

    def summary(self) -> str:
        files = len({p.path for p in self.problems})
        n = len(self.problems)
        return f"Build failed: {n} error{'s' if n != 1 else ''} in {files} file{'s' if files != 1 else ''}."


class UsageError(Exception):
    """Bad command-line input (not content): the CLI prints it with the usage; exit 2."""


class WorkerError(RuntimeError):
    """A worker process failed on a file (an internal error: exit 70 with this message);
    the build stops, no file is ever left out."""


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A hint naming the closest valid choice, or ''."""
    match = get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f"did you mean '{match[0]}'?" if match else ""
