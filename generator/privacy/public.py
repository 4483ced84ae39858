"""What renderers may see: ``PublicRecord``, made only by the privacy filter.

Every writer (pages, listings, search index, feeds, exports, sitemap) takes
``PublicRecord`` and nothing else.  The constructor checks a key that only
``generator.privacy.filter`` holds, so a code path that skips the filter fails
at once instead of leaking quietly.
"""

from __future__ import annotations

import builtins
import datetime as dt
import enum
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import is_not
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from ..approval import Outcome
from ..records import Record

__all__ = ["PublicRecord", "PublicFile", "Redaction", "PUBLIC_FIELDS"]

_COMMON = (
    "id",
    "title",
    "lang",
    "translation_of",  # kept only when the translation has a page (the filter drops it otherwise)
    "status",
    "approved_on",
    "publish_on",
    "withdrawn_on",
    "withdrawn_reason",
    "summary",
    "tags",
    "changes",
)
# The allow-list: only these fields of each type reach a PublicRecord (a new field
# is unpublished until it is listed here).  Never: author, approved_by, parties'
# aliases and private details.
PUBLIC_FIELDS: dict[str, frozenset[str]] = {
    "disclosures": frozenset(
        _COMMON + ("category", "date", "case_number", "department", "parties", "legal_basis", "attachments")
    ),
    "regulations": frozenset(
        _COMMON
        + (
            "kind",
            "issuer",
            "doc_number",
            "issued",
            "effective",
            "validity",
            "amends",
            "amended_by",
            "repeals",
            "repealed_by",
            "source",
        )
    ),
    "open-days": frozenset(
        _COMMON + ("start", "end", "location", "capacity", "registration", "event_status", "audience", "agenda")
    ),
    "guides": frozenset(
        _COMMON
        + (
            "service",
            "eligibility",
            "required_documents",
            "steps",
            "offices",
            "time_limit",
            "fee",
            "legal_basis",
            "forms",
        )
    ),
    "pages": frozenset(_COMMON + ("nav_order", "offices")),  # offices: issue 10 (reception directory)
}

_FILTER_KEY = object()  # handed to filter.py only; see __post_init__

R = TypeVar("R", bound=Record)
M = TypeVar("M", bound=Record)


_PLAIN = (str, int, float, bool, type(None), dt.date, dt.datetime, dt.time)

Walk = Callable[[Any], Any]
Policy = Callable[[Any, Walk], Any]  # (value, the walk itself) -> what the walk gives for it


def walker(node: Policy, leaf: Policy) -> Walk:
    """One walk over a model and everything in it, with two policies: scalars (``str``,
    numbers, dates, None) stay as they are; lists, tuples and dicts are walked (their
    values; a container whose items all came back as themselves is returned itself);
    every other object with fields (a pydantic model, a dataclass) goes to ``node``,
    anything else (an enum, a set, a class) to ``leaf``.  The privacy filter's cache
    entries (``as_plain``, reversed by ``from_plain``) and the digest of a public
    record (``plain``) are the two walks made with it."""

    def walk(value: Any) -> Any:
        if isinstance(value, _PLAIN):
            return value
        if isinstance(value, list):
            items = [walk(v) for v in value]
            return items if any(map(is_not, items, value)) else value
        if isinstance(value, tuple):
            items = [walk(v) for v in value]
            return tuple(items) if any(map(is_not, items, value)) else value
        if isinstance(value, dict):
            pairs = {k: walk(v) for k, v in value.items()}
            return pairs if any(map(is_not, pairs.values(), value.values())) else value
        if not isinstance(value, enum.Enum | type) and isinstance(getattr(value, "__dict__", None), dict):
            return node(value, walk)
        return leaf(value, walk)

    return walk


MODEL_TAG = "\0model"  # a model made plain: (MODEL_TAG, class, fields, fields set, nested fields)
_NAMES: dict[type, tuple[str, ...]] = {}  # a model class -> its fields' names, in order


def _names(model: type) -> tuple[str, ...]:
    names = _NAMES.get(model)
    if names is None:
        names = _NAMES[model] = tuple(model.model_fields)  # type: ignore[attr-defined]
    return names


