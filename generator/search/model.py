"""What the journalists' search takes in and gives back (no engine here).

``SearchDoc`` is what ``docs.search_docs`` makes from a ``PublicRecord``;
``Hit`` and ``Results`` are what ``engine.search`` returns to the CLI and the
API.  Changes here change the CLI's and the API's output.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

__all__ = ["DOC_TYPES", "MARK_START", "MARK_END", "SNIPPET_CHARS", "MAX_QUERY_LEN", "SearchDoc", "Hit", "Results"]

DOC_TYPES = ("disclosures", "regulations", "open-days", "guides", "pages")
MAX_QUERY_LEN = 500
MARK_START = "\x01"  # a snippet's matched parts are wrapped in MARK_START ... MARK_END
MARK_END = "\x02"
SNIPPET_CHARS = 80


@dataclass(frozen=True)
class SearchDoc:
    type: str  # disclosures | regulations | open-days | guides | pages
    id: str
    title: str
    url: str  # "/disclosures/x/"
    body: str  # plain text (Markdown stripped by the caller)
    summary: str = ""
    tags: tuple[str, ...] = ()
    date: dt.date | None = None  # disclosure date, regulation issued, open-day start
    doc_number: str = ""
    issuer: str = ""  # may be "A；B" joined
    kind: str = ""
    validity: str = ""
    category: str = ""
    case_number: str = ""
    issued: dt.date | None = None
    effective: dt.date | None = None
    link: str = ""  # absolute URL on the site (issue 11)
    published: dt.date | None = None  # first published / last changed (generator.dates)
    updated: dt.date | None = None


@dataclass(frozen=True)
class Hit:
    type: str
    id: str
    title: str
    url: str
    score: float
    date: dt.date | None
    snippet: str  # plain text; matches wrapped in \x01 ... \x02
    # (issue 8) a regulation hit: the first article holding the query ("第六十七条"; ``url``
    # then ends with its anchor "#art-67") and every article holding it, in order
    article: str = ""
    articles: tuple[tuple[str, str], ...] = ()  # (label, url)
    link: str = ""  # absolute URL, when the index was built with the site's address
    published: dt.date | None = None
    updated: dt.date | None = None


@dataclass(frozen=True)
class Results:
    total: int  # exact number of matching records
    hits: list[Hit]
