"""Public static search: writes the chunked character-n-gram index that the browser queries.

Stage: a writer, like the feeds and exports. It takes ``StaticDoc`` values (built from
PublicRecords, so already privacy-filtered) and returns the files of the site's
``search/`` folder as bytes; it reads and writes nothing itself. The browser side is
``theme/assets/oasearch.js``, which must tokenise exactly as ``tokens()`` does here.

Why not Pagefind or lunr: both index words, and a Chinese query must find every page whose
text contains the query string (贿赂 inside 贪污贿赂, 察院 inside 人民检察院). Here every
character and every run of two or three adjacent characters is a term (Latin/digit words
are indexed as words and word prefixes), so the pages containing a query are a subset of
the pages holding all of its terms; the browser then checks each candidate's real text, so
what it shows is exact. Layout, formats and measurements: docs/search-static.md.

Files (all paths relative to the site root):

- ``search/meta.json``: format version, build hash, page count, shard count, filter values and
  counts. The browser revalidates it on every visit and adds the build hash to the URL of
  every other file, so a rebuilt site never mixes old and new files from a cache.
- ``search/shards/<i>.bin``: the postings of every term whose FNV-1a hash picks shard i.
- ``search/filters/<k>.bin``: for filter key number k, the pages of each value.
- ``search/docs/<id // 256>/<id>.json``: one page's url, title, type, date and excerpt, and its
  text when the text is short (at most SPLIT_CHARS characters after ``normalize``).
- ``search/docs/<id // 256>/<id>-<k>.json``: window k of a longer text (about WINDOW_CHARS
  characters, overlapping the next by at least OVERLAP). The shards say which windows of a
  page hold a term, so the browser checks a candidate and cuts its snippet from one or two
  windows instead of downloading the whole text (issue 13).

Page ids follow date, newest first (undated pages last, ties by url), so "sort by date"
is id order and needs no dates in the browser.
"""

from __future__ import annotations

import bisect
import datetime
import hashlib
import json
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain, compress, pairwise
from typing import Any

__all__ = [
    "FORMAT_VERSION",
    "PREFIX_MAX",
    "StaticDoc",
    "StaticIndex",
    "build_static_index",
    "update_static_index",
    "decode_ids",
    "fnv1a32",
    "normalize",
    "read_postings",
    "shard_count",
    "tokens",
    "WORD_CHARS",
    "dense_terms",
    "read_docs",
    "read_shards",
    "decode_windows",
    "windows",
    "OVERLAP",
    "SPLIT_CHARS",
    "WINDOW_CHARS",
]

#: 2: windows (issue 13): long texts in pieces, and the shards say which pieces hold a term.
FORMAT_VERSION = 2

#: Latin letters and digits (after NFKC and lower-casing) form words; a word is indexed whole
#: and by every prefix of up to PREFIX_MAX characters, so a query's last word matches as a
#: prefix (procurat -> procuratorate). Longer query words use their first PREFIX_MAX
#: characters and are verified. Every other character that is not a space (Han in any
#: extension, 〇, punctuation, kana, Cyrillic, ...) is a term by itself and in pairs and
#: triples with its neighbours, so no list of Han code-point ranges has to agree between
#: Python and JS.
WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
PREFIX_MAX = 10

#: Whitespace that is collapsed to one space by ``normalize`` (explicit, as JS's \\s and
#: Python's \\s differ).
WHITESPACE = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"

DOC_DIR = 256  # page files per folder under search/docs/
#: A text longer than SPLIT_CHARS (after normalize) is published in windows of about
#: WINDOW_CHARS; each window goes on at least OVERLAP characters into the next, so a phrase
#: of at most OVERLAP characters lies whole in the window where it starts. (The browser
#: checks longer phrases against the whole text, all windows.) Figures that decided them:
#: docs/search-static.md.
SPLIT_CHARS = 1500
WINDOW_CHARS = 800
OVERLAP = 64
_SEGMENT_MAX = 100  # the finest cut: a window ends after a line, a sentence or a Chinese character
TARGET_SHARD_BYTES = 12_000  # aim for shards of about this size (see shard_count)
MIN_SHARDS, MAX_SHARDS = 8, 4096

_WORD_RE = re.compile("[a-z0-9]+")
_WORD_OR_SPACE = WORD_CHARS | {" "}
_PIECE_SPLIT = re.compile(" |(?<=[a-z0-9])(?=[a-z0-9])")
_AROUND_SPACE = re.compile("([^ ]) (?=([^ ]))")
_WS_RE = re.compile(f"[{WHITESPACE}]+")
#: Horizontal white space between two Chinese characters is removed before the rest of
#: ``normalize`` (issue 8: 总则 finds the heading ``第一章  总　则``); the JS does the same.
#: Line breaks are kept (as one space), so a heading and the next article stay apart.
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
HSPACE = "\t \xa0\u1680\u2000-\u200a\u202f\u205f\u3000"
_HAN_SPACE_RE = re.compile(f"(?<=[{HAN}])[{HSPACE}]+(?=[{HAN}])")
#: In how many articles of a law a term must occur to rank the law in the top tier, with
#: the pages whose title holds the query.
DENSE_ARTICLES = 3