def _frozen_model(value: Any, walk: Callable[[Any], Any]) -> Any:
    """A model as (MODEL_TAG, class, values, fields set, nested): the values in the order of the
    class's fields and the names as their positions (a name is then the class's own string,
    not one copy per record: at 100,000 records, hundreds of MB); a model whose fields are not
    exactly its class's, as a dict of them and names."""
    if not isinstance(value, BaseModel):  # a dataclass or another object: kept as it is
        return value
    names = _names(type(value))
    own = value.__dict__
    plain = [walk(item) for item in own.values()]
    nested = [n for n, (item, p) in enumerate(zip(own.values(), plain, strict=True)) if p is not item]
    if tuple(own) == names:
        at = {name: n for n, name in enumerate(names)}
        fields_set = tuple(sorted(at[name] for name in value.model_fields_set if name in at))
        if len(fields_set) == len(value.model_fields_set):
            return (MODEL_TAG, type(value), tuple(plain), fields_set, tuple(nested))
    keys = list(own)
    return (
        MODEL_TAG,
        type(value),
        dict(zip(keys, plain, strict=True)),
        tuple(sorted(value.model_fields_set)),
        tuple(keys[n] for n in nested),
    )


def _kept(value: Any, walk: Callable[[Any], Any]) -> Any:
    return value


_as_plain = walker(_frozen_model, _kept)


def as_plain(value: Any) -> Any:
    """``value`` with every pydantic model in it as a plain tuple (``MODEL_TAG`` ...): a cache
    entry (the privacy filter's, the loader's) unpickles without pydantic's ``__setstate__``
    (three times faster) and is rebuilt without validation (``from_plain``).  The same walk
    as the digest's (``walker``), another policy."""
    return _as_plain(value)


def from_plain(value: Any) -> Any:
    """The inverse of ``as_plain``: models again, exactly as they were (fields and fields set).
    A tuple that only looks like a model made plain (its class is no pydantic model) stays a tuple."""
    kind = type(value)
    if kind is tuple:
        if len(value) == 5 and value[0] == MODEL_TAG and isinstance(value[1], type) and issubclass(value[1], BaseModel):
            _, model, fields, fields_set, nested = value
            if type(fields) is tuple:  # values in the order of the class's fields
                names = _names(model)
                values = list(fields)
                for n in nested:
                    values[n] = from_plain(values[n])
                data = dict(zip(names, values, strict=True))
                given = {names[n] for n in fields_set}
            else:
                data = dict(fields)
                for name in nested:
                    data[name] = from_plain(data[name])
                given = set(fields_set)
            obj = model.__new__(model)
            object.__setattr__(obj, "__dict__", data)
            object.__setattr__(obj, "__pydantic_fields_set__", given)
            object.__setattr__(obj, "__pydantic_extra__", None)
            object.__setattr__(obj, "__pydantic_private__", None)
            return obj
        return tuple(from_plain(v) for v in value)
    if kind is list:
        return [from_plain(v) for v in value]
    if kind is dict:
        return {k: from_plain(v) for k, v in value.items()}
    return value


_MEMOS = frozenset({"_digest", "_content"})  # a PublicRecord's memoised digests: not part of what it holds


def _written_node(value: Any, walk: Walk) -> Any:
    return (type(value).__qualname__, [(k, walk(v)) for k, v in value.__dict__.items() if k not in _MEMOS])


def _written_leaf(value: Any, walk: Walk) -> Any:
    if isinstance(value, enum.Enum):
        return ("enum", type(value).__qualname__, walk(value.value))
    if isinstance(value, set | frozenset):
        return ("set", sorted(repr(walk(v)) for v in value))
    return ("repr", type(value).__qualname__, repr(value))


_written = walker(_written_node, _written_leaf)


def plain(value: Any) -> Any:
    """``value`` as built-in containers and scalars only, so that one ``repr`` (C code,
    deterministic from one process to the next, unlike a pickle) writes it down: a model
    as its class and every field it holds (``__dict__``: the excluded ones too), in
    order; a dataclass likewise; an enum as its class and value; a set sorted.  (A pydantic
    ``repr`` of the model wrote the same down at ten times the cost.)  One way only: for
    the digest of a public record."""
    return _written(value)


