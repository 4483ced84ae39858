"""The journalists' fielded search (``openaffairs search``, ``openaffairs api``).

One engine: SQLite FTS5 from Python's standard library (docs/search.md says
why it replaced whoosh).  The modules, one reason to change each:

    model        SearchDoc, Hit, Results: what goes in and comes out
    errors       QueryError, SearchTimeout, IndexMissingError, IndexLockedError
    text         normalisation, segmentation, the token streams (recall lives here)
    fields       the searchable fields, their query names, help and weights
    query        the query language -> a tree (every QueryError message)
    engine       the tree -> SQL -> Results (ranking, paging, time limit)
    snippets     snippets and article links of a hit
    generations  generations on disk, the writer lock, readers' locks
    index        SearchDocs -> a generation (whole, or updated by records added/removed)
    docs         PublicRecord -> SearchDoc / StaticDoc (the only input)

Everything a caller needs is imported from ``generator.search``; ``docs`` (which
imports the privacy filter's types) only when asked for, so that a one-shot
``openaffairs search`` does not pay for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .engine import search
from .errors import IndexLockedError, IndexMissingError, QueryError, SearchTimeout
from .fields import FIELD_HELP
from .generations import discard, index_dir_for, index_exists, switch_to, writer_lock
from .index import build_generation, update_generation, write_index
from .model import DOC_TYPES, MARK_END, MARK_START, MAX_QUERY_LEN, SNIPPET_CHARS, Hit, Results, SearchDoc

__all__ = [
    "SearchDoc",
    "Hit",
    "Results",
    "QueryError",
    "SearchTimeout",
    "IndexMissingError",
    "IndexLockedError",
    "write_index",
    "writer_lock",
    "build_generation",
    "update_generation",
    "switch_to",
    "discard",
    "search",
    "index_exists",
    "index_dir_for",
    "record_text",
    "search_docs",
    "static_docs",
    "DOC_TYPES",
    "FIELD_HELP",
    "MAX_QUERY_LEN",
    "MARK_START",
    "MARK_END",
    "SNIPPET_CHARS",
]

if TYPE_CHECKING:
    from .docs import record_text, search_docs, static_docs
else:

    def __getattr__(name: str) -> Any:
        if name in ("record_text", "search_docs", "static_docs"):
            from . import docs

            return getattr(docs, name)
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