# encodings of a sorted id list (the first byte of a postings blob)
_ENC_GAPS, _ENC_BITMAP, _ENC_RUNS = 0, 1, 2


@dataclass(frozen=True)
class StaticDoc:
    """One published page as the static search sees it."""

    url: str  # site path "/disclosures/x/"
    title: str
    type: str  # disclosures | regulations | open-days | guides | pages
    date: datetime.date | None
    text: str  # ALL searchable plain text (title, summary, field values, body), privacy-filtered
    excerpt: str  # summary or the first ~120 characters of the body
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)  # {"category": ("case-decision",), ...}
    # a regulation's articles, in order: (label as normalised, e.g. "第六十七条", anchor alias
    # "art-67", the article's text); the browser links a hit to the article it falls in
    articles: tuple[tuple[str, str, str], ...] = ()


def normalize(text: str) -> str:
    """NFKC, lower case, horizontal white space between Chinese characters removed, runs of
    white space -> one space (the JS does the same)."""
    return _WS_RE.sub(" ", _HAN_SPACE_RE.sub("", unicodedata.normalize("NFKC", text).lower()))


def dense_terms(doc: StaticDoc) -> set[str]:
    """Characters, pairs and triples that occur in at least DENSE_ARTICLES articles of a
    regulation: such a law is about the term (取保候审 in 刑事诉讼法), not one that mentions
    it in one article. (Sets and counts built at C speed: a build indexes every law.)"""
    if len(doc.articles) < DENSE_ARTICLES:
        return set()
    counts: Counter[str] = Counter()
    for _label, _alias, text in doc.articles:
        t = normalize(text)
        grams = set(t)
        grams.update(map(str.__add__, t, t[1:]))
        grams.update(map("".join, zip(t, t[1:], t[2:], strict=False)))
        counts.update(grams)
    return {t for t, c in counts.items() if c >= DENSE_ARTICLES}


def tokens(text: str) -> set[str]:
    """The index terms of a text, exactly as oasearch.js computes them.

    After ``normalize``: every Latin/digit word and its prefixes of up to PREFIX_MAX
    characters; every other character except the space; every pair and every triple of
    adjacent characters with no space in it and no two neighbouring Latin/digit characters
    (those are inside a word); every two characters around a single space ("s r" of
    "press release"), so that phrases with spaces are narrowed down too.

    >>> sorted(tokens("贿赂罪，Bribe 2019年"))
    [',', ',b', '2', '20', '201', '2019', '9年', 'b', 'br', 'bri', 'brib', 'bribe', 'e 2', '年', '罪', '罪,', '罪,b', '贿', '贿赂', '贿赂罪', '赂', '赂罪', '赂罪,']
    """
    return _terms(normalize(text))


def _terms(t: str) -> set[str]:
    """``tokens`` of a text already normalised (``normalize``)."""
    out = set(t)
    out -= _WORD_OR_SPACE
    # pieces without spaces and without two neighbouring word characters: within a piece
    # every pair and triple is a term
    for piece in _PIECE_SPLIT.split(t):
        if len(piece) > 1:
            out.update(map(str.__add__, piece, piece[1:]))
            out.update(map("".join, zip(piece, piece[1:], piece[2:], strict=False)))
    out.update(a + " " + b for a, b in _AROUND_SPACE.findall(t))
    for m in _WORD_RE.finditer(t):
        word = m.group()
        out.add(word)
        out.update(word[:k] for k in range(1, min(len(word), PREFIX_MAX + 1)))
    return out


def fnv1a32(data: bytes) -> int:
    """32-bit FNV-1a; oasearch.js computes the same with Math.imul."""
    h = 0x811C9DC5
    for b in data:
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h


def shard_count(postings_bytes: int) -> int:
    """A power of two giving shards of about TARGET_SHARD_BYTES, clamped to [8, 4096]."""
    n = MIN_SHARDS
    while n < MAX_SHARDS and postings_bytes / n > TARGET_SHARD_BYTES:
        n *= 2
    return n


def build_static_index(docs: Sequence[StaticDoc]) -> dict[str, bytes]:
    """Every file of the static search index: site-relative path -> bytes.

    Deterministic: the same pages give byte-identical files (no timestamps, sorted keys),
    whatever order they come in.
    """
    return update_static_index(docs, None).files


