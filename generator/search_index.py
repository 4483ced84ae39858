"""Fielded full-text search over the published records (whoosh + jieba).

Every whoosh import of the project lives in this module: whoosh 2.7.4 is the
last release and is unmaintained, so the rest of the code base only sees the
small interface below (SearchDoc, Hit, Results, QueryError, write_index,
search, index_exists).

Recall design (see docs/search-fielded.md)
------------------------------------------
Text fields are indexed with :class:`BigramTokenizer`: text is NFKC-normalised
and lower-cased, then cut into runs of CJK characters and runs of other
letters/digits ("words").  A CJK run of n characters produces its n-1
overlapping character bigrams at consecutive ORDINAL positions plus every
single character (at the position of the bigram that starts with it); the run
then occupies n positions, so the slot after its last bigram holds only that
last character.  A word is one token at one position, and so is every
punctuation character (so that 〔2019〕 or 受贿，行贿 match exactly).  White
space produces nothing.

A query string goes through the same segmentation and becomes a phrase over
the bigrams of each CJK run (plus the run's last character when something
follows it, which bridges to the next token) and the words.  Because bigrams at
consecutive positions overlap by one character, the phrase matches exactly the
texts that contain the query string as a substring (ignoring white space
between the pieces, and with whole-word matching for Latin letters/digits).
A single CJK character is a single-character term.  Jieba is only used for an
optional ranking field (``words``), never for matching, so a jieba
segmentation that differs between text and query can change the order but
never the set of results.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import difflib
import functools
import logging
import os
import re
import shutil
import tempfile
import threading
import time
import unicodedata
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

try:  # POSIX advisory locks; on other systems old generations are kept longer
    import fcntl as _fcntl
except ImportError:  # pragma: no cover - Windows
    _fcntl = None  # type: ignore[assignment]


def _quiet_import_filters(package: str) -> None:
    """Ignore the Syntax/DeprecationWarnings an old package emits while its
    modules are compiled or imported -- for that package only."""
    module_re = rf"(.*[\\/])?{package}([\\/.].*)?$"
    for category in (SyntaxWarning, DeprecationWarning):
        warnings.filterwarnings("ignore", category=category, module=module_re)


with warnings.catch_warnings():
    _quiet_import_filters("whoosh")
    from whoosh import collectors as _wcollectors
    from whoosh import fields as _wfields
    from whoosh import index as _windex
    from whoosh import query as _wq
    from whoosh.analysis import CompositeAnalyzer as _CompositeAnalyzer
    from whoosh.analysis import Token as _Token
    from whoosh.analysis import Tokenizer as _Tokenizer
    from whoosh.searching import TimeLimit as _TimeLimit

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
    "switch_to",
    "discard",
    "search",
    "index_exists",
    "warm_up",
    "DOC_TYPES",
    "FIELD_HELP",
    "MAX_QUERY_LEN",
    "MARK_START",
    "MARK_END",
]

# ---------------------------------------------------------------------------
# Public data types
# ---------------------------------------------------------------------------

DOC_TYPES = ("disclosures", "regulations", "open-days", "guides", "pages")
MAX_QUERY_LEN = 500
MARK_START = "\x01"
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
    date: _dt.date | None = None  # disclosure date, regulation issued, open-day start
    doc_number: str = ""
    issuer: str = ""  # may be "A；B" joined
    kind: str = ""
    validity: str = ""
    category: str = ""
    case_number: str = ""
    issued: _dt.date | None = None
    effective: _dt.date | None = None
    link: str = ""  # absolute URL on the site (issue 11)
    published: _dt.date | None = None  # first published / last changed (generator.dates)
    updated: _dt.date | None = None


@dataclass(frozen=True)
class Hit:
    type: str
    id: str
    title: str
    url: str
    score: float
    date: _dt.date | None
    snippet: str  # plain text; matches wrapped in \x01 ... \x02
    # (issue 8) a regulation hit: the first article holding the query ("第六十七条"; ``url``
    # then ends with its anchor "#art-67") and every article holding it, in order
    article: str = ""
    articles: tuple[tuple[str, str], ...] = ()  # (label, url)
    link: str = ""  # absolute URL, when the index was built with the site's address
    published: _dt.date | None = None
    updated: _dt.date | None = None


@dataclass(frozen=True)
class Results:
    total: int  # exact number of matching records
    hits: list[Hit]


class QueryError(ValueError):
    """A query (or a search parameter) a journalist has to correct."""


class SearchTimeout(RuntimeError):
    """The query took longer than the time limit given to :func:`search`."""


class IndexMissingError(FileNotFoundError):
    """There is no complete search index under the given root."""


class IndexLockedError(RuntimeError):
    """Another process or thread is writing the index."""


# ---------------------------------------------------------------------------
# jieba (ranking only): quiet, with a private cache directory
# ---------------------------------------------------------------------------

_jieba_lock = threading.Lock()
_jieba_mod = None


def _jieba_cache_dir() -> str:
    """A per-user directory (mode 0700) for jieba's dictionary cache.

    jieba's default is a world-shared ``/tmp/jieba.cache`` that it unpickles
    (marshal) on load; another user could plant one.  OPENAFFAIRS_JIEBA_CACHE
    overrides the location.
    """
    wanted = os.environ.get("OPENAFFAIRS_JIEBA_CACHE")
    if not wanted:
        uid = os.getuid() if hasattr(os, "getuid") else "user"
        wanted = str(Path(tempfile.gettempdir()) / f"openaffairs-jieba-{uid}")
    try:
        Path(wanted).mkdir(mode=0o700, parents=True, exist_ok=True)
        st = os.lstat(wanted)
        import stat as _stat

        if (
            _stat.S_ISDIR(st.st_mode)
            and (not hasattr(os, "getuid") or st.st_uid == os.getuid())
            and os.access(wanted, os.W_OK)
        ):
            return wanted
    except OSError:
        pass
    return tempfile.mkdtemp(prefix="openaffairs-jieba-")


def _jieba():
    global _jieba_mod
    if _jieba_mod is None:
        with _jieba_lock:
            if _jieba_mod is None:
                with warnings.catch_warnings():
                    _quiet_import_filters("jieba")
                    _quiet_import_filters("pkg_resources")
                    import jieba
                jieba.setLogLevel(logging.WARNING)  # no "Loading model cost"
                jieba.dt.tmp_dir = _jieba_cache_dir()
                jieba.dt.cache_file = "jieba.cache"
                with warnings.catch_warnings():
                    _quiet_import_filters("jieba")
                    jieba.initialize()
                _jieba_mod = jieba
    return _jieba_mod


# ---------------------------------------------------------------------------
# Text normalisation and segmentation (shared by index, query and snippets)
# ---------------------------------------------------------------------------

_CJK = (
    "\u2e80-\u2fdf\u3005\u3007\u3021-\u3029\u3038-\u303b\u3040-\u30ff"
    "\u3100-\u312f\u31a0-\u31bf\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
)
# (issue 8) horizontal white space between CJK characters does not split a run: 总　则
# is the run 总则 (line breaks still do, as in the static search).
_HSPACE = "\t \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"
_SEG_RE = re.compile(
    rf"(?P<cjk>[{_CJK}]+(?:[{_HSPACE}]+[{_CJK}]+)*)|(?P<word>[^\W_{_CJK}]+)|(?P<gap>\x1f)|(?P<punct>[^\s\w]|_)"
)
_HSPACE_RE = re.compile(f"[{_HSPACE}]+")
_WORDCHAR = rf"[^\W_{_CJK}]"
_VALUE_SEP = "\x1f"  # joins multi-valued fields; a hard boundary for phrases
_CTRL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def _segments(normalized: str) -> Iterator[tuple[str, str, int, int]]:
    for m in _SEG_RE.finditer(normalized):
        yield m.lastgroup or "", m.group(), m.start(), m.end()


def _query_words(text: str) -> list[str]:
    """The phrase (consecutive positions) that represents ``text``."""
    segs = [(k, s) for k, s, _, _ in _segments(_norm(text)) if k != "gap"]
    if not any(k in ("cjk", "word") for k, _ in segs):
        return []  # punctuation alone is not worth searching for
    words: list[str] = []
    segs = [(k, _HSPACE_RE.sub("", x) if k == "cjk" else x) for k, x in segs]
    for i, (kind, s) in enumerate(segs):
        if kind != "cjk" or len(s) == 1:
            words.append(s)
        else:
            words.extend(s[j : j + 2] for j in range(len(s) - 1))
            if i + 1 < len(segs):
                words.append(s[-1])  # bridge slot to the next token
    return words


class _StatelessTokenizer(_Tokenizer):
    """Tokenizers without settings: equal when of the same class (whoosh compares
    schemas' analyzers when it opens an index)."""

    def __eq__(self, other):
        return type(self) is type(other)

    def __hash__(self):
        return hash(type(self).__name__)


class BigramTokenizer(_StatelessTokenizer):
    """CJK bigrams + single characters, whole words, ordinal positions."""

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        t = _Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        text = _norm(value)
        if not tokenize:
            t.original = t.text = text
            t.boost = 1.0
            t.stopped = False
            t.pos = start_pos
            t.startchar, t.endchar = start_char, start_char + len(text)
            yield t
            return
        pos = start_pos
        for kind, s, start, end in _segments(text):
            if kind == "gap":
                pos += 1
                continue
            if kind != "cjk" or len(s) == 1:
                items = [(s, pos, start, end)]
                pos += 1
            else:
                items = []
                # offsets of the characters of the run (white space inside it skipped)
                at = [start + k for k, c in enumerate(s) if not c.isspace()]
                chars = [s[k - start] for k in at]
                n = len(chars)
                for j in range(n):
                    if j < n - 1:
                        items.append((chars[j] + chars[j + 1], pos + j, at[j], at[j + 1] + 1))
                    items.append((chars[j], pos + j, at[j], at[j] + 1))
                pos += n
            for tok, p, sc, ec in items:
                t.text = tok
                t.boost = 1.0
                t.stopped = False
                if keeporiginal:
                    t.original = tok
                t.pos = p
                if chars:
                    t.startchar, t.endchar = start_char + sc, start_char + ec
                yield t


class ExactTokenizer(_StatelessTokenizer):
    """Whole values (separated by \\x1f), normalised: for ``field:=value``."""

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        t = _Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        parts = value.split(_VALUE_SEP) if tokenize else [value]
        pos = start_pos
        for part in parts:
            key = _exact_key(part)
            if not key:
                continue
            t.text = key
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = key
            t.pos = pos
            pos += 1
            if chars:
                t.startchar, t.endchar = start_char, start_char + len(part)
            yield t


def _exact_key(value: str) -> str:
    return " ".join(_norm(value).split())


class JiebaTokenizer(_StatelessTokenizer):
    """jieba search-mode words, for ranking only (never for matching)."""

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        t = _Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for i, w in enumerate(_jieba_words(value)):
            t.text = w
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = w
            t.pos = start_pos + i
            if chars:
                t.startchar = t.endchar = start_char
            yield t


_HAS_WORDCHAR = re.compile(r"[^\W_]")


def warm_up() -> None:
    """Load jieba's dictionary now (about a second) rather than on the first query."""
    _jieba()


def _jieba_words(text: str) -> list[str]:
    jieba = _jieba()
    return [w for w in jieba.cut_for_search(_norm(text)) if _HAS_WORDCHAR.search(w)]


# ---------------------------------------------------------------------------
# Schema
# ---------------------------------------------------------------------------

SCHEMA_VERSION = "1"
_TEXT_FIELDS = (
    "title",
    "summary",
    "body",
    "tags",
    "doc_number",
    "issuer",
    "kind",
    "validity",
    "category",
    "case_number",
)
_STORED_TEXT = ("title", "summary", "body")
_EXACT_FIELDS = ("tags", "doc_number", "issuer", "kind", "validity", "category", "case_number")
_DATE_FIELDS = ("date", "issued", "effective")
_KEY_FIELDS = ("type", "id")
DEFAULT_FIELDS = (
    ("title", 3.0),
    ("summary", 2.0),
    ("body", 1.0),
    ("tags", 1.0),
    ("doc_number", 1.0),
    ("case_number", 1.0),
    ("issuer", 1.0),
)
_WORDS_BOOST = 1.0
_SNIPPET_FIELDS = ("title", "summary", "body", "tags")

FIELD_HELP: dict[str, str] = {
    "title": "title (标题)",
    "summary": "summary (摘要)",
    "body": "full text (正文)",
    "tags": "tags (标签); tags:=受贿 matches one whole tag",
    "doc_number": "document number of a regulation (文号)",
    "issuer": "issuing body of a regulation (制定机关)",
    "kind": "kind of regulation: law, judicial-interpretation, ...",
    "validity": "in-force, amended, repealed, not-yet-effective",
    "category": "disclosure category: case-decision, work-report, ...",
    "case_number": "case number of a disclosure (案号)",
    "type": "record type: " + ", ".join(DOC_TYPES),
    "id": "record id (exact)",
    "date": "disclosure date / regulation issued / open-day start",
    "issued": "date of promulgation of a regulation (公布日期)",
    "effective": "date a regulation takes effect (施行日期)",
}
_FIELD_ALIASES = {
    "标题": "title",
    "摘要": "summary",
    "正文": "body",
    "全文": "body",
    "标签": "tags",
    "文号": "doc_number",
    "制定机关": "issuer",
    "发布机关": "issuer",
    "效力": "validity",
    "时效性": "validity",
    "类别": "category",
    "案号": "case_number",
    "类型": "type",
    "日期": "date",
    "公布日期": "issued",
    "发布日期": "issued",
    "施行日期": "effective",
    "生效日期": "effective",
    "tag": "tags",
    "docnumber": "doc_number",
    "casenumber": "case_number",
}


def _schema():
    bigram = _CompositeAnalyzer(BigramTokenizer())
    exact = _CompositeAnalyzer(ExactTokenizer())
    words = _CompositeAnalyzer(JiebaTokenizer())
    s = _wfields.Schema(
        type=_wfields.ID(stored=True, sortable=True),
        id=_wfields.ID(stored=True, sortable=True),
        url=_wfields.STORED(),
        link=_wfields.STORED(),
        published=_wfields.STORED(),
        updated=_wfields.STORED(),
        sortdate=_wfields.NUMERIC(int, sortable=True, signed=False, bits=32),
        words=_wfields.TEXT(analyzer=words, phrase=False),
    )
    for f in _TEXT_FIELDS:
        s.add(f, _wfields.TEXT(analyzer=bigram, phrase=True, stored=f in _STORED_TEXT))
    for f in _EXACT_FIELDS:
        s.add(f + "_exact", _wfields.TEXT(analyzer=exact, phrase=False))
    for f in _DATE_FIELDS:
        s.add(f, _wfields.DATETIME(stored=(f == "date")))
    return s


# ---------------------------------------------------------------------------
# Generations on disk
# ---------------------------------------------------------------------------

_CURRENT = "CURRENT"
_WRITE_LOCK = ".write.lock"
_READERS_LOCK = "READERS.lock"
_READY = "READY"
_GEN_RE = re.compile(r"^gen-(\d{6,})$")


def _fsync_dir(path: Path) -> None:
    if os.name != "posix":  # pragma: no cover
        return
    fd = os.open(str(path), os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_file(path: Path, text: str) -> None:
    with path.open("w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


def _generations(root: Path) -> list[tuple[int, str]]:
    out = []
    with contextlib.suppress(FileNotFoundError):
        for entry in root.iterdir():
            m = _GEN_RE.match(entry.name)
            if m and entry.is_dir():
                out.append((int(m.group(1)), entry.name))
    return sorted(out)


def _read_current(root: Path) -> str | None:
    try:
        name = (root / _CURRENT).read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    return name if _GEN_RE.match(name) else None


def index_exists(index_root: Path) -> bool:
    """True when ``index_root`` holds a complete index that search() can read."""
    root = Path(index_root)
    gen = _read_current(root)
    if gen is None:
        return False
    gdir = root / gen
    try:
        return (gdir / _READY).is_file() and _windex.exists_in(str(gdir))
    except Exception:  # noqa: BLE001 - a damaged index is "no index"
        return False


@contextlib.contextmanager
def _writer_lock(root: Path) -> Iterator[None]:
    path = root / _WRITE_LOCK
    fd = os.open(str(path), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if _fcntl is not None:
            try:
                _fcntl.flock(fd, _fcntl.LOCK_EX | _fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
                raise IndexLockedError(
                    f"the search index in {root} is being rebuilt by another "
                    f"build (pid {holder or 'unknown'}); wait for it to finish "
                    "and run the command again"
                ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        yield
    finally:
        os.close(fd)  # releases the flock


def _try_remove_generation(root: Path, name: str) -> bool:
    """Delete an old generation unless a reader holds it (shared flock)."""
    gdir = root / name
    lock_path = gdir / _READERS_LOCK
    fd = None
    try:
        if _fcntl is not None and lock_path.exists():
            fd = os.open(str(lock_path), os.O_RDONLY)
            try:
                _fcntl.flock(fd, _fcntl.LOCK_EX | _fcntl.LOCK_NB)
            except BlockingIOError:
                return False  # in use: a later build removes it
        elif _fcntl is None:  # pragma: no cover - no way to know: keep it
            return False
        with contextlib.suppress(FileNotFoundError):
            (gdir / _READY).unlink()
        trash = root / f".trash-{name}-{os.getpid()}-{time.monotonic_ns()}"
        gdir.rename(trash)
        shutil.rmtree(trash, ignore_errors=True)
        return True
    except OSError:
        return False
    finally:
        if fd is not None:
            os.close(fd)


def _cleanup(root: Path, keep: set[str]) -> None:
    for _, name in _generations(root):
        if name not in keep:
            _try_remove_generation(root, name)
    for entry in root.iterdir():
        if entry.name.startswith(".trash-"):
            shutil.rmtree(entry, ignore_errors=True)


def _as_datetime(value) -> _dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        value = value.date()
    if not isinstance(value, _dt.date):
        raise TypeError(f"expected a date, got {value!r}")
    return _dt.datetime(value.year, value.month, value.day)


def _clean(text: str) -> str:
    return _CTRL_RE.sub(" ", text or "")


def _document(doc: SearchDoc) -> dict:
    if doc.type not in DOC_TYPES:
        raise ValueError(f"{doc.type}/{doc.id}: unknown record type {doc.type!r}")
    if not doc.id:
        raise ValueError(f"{doc.type}: a record without id")
    d: dict = {"type": doc.type, "id": doc.id, "url": doc.url}
    if doc.link:
        d["link"] = doc.link
    for f in ("published", "updated"):
        if getattr(doc, f) is not None:
            d[f] = getattr(doc, f).isoformat()
    for f in ("title", "summary", "body", "doc_number", "kind", "validity", "category", "case_number"):
        v = _clean(getattr(doc, f))
        if v.strip():
            d[f] = v
    issuers = [p.strip() for p in re.split(r"[；;]", _clean(doc.issuer)) if p.strip()]
    if issuers:
        d["issuer"] = _VALUE_SEP.join(issuers)
        d["issuer_exact"] = d["issuer"]
    tags = [_clean(t).strip() for t in doc.tags if _clean(t).strip()]
    if tags:
        d["tags"] = d["tags_exact"] = _VALUE_SEP.join(tags)
    for f in ("doc_number", "kind", "validity", "category", "case_number"):
        if f in d:
            d[f + "_exact"] = d[f]
    ranking = " ".join(x for x in (d.get("title", ""), d.get("summary", "")) if x)
    if ranking:
        d["words"] = ranking
    for f in _DATE_FIELDS:
        when = _as_datetime(getattr(doc, f))
        if when is not None:
            d[f] = when
    d["sortdate"] = d["date"].toordinal() if "date" in d else 0
    return d


def write_index(docs: Iterable[SearchDoc], index_root: Path) -> None:
    """Build a complete new index generation, then switch CURRENT to it.

    Readers that opened the previous generation keep working until they close
    it; every other generation is deleted (only the current one is kept).
    Raises IndexLockedError when another build holds the writer lock.
    """
    root = Path(index_root)
    root.mkdir(parents=True, exist_ok=True)
    with _writer_lock(root):
        name = build_generation(docs, root)
        switch_to(root, name)


def writer_lock(index_root: Path) -> contextlib.AbstractContextManager[None]:
    """The lock a build holds from the start of indexing until the switch (IndexLockedError)."""
    root = Path(index_root)
    root.mkdir(parents=True, exist_ok=True)
    return _writer_lock(root)


def build_generation(docs: Iterable[SearchDoc], index_root: Path) -> str:
    """Write a complete generation beside CURRENT without switching to it; returns its
    name.  The caller holds ``writer_lock`` (it may run in another process)."""
    root = Path(index_root)
    root.mkdir(parents=True, exist_ok=True)
    gens = _generations(root)
    number = (gens[-1][0] + 1) if gens else 1
    name = f"gen-{number:06d}"
    gdir = root / name
    gdir.mkdir()
    try:
        (gdir / _READERS_LOCK).touch()
        ix = _windex.create_in(str(gdir), _schema())
        writer = ix.writer(limitmb=128)
        seen: set[tuple[str, str]] = set()
        count = 0
        try:
            for doc in docs:
                key = (doc.type, doc.id)
                if key in seen:
                    raise ValueError(f"duplicate record {doc.type}/{doc.id}")
                seen.add(key)
                writer.add_document(**_document(doc))
                count += 1
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        ix.close()
        _write_file(gdir / _READY, f"schema {SCHEMA_VERSION}\ndocs {count}\n")
        _fsync_dir(gdir)
    except BaseException:
        shutil.rmtree(gdir, ignore_errors=True)
        raise
    return name


def switch_to(index_root: Path, name: str) -> None:
    """Make generation ``name`` current and delete every other one not held by a reader."""
    root = Path(index_root)
    tmp = root / (_CURRENT + ".tmp")
    _write_file(tmp, name + "\n")
    tmp.replace(root / _CURRENT)
    _fsync_dir(root)
    _cleanup(root, {name})


def discard(index_root: Path, name: str) -> None:
    """Delete a generation that was built but never made current."""
    if _GEN_RE.match(name) and _read_current(Path(index_root)) != name:
        shutil.rmtree(Path(index_root) / name, ignore_errors=True)


@contextlib.contextmanager
def _open_current(root: Path):
    """Open the current generation, holding a shared lock on it meanwhile."""
    for _attempt in range(20):
        name = _read_current(root)
        if name is None:
            break
        gdir = root / name
        try:
            fd = os.open(str(gdir / _READERS_LOCK), os.O_RDONLY)
        except (FileNotFoundError, NotADirectoryError):
            time.sleep(0.005)
            continue
        try:
            if _fcntl is not None:
                _fcntl.flock(fd, _fcntl.LOCK_SH)
            if not (gdir / _READY).is_file():
                time.sleep(0.005)
                continue
            ix = _windex.open_dir(str(gdir))
            try:
                yield ix
            finally:
                ix.close()
            return
        finally:
            os.close(fd)
    raise IndexMissingError(f"no search index in {root}: build the site first (openaffairs build)")


# ---------------------------------------------------------------------------
# Query parser
# ---------------------------------------------------------------------------

_ALL_FIELDS = tuple(FIELD_HELP)
_OPEN_QUOTES = '"“＂'
_CLOSE_QUOTES = '"”＂'
_WORD_STOP = set(" \t\r\n\u3000()") | set(_OPEN_QUOTES)
_KEYWORDS = {"AND", "OR", "NOT"}
_MAX_DEPTH = 16
_FIELD_RE = re.compile(
    r"([A-Za-z_][A-Za-z0-9_]*|"
    + "|".join(re.escape(a) for a in sorted(_FIELD_ALIASES, key=len, reverse=True) if not a.isascii())
    + r")[:：]"
)
_RANGE_RE = re.compile(
    r"(?P<a>[^\s~]*?)\s*(?:(?<![a-z])to(?![a-z])|至|到|~|\.\.)\s*(?P<b>[^\s~]*)",
    re.I,
)
_DATE_RES = (
    re.compile(r"(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?"),
    re.compile(r"(\d{4})年(?:(\d{1,2})月(?:(\d{1,2})日)?)?"),
)


def _fields_list() -> str:
    return ", ".join(_ALL_FIELDS)


@dataclass
class _Parsed:
    query: object
    literals: list[str]


class _Parser:
    def __init__(self, text: str):
        self.s = text
        self.i = 0
        self.n = len(text)
        self.literals: list[str] = []

    # -- helpers ---------------------------------------------------------
    def error(self, message: str) -> QueryError:
        return QueryError(message)

    def skip_ws(self) -> None:
        while self.i < self.n and self.s[self.i] in " \t\r\n\u3000":
            self.i += 1

    def at_end(self) -> bool:
        self.skip_ws()
        return self.i >= self.n

    def peek_keyword(self) -> str | None:
        self.skip_ws()
        for kw in _KEYWORDS:
            j = self.i + len(kw)
            if self.s.startswith(kw, self.i) and (j >= self.n or self.s[j] in _WORD_STOP):
                return kw
        return None

    def read_word(self) -> str:
        start = self.i
        while self.i < self.n and self.s[self.i] not in _WORD_STOP:
            self.i += 1
        return self.s[start : self.i]

    def read_quoted(self) -> str:
        start = self.i
        self.i += 1
        end = self.i
        while end < self.n and self.s[end] not in _CLOSE_QUOTES:
            end += 1
        if end >= self.n:
            frag = self.s[start : start + 20]
            raise self.error(
                f"the quotation mark at character {start + 1} ({frag}…) is not "
                "closed: add the closing quotation mark or remove the opening one"
            )
        self.i = end + 1
        return self.s[start + 1 : end]

    # -- grammar ---------------------------------------------------------
    def parse(self) -> _Parsed:
        if self.at_end():
            raise self.error("the query is empty: type a word, e.g. 受贿")
        node = self.parse_or(None, 0, False)
        if not self.at_end():  # only a stray ")" can stop parse_or early
            raise self.error(f"unexpected “)” at character {self.i + 1}: it has no matching “(”")
        if node is None:
            raise self.error("the query contains nothing to search for (no letters, digits or Chinese characters)")
        q, neg = node
        if neg:
            q = _wq.AndNot(_wq.Every(), q)
        return _Parsed(q, self.literals)

    def parse_or(self, field, depth, negated):
        items = [self.parse_and(field, depth, negated)]
        while self.peek_keyword() == "OR":
            self.i += 2
            if self.at_end() or self.s[self.i] == ")" or self.peek_keyword() in ("OR", "AND"):
                raise self.error("“OR” needs a search term on both sides")
            items.append(self.parse_and(field, depth, negated))
        items = [x for x in items if x is not None]
        if not items:
            return None
        if len(items) == 1:
            return items[0]
        return (_wq.Or([_wq.AndNot(_wq.Every(), q) if neg else q for q, neg in items]), False)

    def parse_and(self, field, depth, negated):
        if self.peek_keyword() in ("AND", "OR"):
            kw = self.peek_keyword()
            raise self.error(f"“{kw}” needs a search term on both sides")
        items = [self.parse_unary(field, depth, negated)]
        while True:
            if self.at_end():
                break
            if self.s[self.i] == ")":
                if depth == 0:
                    raise self.error(f"unexpected “)” at character {self.i + 1}: it has no matching “(”")
                break
            kw = self.peek_keyword()
            if kw == "OR":
                break
            if kw == "AND":
                self.i += 3
                if self.at_end() or self.s[self.i] == ")" or self.peek_keyword() in ("AND", "OR"):
                    raise self.error("“AND” needs a search term on both sides")
            items.append(self.parse_unary(field, depth, negated))
        items = [x for x in items if x is not None]
        if not items:
            return None
        if len(items) == 1:
            return items[0]
        pos = [q for q, neg in items if not neg]
        negs = [q for q, neg in items if neg]
        base = _wq.Every() if not pos else (pos[0] if len(pos) == 1 else _wq.And(pos))
        if negs:
            base = _wq.AndNot(base, negs[0] if len(negs) == 1 else _wq.Or(negs))
        return base, False

    def parse_unary(self, field, depth, negated):
        flip = False
        while True:  # a loop, not recursion: "NOT NOT -x" cannot exhaust the stack
            self.skip_ws()
            if self.peek_keyword() == "NOT":
                self.i += 3
                if self.at_end() or self.s[self.i] == ")" or self.peek_keyword() in ("AND", "OR"):
                    raise self.error("“NOT” must be followed by a search term, e.g. 受贿 NOT 行贿")
                flip = not flip
                continue
            if self.i < self.n and self.s[self.i] in "-+":
                nxt = self.s[self.i + 1] if self.i + 1 < self.n else " "
                if nxt not in _WORD_STOP or nxt in "(" + _OPEN_QUOTES:
                    flip ^= self.s[self.i] == "-"
                    self.i += 1
                    continue
            break
        node = self.parse_primary(field, depth, negated ^ flip)
        if node is None or not flip:
            return node
        return node[0], not node[1]

    def parse_primary(self, field, depth, negated):
        self.skip_ws()
        c = self.s[self.i]
        if c == "(":
            return self.parse_group(field, depth, negated)
        if c == ")":
            raise self.error(f"unexpected “)” at character {self.i + 1}: it has no matching “(”")
        if c in _OPEN_QUOTES:
            return self.leaf(field, self.read_quoted(), quoted=True, negated=negated)
        if c == "[" and field is None:
            raise self.error(
                "square brackets are only used for date ranges after a field, "
                "e.g. date:[2026-01-01 to 2026-06-30]; to search for a text with "
                "brackets put it in quotation marks"
            )
        m = _FIELD_RE.match(self.s, self.i)
        if m:
            name = m.group(1)
            canonical = _canonical_field(name)
            if canonical is not None:
                self.i = m.end()
                return self.parse_field_value(canonical, name, depth, negated)
            if name.isascii():
                raise self.error(_unknown_field_message(name))
        return self.leaf(field, self.read_word(), quoted=False, negated=negated)

    def parse_group(self, field, depth, negated):
        open_at = self.i
        if depth >= _MAX_DEPTH:
            raise self.error(f"too many brackets inside each other (more than {_MAX_DEPTH}): simplify the query")
        self.i += 1
        if self.at_end():
            raise self.error(f"the bracket “(” at character {open_at + 1} is not closed: add “)”")
        if self.s[self.i] == ")":
            raise self.error(f"empty brackets “()” at character {open_at + 1}")
        node = self.parse_or(field, depth + 1, negated)
        if self.at_end() or self.s[self.i] != ")":
            raise self.error(f"the bracket “(” at character {open_at + 1} is not closed: add “)”")
        self.i += 1
        return node

    def parse_field_value(self, field, written, depth, negated):
        if self.i >= self.n or self.s[self.i] in " \t\r\n\u3000)":
            raise self.error(f"“{written}:” has no value: write it without spaces, e.g. {_example(field)}")
        c = self.s[self.i]
        if c == "(":
            return self.parse_group(field, depth, negated)
        if c in _OPEN_QUOTES:
            return self.leaf(field, self.read_quoted(), quoted=True, negated=negated)
        if c == "[":
            start = self.i
            end = self.s.find("]", start)
            if end < 0:
                raise self.error(
                    f"the range “[” at character {start + 1} is not closed: add “]”, e.g. {field}:[2015 to 2020]"
                )
            self.i = end + 1
            return self.date_range_leaf(field, self.s[start + 1 : end])
        if c == "=":
            self.i += 1
            value = self.read_quoted() if self.i < self.n and self.s[self.i] in _OPEN_QUOTES else self.read_word()
            return self.exact_leaf(field, value, negated)
        if c in "<>":
            op = c
            self.i += 1
            if self.i < self.n and self.s[self.i] == "=":
                op += "="
                self.i += 1
            return self.compare_leaf(field, op, self.read_word())
        return self.leaf(field, self.read_word(), quoted=False, negated=negated)

    # -- leaves ----------------------------------------------------------
    def leaf(self, field, text, *, quoted, negated):
        if field in _DATE_FIELDS:
            if quoted:
                text = text.strip()
            first, last = _parse_period(field, text)
            return _date_query(field, first, last), False
        if field == "type":
            return _wq.Term("type", _check_type(text.strip())), False
        if field == "id":
            value = text.strip().lower()
            if not value:
                raise self.error("“id:” has no value")
            return _wq.Term("id", value), False
        if not quoted and text in _KEYWORDS:
            raise self.error(f"“{text}” needs a search term on both sides")
        words = _query_words(text)
        if not words:
            if quoted or field is not None:
                raise self.error(f"“{text}” contains no letters, digits or Chinese characters to search for")
            return None
        fields = DEFAULT_FIELDS if field is None else ((field, 1.0),)
        subs = []
        for fname, boost in fields:
            if len(words) == 1:
                subs.append(_wq.Term(fname, words[0], boost=boost))
            else:
                subs.append(_wq.Phrase(fname, words, boost=boost))
        q = subs[0] if len(subs) == 1 else _wq.Or(subs)
        if field is None:
            ranking = sorted(set(_jieba_words(text)))
            if ranking:
                q = _wq.AndMaybe(q, _wq.Or([_wq.Term("words", w, boost=_WORDS_BOOST) for w in ranking]))
        if not negated and (field is None or field in _SNIPPET_FIELDS):
            self.literals.append(text)
        return q, False

    def exact_leaf(self, field, value, negated):
        if field not in _EXACT_FIELDS:
            raise self.error(
                f"“{field}:=” (exact value) works only for "
                f"{', '.join(_EXACT_FIELDS)}; use {field}:{value or '…'} instead"
            )
        key = _exact_key(value)
        if not key:
            raise self.error(f"“{field}:=” has no value, e.g. {field}:={_example_value(field)}")
        return _wq.Term(field + "_exact", key), False

    def date_range_leaf(self, field, inner):
        if field not in _DATE_FIELDS:
            raise self.error(
                f"ranges [… to …] only work on the date fields ({', '.join(_DATE_FIELDS)}), not on “{field}”"
            )
        m = _RANGE_RE.fullmatch(inner.strip())
        if not m:
            raise self.error(
                f"“[{inner}]” is not a date range: write {field}:[2015 to 2020] or "
                f"{field}:[2026-01-01 to 2026-06-30] (either end may be left out)"
            )
        a, b = m.group("a"), m.group("b")
        first = None if a in ("", "*") else _parse_period(field, a)[0]
        last = None if b in ("", "*") else _parse_period(field, b)[1]
        if first is None and last is None:
            raise self.error(f"the range “[{inner}]” has neither a start nor an end")
        if first is not None and last is not None and first > last:
            raise self.error(f"the range “[{inner}]” starts after it ends: put the earlier date first")
        return _date_query(field, first, last), False

    def compare_leaf(self, field, op, value):
        if field not in _DATE_FIELDS:
            raise self.error(f"“{op}” only works on the date fields ({', '.join(_DATE_FIELDS)})")
        first, last = _parse_period(field, value)
        one = _dt.timedelta(days=1)
        if op == ">":
            return _date_query(field, last + one, None), False
        if op == ">=":
            return _date_query(field, first, None), False
        if op == "<":
            return _date_query(field, None, first - one), False
        return _date_query(field, None, last), False


def _canonical_field(name: str) -> str | None:
    low = name.lower()
    if low in FIELD_HELP:
        return low
    return _FIELD_ALIASES.get(low) or _FIELD_ALIASES.get(name)


def _unknown_field_message(name: str) -> str:
    candidates = list(_ALL_FIELDS) + [a for a in _FIELD_ALIASES if a.isascii()]
    close = difflib.get_close_matches(name.lower(), candidates, n=1, cutoff=0.6)
    hint = ""
    if close:
        hint = f" Did you mean “{_canonical_field(close[0])}”?"
    return (
        f"unknown field “{name}”.{hint} Fields you can use: {_fields_list()}. "
        "To search for a text containing “:”, put it in quotation marks."
    )


def _example_value(field: str) -> str:
    return {
        "issuer": "最高人民检察院",
        "validity": "in-force",
        "kind": "law",
        "category": "case-decision",
        "tags": "受贿",
        "type": "regulations",
        "doc_number": "高检发释字〔2019〕4号",
        "case_number": "京朝检刑诉〔2026〕123号",
    }.get(field, "受贿")


def _example(field: str) -> str:
    if field in _DATE_FIELDS:
        return f"{field}:2026-03 or {field}:[2015 to 2020]"
    return f"{field}:{_example_value(field)}"


def _check_type(value: str) -> str:
    if value in DOC_TYPES:
        return value
    close = difflib.get_close_matches(value, DOC_TYPES, n=1, cutoff=0.5)
    hint = f" Did you mean “{close[0]}”?" if close else ""
    raise QueryError(f"unknown record type “{value}”.{hint} Types: {', '.join(DOC_TYPES)}")


def _parse_period(field: str, text: str) -> tuple[_dt.date, _dt.date]:
    """'2026' -> whole year, '2026-03' -> month, '2026-03-05' -> that day."""
    value = text.strip()
    for rx in _DATE_RES:
        m = rx.fullmatch(value)
        if not m:
            continue
        y, mo, d = int(m.group(1)), m.group(2), m.group(3)
        try:
            if mo is None:
                return _dt.date(y, 1, 1), _dt.date(y, 12, 31)
            mo = int(mo)
            if d is None:
                first = _dt.date(y, mo, 1)
                nxt = _dt.date(y + (mo == 12), mo % 12 + 1, 1)
                return first, nxt - _dt.timedelta(days=1)
            day = _dt.date(y, mo, int(d))
            return day, day
        except ValueError:
            raise QueryError(f"“{value}” in {field}: is not a valid date (the month or day is out of range)") from None
    raise QueryError(
        f"“{value or '(nothing)'}” in {field}: is not a date: write 2026, 2026-03 or "
        f"2026-03-05, or a range such as {field}:[2026-01-01 to 2026-06-30]"
    )


def _date_query(field, first: _dt.date | None, last: _dt.date | None):
    start = _as_datetime(first) if first else None
    end = _as_datetime(last) if last else None
    return _wq.DateRange(field, start, end)


@functools.lru_cache(maxsize=512)
def _parse_cached(text: str) -> _Parsed:
    return _Parser(text).parse()


def _parse(text) -> _Parsed:
    if not isinstance(text, str):
        raise QueryError("the query must be text")
    if len(text) > MAX_QUERY_LEN:
        raise QueryError(
            f"the query is {len(text)} characters long; the limit is "
            f"{MAX_QUERY_LEN}: shorten it or split it into several searches"
        )
    if "\x00" in text:
        raise QueryError("the query contains a NUL character")
    return _parse_cached(text)


# ---------------------------------------------------------------------------
# Snippets
# ---------------------------------------------------------------------------


def _literal_pattern(literal: str) -> str | None:
    segs = [(k, s) for k, s, _, _ in _segments(_norm(literal)) if k != "gap"]
    if not segs:
        return None
    parts = []
    for i, (kind, s) in enumerate(segs):
        if i:
            both_words = kind == "word" and segs[i - 1][0] == "word"
            parts.append(r"\s+" if both_words else r"\s*")
        if kind == "cjk":  # white space inside Chinese text is ignored (issue 8)
            parts.append(f"[{_HSPACE}]*".join(re.escape(c) for c in _HSPACE_RE.sub("", s)))
        else:
            parts.append(re.escape(s))
    pat = "".join(parts)
    if segs[0][0] == "word":
        pat = rf"(?<!{_WORDCHAR})" + pat
    if segs[-1][0] == "word":
        pat += rf"(?!{_WORDCHAR})"
    return pat


@functools.lru_cache(maxsize=512)
def _highlight_re(literals: tuple[str, ...]):
    pats = [p for p in (_literal_pattern(x) for x in literals) if p]
    if not pats:
        return None
    pats.sort(key=len, reverse=True)
    return re.compile("|".join(f"(?:{p})" for p in pats))


def _norm_map(text: str) -> tuple[str, list[int] | None]:
    normalized = _norm(text)
    if len(normalized) == len(text):
        return normalized, None
    out: list[str] = []
    idx: list[int] = []
    for i, ch in enumerate(text):
        n = _norm(ch)
        out.append(n)
        idx.extend([i] * len(n))
    return "".join(out), idx


def _spans(text: str, rx) -> list[tuple[int, int]]:
    """Match spans of rx in text, as offsets into the original text."""
    if rx is None or not text:
        return []
    normalized, idx = _norm_map(text)
    spans = []
    for m in rx.finditer(normalized):
        if m.end() == m.start():
            continue
        if idx is None:
            spans.append((m.start(), m.end()))
        else:
            spans.append((idx[m.start()], idx[m.end() - 1] + 1))
    return spans


def _articles(stored: dict, rx, url: str) -> tuple[tuple[str, str], ...]:
    """(label, url#anchor) of every article of a regulation's body holding a match."""
    from .legal_structure import article_at, article_heads

    body = stored.get("body") or ""
    heads = article_heads(body)
    if not heads:
        return ()
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for start, _end in _spans(body, rx):
        head = article_at(heads, start)
        if head is not None and head[2] not in seen:
            seen.add(head[2])
            out.append((head[1], f"{url}#{head[2]}"))
    return tuple(out)


def _make_snippet(stored: dict, rx) -> str:
    texts = [" ".join(_CTRL_RE.sub(" ", stored.get(f) or "").split()) for f in ("body", "summary")]
    chosen, spans = texts[0] or texts[1], []
    for t in texts:
        found = _spans(t, rx)
        if found:
            chosen, spans = t, found
            break
    if not chosen:
        return ""
    if spans:
        ms, me = spans[0]
        start = max(0, ms - SNIPPET_CHARS // 4)
        end = min(len(chosen), max(start + SNIPPET_CHARS, me))
        start = max(0, min(start, end - SNIPPET_CHARS))
    else:
        start, end = 0, min(len(chosen), SNIPPET_CHARS)
    out = []
    cur = start
    for s, e in spans:
        if e <= start or s < cur:
            continue
        if s >= end:
            break
        e = min(e, end)
        out.append(chosen[cur:s])
        out.append(MARK_START + chosen[s:e] + MARK_END)
        cur = e
    out.append(chosen[cur:end])
    return ("…" if start > 0 else "") + "".join(out) + ("…" if end < len(chosen) else "")


# ---------------------------------------------------------------------------
# Search
# ---------------------------------------------------------------------------


class _DeadlineCollector(_wcollectors.WrappingCollector):
    """Like whoosh's TimeLimitCollector but without SIGALRM (which only works
    in the main thread) and without a timer thread per query."""

    def __init__(self, child, deadline: float | None):
        super().__init__(child)
        self.deadline = deadline

    def _check(self) -> None:
        if self.deadline is not None and time.monotonic() >= self.deadline:
            raise _TimeLimit

    def prepare(self, top_searcher, q, context):
        self._check()
        super().prepare(top_searcher, q, context)

    def collect_matches(self):
        child = self.child
        deadline = self.deadline
        for n, sub_docnum in enumerate(child.matches(), 1):
            if deadline is not None and not n & 63 and time.monotonic() >= deadline:
                raise _TimeLimit
            child.collect(sub_docnum)


def _iso_date(value: object) -> _dt.date | None:
    try:
        return _dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _timeout_error(limit: float | None) -> SearchTimeout:
    return SearchTimeout(
        f"the search took longer than {limit:g} s: make the query more specific "
        "(add a field such as type:regulations or a date)"
    )


def search(
    index_root: Path,
    query: str,
    *,
    limit: int = 20,
    sort: str = "relevance",
    doc_type: str | None = None,
    time_limit_s: float | None = None,
    offset: int = 0,
) -> Results:
    """Run a fielded query; see docs/search-fielded.md for the syntax.

    Raises QueryError for a bad query or parameter, IndexMissingError when
    there is no index, SearchTimeout when ``time_limit_s`` is exceeded.
    """
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise QueryError("limit must be a whole number of at least 1")
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise QueryError("offset must be a whole number of at least 0")
    if sort not in ("relevance", "date"):
        raise QueryError(f"sort must be “relevance” or “date”, not “{sort}”")
    if doc_type is not None:
        _check_type(doc_type)
    deadline = None if time_limit_s is None else time.monotonic() + time_limit_s
    parsed = _parse(query)
    q = parsed.query
    if doc_type is not None:
        q = _wq.And([q, _wq.Term("type", doc_type)])
    root = Path(index_root)
    with _open_current(root) as ix, ix.searcher() as searcher:
        collector = _DeadlineCollector(_wcollectors.UnlimitedCollector(), deadline)
        try:
            searcher.search_with_collector(q, collector)
        except _TimeLimit:
            raise _timeout_error(time_limit_s) from None
        top = collector.results().top_n  # every match: (score, docnum)
        reader = searcher.reader()
        dates = reader.column_reader("sortdate")
        types = reader.column_reader("type")
        ids = reader.column_reader("id")
        keyed = []
        for score, docnum in top:
            rscore = round(score, 9)
            d = dates[docnum] or 0
            if sort == "date":
                key = (-d, -rscore, types[docnum], ids[docnum])
            else:
                key = (-rscore, -d, types[docnum], ids[docnum])
            keyed.append((key, score, docnum))
        keyed.sort(key=lambda item: item[0])
        if deadline is not None and time.monotonic() >= deadline:
            raise _timeout_error(time_limit_s)
        rx = _highlight_re(tuple(parsed.literals))
        hits = []
        for _key, score, docnum in keyed[offset : offset + limit]:
            stored = searcher.stored_fields(docnum)
            date = stored.get("date")
            url = stored.get("url", "")
            articles = _articles(stored, rx, url) if stored["type"] == "regulations" else ()
            hits.append(
                Hit(
                    type=stored["type"],
                    id=stored["id"],
                    title=stored.get("title", ""),
                    url=articles[0][1] if articles else url,
                    score=float(score),
                    date=date.date() if isinstance(date, _dt.datetime) else date,
                    snippet=_make_snippet(stored, rx),
                    article=articles[0][0] if articles else "",
                    articles=articles,
                    link=(
                        stored.get("link", "") + "#" + articles[0][1].split("#", 1)[1]
                        if articles and stored.get("link")
                        else stored.get("link", "")
                    ),
                    published=_iso_date(stored.get("published")),
                    updated=_iso_date(stored.get("updated")),
                )
            )
        return Results(total=len(top), hits=hits)
