"""The journalists' search's expected failures (``generator/errors.py`` lists the tree;
the CLI's boundary and the API turn them into exit codes and HTTP statuses)."""

from __future__ import annotations

__all__ = ["QueryError", "SearchTimeout", "IndexMissingError", "IndexLockedError"]


class QueryError(ValueError):
    """A query (or a search parameter) a journalist has to correct."""


class SearchTimeout(RuntimeError):
    """The query took longer than the time limit given to ``search``."""


class IndexMissingError(FileNotFoundError):
    """There is no complete search index under the given root."""


class IndexLockedError(RuntimeError):
    """Another process or thread is writing the index."""