# A page as the index and the build cache keep it (``StaticIndex.rows``): marshal's types
# only (the day as its ordinal), so the cache entry loads without pickle's per-object work
# (at 20,000 pages 0.4 s a rebuild) and the pages of two builds compare as tuples
Row = tuple[str, str, str, int | None, str, str, dict[str, tuple[str, ...]], tuple[tuple[str, str, str], ...]]


def row_of(doc: StaticDoc) -> Row:
    day = doc.date.toordinal() if doc.date is not None else None
    return (doc.url, doc.title, doc.type, day, doc.text, doc.excerpt, doc.filters, doc.articles)


def doc_of(row: Row) -> StaticDoc:
    url, title, type_, day, text, excerpt, filters, articles = row
    date = datetime.date.fromordinal(day) if day is not None else None
    return StaticDoc(url, title, type_, date, text, excerpt, filters, articles)


_FLAT = "static-index-1"  # the shape of ``StaticIndex.flat`` (another: built afresh)


@dataclass
class StaticIndex:
    """A built index and what the next build needs to redo only the pages that changed
    (kept in the build cache as ``flat()``: it holds nothing the index does not publish)."""

    rows: list[Row]  # the pages in id order (``row_of``)
    windowed: list[bool]  # per id: published in windows
    files: dict[str, bytes]
    total: int  # bytes of every shard entry (decides the number of shards)
    shards: int
    filters: dict[str, Any]  # meta.json's "filters"

    def flat(self) -> tuple[Any, ...]:
        """The index as plain values (``write_entry(flat=True)``)."""
        return (_FLAT, self.rows, self.windowed, self.files, self.total, self.shards, self.filters)

    @classmethod
    def from_flat(cls, value: Any) -> StaticIndex | None:
        """The index ``flat()`` gave, or None when ``value`` is not one (another shape: the
        index is built afresh)."""
        if not isinstance(value, tuple) or len(value) != 7 or value[0] != _FLAT:
            return None
        _, rows, windowed, files, total, shards, filters = value
        if not (isinstance(rows, list) and isinstance(windowed, list) and len(rows) == len(windowed)):
            return None
        if not (isinstance(files, dict) and isinstance(total, int) and isinstance(shards, int)):
            return None
        return cls(rows, windowed, files, total, shards, filters)


def _contribution(doc: StaticDoc) -> tuple[dict[str, int], set[str], list[tuple[int, int, int]] | None]:
    """What one page adds to the shards: term -> windows holding it (bit k: window k; -1 when
    the page is published whole), the terms of its top tier, and its windows."""
    norm = normalize(doc.text)  # once for both (NFKC: an eighth of the time of the terms)
    cut = windows(doc.text, norm)
    if cut is None:
        body = dict.fromkeys(_terms(norm), -1)
    else:
        body = {}
        for k, (start, _core, end) in enumerate(cut):
            window_terms = tokens(doc.text[start:end])
            bit = 1 << k
            for term in window_terms & body.keys():  # seen in an earlier window: a step each
                body[term] |= bit
            body.update(dict.fromkeys(window_terms - body.keys(), bit))  # new: at C speed
    top = tokens(doc.title)
    if doc.articles:
        top |= dense_terms(doc) & body.keys()
    return body, top, cut


def _entry(
    tb: bytes,
    body: Sequence[int],
    title: Sequence[int],
    in_windows: Sequence[bool],
    where: Sequence[int],
    codes: _MaskCodes,
) -> bytes:
    return b"".join(
        (
            _varint(len(tb)),
            tb,
            _blob(_encode_ids(body)),
            _blob(_encode_ids(title)),
            _blob(_encode_windows(body, in_windows, where, codes)),
        )
    )


def update_static_index(docs: Sequence[StaticDoc], previous: StaticIndex | None) -> StaticIndex:
    """The index of `docs`, byte for byte what a build from nothing gives; from `previous`
    (the index of an earlier build) only the pages that changed are indexed again and only
    their terms' entries re-encoded, when every page keeps its id (the same urls in the same
    order) and the number of shards stays; otherwise everything is built afresh."""
    ordered = _ordered(docs)
    rows = [row_of(d) for d in ordered]
    if previous is not None and [r[0] for r in previous.rows] == [r[0] for r in rows]:
        changed = [i for i, (a, b) in enumerate(zip(previous.rows, rows, strict=True)) if a != b]
        if not changed:
            return previous
        updated = _update(previous, ordered, rows, changed)
        if updated is not None:
            return updated
    return _build(ordered, rows)


