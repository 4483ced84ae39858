"""The privacy filter: the only producer of what renderers may see.

``run_filter`` turns approved records into ``PublicRecord`` objects and a
report of every redaction; see ``filter.py`` for the rules and
``docs/privacy.md`` for their legal sources.
"""

from .filter import FilterResult, run_filter
from .public import PublicFile, PublicRecord, Redaction

__all__ = ["FilterResult", "run_filter", "PublicRecord", "PublicFile", "Redaction"]