@dataclass(frozen=True)
class PublicFile:
    source: str  # path relative to content/ (posix) - read by the site writer only
    href: str  # site path, e.g. /disclosures/x/files/notice.pdf
    title: str  # filtered
    size: int


@dataclass(frozen=True)
class Redaction:
    path: str
    line: int
    rule: str
    masked: str  # never the original value
    replacement: str


@dataclass(frozen=True)
class PublicRecord(Generic[R]):
    """A record as it will be published: every text filtered, parties anonymised,
    private maps gone.  ``record`` is a filtered copy of the typed model."""

    outcome: Outcome
    record: R
    files: tuple[PublicFile, ...] = ()
    backlinks: tuple[tuple[str, str, str], ...] = ()  # (type, id, title) of records citing this one
    _key: object = field(default=None, repr=False, compare=False)
    body_html: str = ""  # the body rendered, sanitised and filtered (a fragment of HTML)
    body_text: str = ""  # its text as a reader sees it (for the search indexes)
    # what every writer reads of any type, taken from ``record`` (``__post_init__``):
    # the record type (its folder under content/), its id (unique in the type), the
    # page's site path (/<type>/<id>/) and the filtered title
    type: str = field(init=False, repr=False)
    id: str = field(init=False, repr=False)
    url: str = field(init=False, repr=False)
    title: str = field(init=False, repr=False)
    _digest: str | None = field(default=None, init=False, repr=False, compare=False)
    _content: str | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self._key is not _FILTER_KEY:
            raise TypeError("PublicRecord is made by generator.privacy only")
        r = self.record
        for name, value in (("type", r.TYPE), ("id", r.id), ("url", r.url), ("title", r.title)):
            object.__setattr__(self, name, value)  # frozen: set once, here

    def content_digest(self) -> str:
        """A SHA-256 (hex) of what the privacy filter made: outcome, filtered fields (every
        field of the model, ``plain``), attachments, body HTML and text -- everything but the
        back-links.  Computed once per filtered record: the filter's cache keeps it with the
        entry it describes (``filter._entry``), so a record from the cache is not walked
        again; a copy with back-links keeps it (``with_backlinks``)."""
        if self._content is None:
            fields = (self.outcome.value, plain(self.record), plain(self.files))
            h = hashlib.sha256()
            for part in (repr(fields), self.body_html, self.body_text):
                data = part.encode("utf-8")
                h.update(len(data).to_bytes(8, "big"))
                h.update(data)
            object.__setattr__(self, "_content", h.hexdigest())  # frozen: set once, here
        assert self._content is not None
        return self._content

    def digest(self) -> str:
        """A SHA-256 (hex) of everything this public copy holds: ``content_digest`` and the
        back-links.  Computed once per object (the record pages' store and the open-data
        cache both key by it); the same in every process (``repr`` of built-in values only)."""
        if self._digest is None:
            h = hashlib.sha256(self.content_digest().encode("ascii"))
            h.update(repr(self.backlinks).encode("utf-8"))
            object.__setattr__(self, "_digest", h.hexdigest())  # frozen: set once, here
        assert self._digest is not None
        return self._digest

    def with_content_digest(self, content: str) -> PublicRecord[R]:
        """This object, its ``content_digest`` known (as the filter's cache entry of this
        very copy recorded it).  Only the privacy filter calls it, with the entry it
        restored this copy from."""
        object.__setattr__(self, "_content", content)  # frozen: set once, here
        return self

    @property
    def is_tombstone(self) -> bool:
        return self.outcome is Outcome.TOMBSTONE

    @property
    def sort_date(self) -> dt.date | None:
        return self.record.sort_date

    def of(self, model: builtins.type[M]) -> M:
        """The public copy as ``model`` (e.g. ``rec.of(Regulation).issued``), so the type
        checker checks every field a writer reads; TypeError if the record is another type."""
        record: Record = self.record
        if isinstance(record, model):
            return record
        raise TypeError(f"{self.type}/{self.id} is not a {model.__name__}")

    def with_backlinks(self, links: tuple[tuple[str, str, str], ...]) -> PublicRecord[R]:
        copy = PublicRecord(self.outcome, self.record, self.files, links, _FILTER_KEY, self.body_html, self.body_text)
        object.__setattr__(copy, "_content", self._content)  # the same content: its digest too
        return copy