def _build(ordered: list[StaticDoc], rows: list[Row]) -> StaticIndex:
    body: defaultdict[str, list[int]] = defaultdict(list)
    title: defaultdict[str, list[int]] = defaultdict(list)
    # term -> masks (bit k: window k holds it) of the pages published in windows, in the
    # order of their ids in body[term]
    where: defaultdict[str, list[int]] = defaultdict(list)
    cuts: list[list[tuple[int, int, int]] | None] = []
    for doc_id, doc in enumerate(ordered):  # the hot loop of the build: one step per posting
        held, top, cut = _contribution(doc)
        cuts.append(cut)
        if cut is None:
            for term in held:
                body[term].append(doc_id)
        else:
            for term, mask in held.items():
                body[term].append(doc_id)
                where[term].append(mask)
        for term in top:
            title[term].append(doc_id)

    total = 0
    masks = _MaskCodes()
    in_windows = [cut is not None for cut in cuts]
    entries: list[tuple[bytes, bytes]] = []
    for term in sorted(body.keys() | title.keys(), key=lambda t: t.encode()):
        tb = term.encode()
        entry = _entry(tb, body.get(term, ()), title.get(term, ()), in_windows, where.get(term, []), masks)
        entries.append((tb, entry))
        total += len(entry)
    n_shards = shard_count(total)
    shards: list[list[bytes]] = [[] for _ in range(n_shards)]
    for tb, entry in entries:  # already sorted by term bytes, so each shard is too
        shards[fnv1a32(tb) & (n_shards - 1)].append(entry)

    files: dict[str, bytes] = {}
    for i, parts in enumerate(shards):
        files[f"search/shards/{i}.bin"] = b"".join(parts)
    filters_meta = _filter_files(ordered, files)
    for doc_id, (doc, cut) in enumerate(zip(ordered, cuts, strict=True)):
        files.update(_doc_files(doc_id, doc, cut))
    index = StaticIndex(rows, in_windows, files, total, n_shards, filters_meta)
    _finish(index)
    return index


def _filter_files(ordered: Sequence[StaticDoc], files: dict[str, bytes]) -> dict[str, Any]:
    """Writes search/filters/<k>.bin into `files`; returns meta.json's "filters"."""
    filters_meta = {}
    for k, (key, values) in enumerate(sorted(_filter_values(ordered).items())):
        blob = bytearray()
        listed = []
        for value in sorted(values):
            ids = values[value]
            vb = value.encode()
            blob += _varint(len(vb)) + vb + _blob(_encode_ids(ids))
            listed.append([value, len(ids)])
        files[f"search/filters/{k}.bin"] = bytes(blob)
        types = sorted({ordered[i].type for ids in values.values() for i in ids})
        filters_meta[key] = {"file": k, "types": types, "values": listed}
    return filters_meta


def _doc_files(doc_id: int, doc: StaticDoc, cut: list[tuple[int, int, int]] | None) -> dict[str, bytes]:
    folder = f"search/docs/{doc_id // DOC_DIR}/{doc_id}"
    files: dict[str, bytes] = {}
    record: dict[str, object] = {
        "u": doc.url,
        "t": doc.title,
        "y": doc.type,
        "d": doc.date.isoformat() if doc.date else None,
        "e": doc.excerpt,
    }
    heads = _article_heads(doc)
    if cut is None:
        record["x"] = doc.text
        if doc.articles:
            record["h"] = [[u16, label, alias] for _, u16, label, alias in heads]
    else:
        record["n"] = len(cut)
        if heads:
            record["a"] = len(heads)
        for k, window in enumerate(_window_files(doc.text, cut, heads)):
            files[f"{folder}-{k}.json"] = _json(window)
    files[f"{folder}.json"] = _json(record)
    return files


def _finish(index: StaticIndex) -> None:
    """meta.json (with the digest of every other file), and the files in path order."""
    files = index.files
    files.pop("search/meta.json", None)
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(b"%d %s %d\n" % (len(path.encode()), path.encode(), len(files[path])))
        digest.update(files[path])
    meta = {
        "build": digest.hexdigest()[:16],  # appended to every other file's URL (?v=) against stale caches
        "version": FORMAT_VERSION,
        "docs": len(index.rows),
        "shards": index.shards,
        "prefix_max": PREFIX_MAX,
        "doc_dir": DOC_DIR,
        "overlap": OVERLAP,
        "filters": index.filters,
    }
    files["search/meta.json"] = _json(meta)
    index.files = dict(sorted(files.items()))


def _term_state(body: Mapping[str, int], top: set[str], term: str) -> tuple[int | None, bool]:
    return body.get(term), term in top


def _update(previous: StaticIndex, ordered: list[StaticDoc], rows: list[Row], changed: list[int]) -> StaticIndex | None:
    """`previous` with the pages `changed` (ids) indexed again; None when the number of
    shards changes or so many pages changed that a build from nothing is quicker."""
    if len(changed) * 20 > len(ordered) + 20:
        return None
    n_shards = previous.shards
    before = {i: doc_of(previous.rows[i]) for i in changed}  # the pages changed, as they were
    windowed = list(previous.windowed)
    files = dict(previous.files)
    # id -> (term -> (mask or None: not in the text, in the top tier)) of each changed page, as it is now
    news: dict[int, dict[str, tuple[int | None, bool]]] = {}
    touched: dict[int, set[str]] = defaultdict(set)  # shard -> terms whose entry changes
    for i in changed:
        old_body, old_top, old_cut = _contribution(before[i])
        body, top, cut = _contribution(ordered[i])
        windowed[i] = cut is not None
        terms = {
            t
            for t in old_body.keys() | body.keys() | old_top | top
            if _term_state(old_body, old_top, t) != _term_state(body, top, t)
        }
        if (old_cut is None) != (cut is None):
            terms |= old_body.keys() | body.keys()  # every entry that holds the page
        news[i] = {t: _term_state(body, top, t) for t in terms}
        for t in terms:
            touched[fnv1a32(t.encode()) & (n_shards - 1)].add(t)
        for path in list(_doc_paths(i, previous.files)):
            del files[path]
        files.update(_doc_files(i, ordered[i], cut))
    codes = _MaskCodes()
    total = previous.total
    for shard, terms in touched.items():
        path = f"search/shards/{shard}.bin"
        entries = dict(_split_shard(files[path]))
        for term in terms:
            tb = term.encode()
            old = entries.pop(tb, b"")
            body_ids, title_ids, where = _parse_entry(old) if old else ([], [], {})
            for i, doc in news.items():
                if term not in doc:
                    continue
                mask, top_tier = doc[term]
                _discard(body_ids, i)
                _discard(title_ids, i)
                where.pop(i, None)
                if mask is not None:
                    bisect.insort(body_ids, i)
                    if mask >= 0:
                        where[i] = mask
                if top_tier:
                    bisect.insort(title_ids, i)
            total -= len(old)
            if body_ids or title_ids:
                masks = [where[j] for j in body_ids if windowed[j]]
                entry = _entry(tb, body_ids, title_ids, windowed, masks, codes)
                entries[tb] = entry
                total += len(entry)
        files[path] = b"".join(entries[tb] for tb in sorted(entries))
    if shard_count(total) != n_shards:
        return None
    filters = previous.filters
    if any((before[i].type, before[i].filters) != (ordered[i].type, ordered[i].filters) for i in changed):
        for path in [p for p in files if p.startswith("search/filters/")]:
            del files[path]
        filters = _filter_files(ordered, files)
    index = StaticIndex(rows, windowed, files, total, n_shards, filters)
    _finish(index)
    return index


def _doc_paths(doc_id: int, files: Mapping[str, bytes]) -> Iterable[str]:
    """The doc file of a page and its windows' files."""
    folder = f"search/docs/{doc_id // DOC_DIR}/{doc_id}"
    record = json.loads(files[f"{folder}.json"])
    yield f"{folder}.json"
    for k in range(record.get("n", 0)):
        yield f"{folder}-{k}.json"


def _discard(ids: list[int], i: int) -> None:
    at = bisect.bisect_left(ids, i)
    if at < len(ids) and ids[at] == i:
        del ids[at]


def _split_shard(data: bytes) -> Iterable[tuple[bytes, bytes]]:
    """(term bytes, the whole entry) of each entry of a shard file."""
    pos = 0
    while pos < len(data):
        start = pos
        n, pos = _read_varint(data, pos)
        tb = data[pos : pos + n]
        pos += n
        for _ in range(3):
            n, pos = _read_varint(data, pos)
            pos += n
        yield tb, data[start:pos]


def _parse_entry(entry: bytes) -> tuple[list[int], list[int], dict[int, int]]:
    """(body ids, title ids, id -> mask of windows) of one shard entry."""
    n, pos = _read_varint(entry, 0)
    pos += n
    blobs = []
    for _ in range(3):
        n, pos = _read_varint(entry, pos)
        blobs.append(entry[pos : pos + n])
        pos += n
    where = {i: sum(1 << k for k in ks) for i, ks in decode_windows(blobs[2]).items()}
    return decode_ids(blobs[0]), decode_ids(blobs[1]), where


# -- windows --------------------------------------------------------------------------------
#
# A window starts at a cut, where normalising the text before and after it gives the same
# characters as normalising the whole (after a line break; after 。；！？，、：; after white
# space that follows no Chinese character; between two Chinese characters), never inside a
# word; so the window's normalised text is a slice of the
# page's and a phrase that starts a window starts a word there too.

_CUT_LINE = re.compile(f"[{WHITESPACE}]*\n[{WHITESPACE}]*(?=[^{WHITESPACE}])")
_CUT_SENTENCE = re.compile(f"[。；！？，、：](?=[^{WHITESPACE}\u0300-\u036f])")
_CUT_SPACE = re.compile(f"(?<![{HAN}{WHITESPACE}])[{WHITESPACE}]+(?=[^{WHITESPACE}])")  # English text
_CUT_HAN = re.compile(f"(?<=[{HAN}])(?=[{HAN}])")


def windows(text: str, norm: str | None = None) -> list[tuple[int, int, int]] | None:
    """How a long text is published: (start, end of its own part, end) in ``text`` of each
    window, the part between its end and the next window's start being the overlap; None
    when the text is published whole (short, or no safe cut).  ``norm``: ``normalize(text)``
    when the caller has it."""
    if norm is None:
        norm = normalize(text)
    if len(norm) <= SPLIT_CHARS:
        return None
    cuts = {0, len(text)}
    cuts.update(m.end() for m in _CUT_LINE.finditer(text))
    for pattern in (_CUT_SENTENCE, _CUT_SPACE, _CUT_HAN):  # finer cuts where a piece is still long
        ordered = sorted(cuts)
        for a, b in pairwise(ordered):
            if b - a > _SEGMENT_MAX:
                found = [m.end() for m in pattern.finditer(text, a, b) if a < m.end() < b]
                cuts.update(_spaced(found, a, _SEGMENT_MAX // 2))
    points = sorted(cuts)
    pieces = [normalize(text[a:b]) for a, b in pairwise(points)]
    if "".join(pieces) != norm:
        return None  # a cut that normalising does not respect: publish whole (never seen)
    lengths = list(map(len, pieces))
    out: list[tuple[int, int, int]] = []
    i = 0
    n = len(lengths)
    while i < n:
        j, size = i, 0
        while j < n and (size < WINDOW_CHARS or n - j == 1):
            size += lengths[j]
            j += 1
        if n - j and sum(lengths[j:]) < WINDOW_CHARS // 4:
            j = n  # no small last window
        e, extra = j, 0
        while e < n and extra < OVERLAP:
            extra += lengths[e]
            e += 1
        out.append((points[i], points[j], points[e]))
        i = j
    return out if len(out) > 1 else None


def _spaced(found: list[int], start: int, gap: int) -> list[int]:
    """Of the cut positions `found` (sorted), those at least `gap` apart."""
    out, last = [], start
    for c in found:
        if c - last >= gap:
            out.append(c)
            last = c
    return out


def _u16(text: str) -> int:
    """Length in UTF-16 code units (the browser's string offsets)."""
    return len(text.encode("utf-16-le")) // 2


def _article_heads(doc: StaticDoc) -> list[tuple[int, int, str, str]]:
    """(offset in the normalised text, the same in UTF-16 units, label, alias) of each article
    head of a regulation: each label in order, where it follows a space."""
    if not doc.articles:
        return []
    norm = normalize(doc.text)
    astral = bool(norm) and max(norm) > "\uffff"
    out = []
    pos = 0
    for label, alias, _text in doc.articles:
        j = norm.find(label, pos)
        while j > 0 and norm[j - 1] != " ":
            j = norm.find(label, j + 1)
        if j >= 0:
            out.append((j, _u16(norm[:j]) if astral else j, label, alias))
            pos = j + len(label)
    return out


def _window_files(
    text: str, cut: list[tuple[int, int, int]], heads: list[tuple[int, int, str, str]]
) -> list[dict[str, object]]:
    """The JSON of each window: "x" its text, "c" the length of its own part (normalised, in
    UTF-16 units), "h" the article heads in it ([offset in its normalised text, label,
    alias]) and "p" the article it starts in ([label, alias])."""
    out: list[dict[str, object]] = []
    at = 0  # normalised offset of the window's start (code points)
    for start, core, end in cut:
        own = normalize(text[start:core])
        whole = normalize(text[start:end])
        lo, hi = at, at + len(whole)
        window: dict[str, object] = {"x": text[start:end], "c": _u16(own)}
        inside = [(j, label, alias) for j, _, label, alias in heads if lo <= j < hi]
        if inside:
            window["h"] = [[_u16(whole[: j - lo]), label, alias] for j, label, alias in inside]
        before = [[label, alias] for j, _, label, alias in heads if j < lo]
        if before:
            window["p"] = before[-1]
        out.append(window)
        at += len(own)
    return out


class _MaskCodes(dict[int, bytes]):
    """The code of each set of windows (bit k: window k), made once per set."""

    def __missing__(self, mask: int) -> bytes:
        size = (mask.bit_length() + 7) >> 3
        code = _varint(size << 1) + mask.to_bytes(size, "little")
        if size > 1 and mask.bit_count() < size:  # few windows of a long page: their gaps
            ks = [k for k in range(mask.bit_length()) if mask >> k & 1]
            gaps = _varint(len(ks) << 1 | 1) + _varints([b - a - 1 for a, b in pairwise([-1, *ks])])
            if len(gaps) < len(code):
                code = gaps
        self[mask] = code
        return code


def _encode_windows(body: Sequence[int], in_windows: Sequence[bool], masks: Sequence[int], codes: _MaskCodes) -> bytes:
    """For each page in windows that holds a term (of `body`, those `in_windows`; `masks`
    are theirs): varint (id gap), then its windows as varint (L << 1 | 0) and L bitmap bytes
    (bit k: window k), or varint (L << 1 | 1) and L varints of window gaps, whichever is
    shorter."""
    if not masks:
        return b""
    ids = list(compress(body, map(in_windows.__getitem__, body)))
    gaps = [b - a - 1 for a, b in pairwise([-1, *ids])]
    gap_codes = map(_SMALL_VARINTS.__getitem__, gaps) if max(gaps) < len(_SMALL_VARINTS) else map(_varint, gaps)
    return b"".join(chain.from_iterable(zip(gap_codes, map(codes.__getitem__, masks), strict=True)))


def decode_windows(blob: bytes) -> dict[int, list[int]]:
    """page id -> the windows that hold the term (the inverse of the encoder; for tests)."""
    out: dict[int, list[int]] = {}
    pos, prev = 0, -1
    while pos < len(blob):
        gap, pos = _read_varint(blob, pos)
        prev += gap + 1
        head, pos = _read_varint(blob, pos)
        n = head >> 1
        ks: list[int] = []
        if head & 1:
            k = -1
            for _ in range(n):
                g, pos = _read_varint(blob, pos)
                k += g + 1
                ks.append(k)
        else:
            for j, byte in enumerate(blob[pos : pos + n]):
                ks += (8 * j + b for b in range(8) if byte >> b & 1)
            pos += n
        out[prev] = ks
    return out


def _ordered(docs: Sequence[StaticDoc]) -> list[StaticDoc]:
    seen: set[str] = set()
    for doc in docs:
        if doc.url in seen:
            raise ValueError(f"static search: two pages with the url {doc.url!r}")
        seen.add(doc.url)
    return sorted(docs, key=lambda d: (d.date is None, -d.date.toordinal() if d.date else 0, d.url))


def _filter_values(ordered: Sequence[StaticDoc]) -> dict[str, dict[str, list[int]]]:
    out: dict[str, dict[str, list[int]]] = {}
    for doc_id, doc in enumerate(ordered):
        filters: dict[str, Iterable[str]] = {"type": (doc.type,), **doc.filters}
        for key, values in filters.items():
            for value in sorted(set(values)):
                if value:
                    out.setdefault(key, {}).setdefault(value, []).append(doc_id)
    return out


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


# -- binary postings ------------------------------------------------------------------------
#
# A blob is one encoding byte and its payload, the smallest of:
#   0 gaps:   LEB128 varints of (id - previous id - 1), the previous id of the first being -1
#   1 bitmap: varint start, then bytes; bit b (LSB first) of byte j means id start + 8j + b
#   2 runs:   pairs of varints (gap, length - 1); a run starts gap ids after the id that
#             follows the previous run (after id 0 for the first: gap = its start)
# In shards and filter files a blob is preceded by its length as a varint (0 = no ids).


def _varint(n: int) -> bytes:
    return _SMALL_VARINTS[n] if n < len(_SMALL_VARINTS) else _slow_varint(n)


def _slow_varint(n: int) -> bytes:
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


_SMALL_VARINTS = [_slow_varint(i) for i in range(1 << 15)]  # the build encodes millions of small ids


def _varints(values: Sequence[int]) -> bytes:
    if not values:
        return b""
    top = max(values)
    if top < 0x80:
        return bytes(values)
    if top < len(_SMALL_VARINTS):
        return b"".join(map(_SMALL_VARINTS.__getitem__, values))
    return b"".join(map(_varint, values))


def _blob(data: bytes) -> bytes:
    return _varint(len(data)) + data


def _encode_ids(ids: Sequence[int]) -> bytes:
    if not ids:
        return b""
    if len(ids) == 1:
        return b"\x00" + _varint(ids[0])
    gaps = [b - a - 1 for a, b in pairwise(ids)]
    best = b"\x00" + _varint(ids[0]) + _varints(gaps)
    gaps.insert(0, ids[0])
    if len(ids) < 4:
        return best
    first, last = ids[0], ids[-1]
    start = _varint(first)
    nbytes = (last - first) // 8 + 1
    if 1 + len(start) + nbytes < len(best):
        bits = bytearray(nbytes)
        for i in ids:
            d = i - first
            bits[d >> 3] |= 1 << (d & 7)
        best = bytes([_ENC_BITMAP]) + start + bytes(bits)
    n_runs = 1 + sum(1 for g in gaps[1:] if g)
    if 1 + 2 * n_runs < len(best):
        pairs: list[int] = []
        end = 0  # one past the previous run
        run_start = prev = ids[0]
        for i in ids[1:]:
            if i != prev + 1:
                pairs += (run_start - end, prev - run_start)
                end = prev + 1
                run_start = i
            prev = i
        pairs += (run_start - end, prev - run_start)
        runs = bytes([_ENC_RUNS]) + _varints(pairs)
        if len(runs) < len(best):
            best = runs
    return best


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    n = shift = 0
    while True:
        b = data[pos]
        pos += 1
        n |= (b & 0x7F) << shift
        if b < 0x80:
            return n, pos
        shift += 7


def decode_ids(blob: bytes) -> list[int]:
    """The sorted ids in a postings blob (the inverse of the encoder; for tests and audits)."""
    if not blob:
        return []
    enc, pos, out = blob[0], 1, []
    if enc == _ENC_GAPS:
        prev = -1
        while pos < len(blob):
            gap, pos = _read_varint(blob, pos)
            prev += gap + 1
            out.append(prev)
    elif enc == _ENC_BITMAP:
        start, pos = _read_varint(blob, pos)
        for j, byte in enumerate(blob[pos:]):
            out += (start + 8 * j + b for b in range(8) if byte >> b & 1)
    elif enc == _ENC_RUNS:
        end = 0
        while pos < len(blob):
            gap, pos = _read_varint(blob, pos)
            length, pos = _read_varint(blob, pos)
            start = end + gap
            out += range(start, start + length + 1)
            end = start + length + 1
    else:
        raise ValueError(f"unknown postings encoding {enc}")
    return out


def read_postings(files: Mapping[str, bytes]) -> dict[str, tuple[list[int], list[int]]]:
    """term -> (page ids whose text has it, page ids whose title has it), read back from
    the shard files of ``build_static_index``: for tests and privacy audits."""
    return {term: (body, title) for term, (body, title, _where) in read_shards(files).items()}


def read_shards(files: Mapping[str, bytes]) -> dict[str, tuple[list[int], list[int], dict[int, list[int]]]]:
    """term -> (page ids whose text has it, page ids whose title has it, page id -> windows
    that hold it, for the pages published in windows): for tests."""
    out: dict[str, tuple[list[int], list[int], dict[int, list[int]]]] = {}
    for path, data in files.items():
        if not path.startswith("search/shards/"):
            continue
        pos = 0
        while pos < len(data):
            n, pos = _read_varint(data, pos)
            term = data[pos : pos + n].decode()
            pos += n
            lists = []
            for _ in range(2):
                n, pos = _read_varint(data, pos)
                lists.append(decode_ids(data[pos : pos + n]))
                pos += n
            n, pos = _read_varint(data, pos)
            out[term] = (lists[0], lists[1], decode_windows(data[pos : pos + n]))
            pos += n
    return out


def read_docs(files: Mapping[str, bytes]) -> list[dict[str, Any]]:
    """Every page of the index as one dict, its text ("x") put together again from its
    windows: for tests and audits (the browser never needs a whole long text)."""
    meta = json.loads(files["search/meta.json"])
    out = []
    for doc_id in range(meta["docs"]):
        stem = f"search/docs/{doc_id // meta['doc_dir']}/{doc_id}"
        doc = json.loads(files[f"{stem}.json"])
        if "n" in doc:
            parts = [json.loads(files[f"{stem}-{k}.json"]) for k in range(doc["n"])]
            doc["windows"] = parts
            doc["x"] = "".join(_own_text(w) for w in parts)
        out.append(doc)
    return out


def _own_text(window: dict[str, Any]) -> str:
    """The window's text up to where the next window starts."""
    x: str = window["x"]
    want = window["c"]
    # the shortest prefix whose normalised length (UTF-16) is the window's own part and that
    # ends at a cut (the next window starts with a character that is no white space)
    for i in range(len(x) + 1):
        if _u16(normalize(x[:i])) == want and (i == len(x) or x[i] not in _WS_CHARS):
            return x[:i]
    raise ValueError("static search: a window whose own part is not a prefix")


_WS_CHARS = frozenset(m for m in "\t\n\x0b\x0c\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000") | {
    chr(c) for c in range(0x2000, 0x200B)
}
