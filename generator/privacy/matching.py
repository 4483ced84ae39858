"""Finding what must not be published in one normalised text.

Stage: privacy (pure).  ``Matcher`` holds everything the whole site declares
(names of parties who stay anonymous, names that must stay visible, private
values, ``privacy.not_names``, ``privacy.block``) and, for one text
normalised by ``normalise.normalise``, returns the ``Edit``s to make: which
span of the normalised text is replaced by what, and under which rule.

Names are found by one Aho-Corasick pass over ALL declared names,
leftmost-longest: an official 李明华 (or a road 黄河路 listed in
``privacy.not_names``) is one match and is kept, so the party 李明 inside it
is not touched.  Latin names match in any case and spacing, on word
boundaries.  Digit-heavy private values match whatever the separators.  The
identifier detectors (``detectors.detect``) run on the normalised text too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import ahocorasick

from ..records import Disclosure, Record
from . import detectors
from .markers import marker, private_rule
from .names import needs_anonymising, pseudonym_base
from .normalise import Normalised, fold, normalise, normalise_folded, normalise_text

__all__ = ["Edit", "Matcher", "norm_key", "is_code_like"]

_SEP = r"[\s\-‐‑–—.·・/_]*"


def norm_key(value: str) -> str:
    """A declared string as the matcher compares it (normalised, Latin folded)."""
    return normalise_folded(value).strip()


_SEP_RE = re.compile(_SEP)


def _code_key(text: str) -> str:
    return _SEP_RE.sub("", normalise_text(text)).upper()


def is_code_like(value: str) -> bool:
    """Digit-heavy values (ID/phone/card numbers) are matched separator-insensitively."""
    return _code_like_key(value) is not None


def _code_like_key(value: str) -> str | None:
    """The code key of a digit-heavy value (``is_code_like``), else None."""
    n = _code_key(value)
    # ASCII letters and digits only (checked first: cheap), then the share of digits
    if len(n) >= 5 and n.isascii() and n.isalnum() and len(n) - len(n.translate(_NO_DIGITS)) >= len(n) * 0.6:
        return n
    return None


_NO_DIGITS = str.maketrans("", "", "0123456789")


@dataclass(frozen=True)
class Edit:
    start: int  # in the normalised text
    end: int
    replacement: str
    rule: str  # party-name | a detector rule | a private-value rule
    found: str  # the normalised text found (for masking; never printed unmasked)


@dataclass(frozen=True)
class _Entry:
    kind: str  # "name" (anonymise) | "keep" | "private"
    real: str = ""  # for names: the party's name (its pseudonym is made per record)
    rule: str = ""  # for private values


_LATIN = re.compile(r"[a-z0-9]")
_ALNUM_RUN = re.compile(r"[0-9A-Za-z](?:" + _SEP + r"[0-9A-Za-z])*")
_RUN_SEPARATORS = re.compile(r"[^0-9A-Za-z]+")


class Matcher:
    """Everything the site declares, ready to match.  Built once per build."""

    def __init__(self, records: Sequence[Record], not_names: Iterable[str] = (), lang: str = "zh"):
        entries: dict[str, _Entry] = {}
        self.public: dict[str, frozenset[str]] = {}  # record source_path -> keys it shows
        self.codes: dict[str, str] = {}  # code key -> rule
        keep: set[str] = set()
        # the same names and values recur across records (officials, courts, a party in a
        # series of cases): each distinct string is normalised once per build
        keys_of: dict[str, str] = {}
        codes_of: dict[str, str | None] = {}

        def key_of(value: str) -> str:
            key = keys_of.get(value)
            if key is None:
                key = keys_of[value] = norm_key(value)
            return key

        def code_of(value: str) -> str | None:
            """The code key of a code-like value (``is_code_like``), else None."""
            if value not in codes_of:
                codes_of[value] = _code_like_key(value)
            return codes_of[value]

        for word in not_names:
            if norm_key(word):
                keep.add(norm_key(word))
        for record in records:
            if not isinstance(record, Disclosure):
                continue
            shown: set[str] = set()
            for party in record.parties:
                keys = [key_of(s) for s in (party.name, *party.aliases) if s.strip()]
                if needs_anonymising(party):
                    for key in keys:
                        if key and (key not in entries or entries[key].kind != "name"):
                            entries[key] = _Entry("name", real=party.name)
                else:
                    shown.update(k for k in keys if k)
                    keep.update(k for k in keys if k)
                for field_name, value in party.private.items():
                    value = str(value).strip()
                    if len(value) < 2:
                        continue
                    rule = private_rule(field_name)
                    code = code_of(value)
                    if code is not None:
                        self.codes[code] = rule
                    elif key_of(value):
                        entries[key_of(value)] = _Entry("private", rule=rule)
            self.public[record.source_path] = frozenset(shown)
        for key in keep:
            entries.setdefault(key, _Entry("keep"))
        self.entries = entries
        self._names = _automaton(k for k in entries)
        self._codes = _automaton(self.codes) if self.codes else None
        self._shortest_code = min(map(len, self.codes), default=0)

    # -- names and literal private values ---------------------------------------------------
    def declared(self, norm: Normalised, own: dict[str, str], shown: frozenset[str], lang: str) -> list[Edit]:
        """Edits for anonymised names and private values in ``norm``.

        ``own``: the record's own parties (normalised key -> pseudonym);
        ``shown``: keys the record itself declares public.
        """
        edits: list[Edit] = []
        if self._names is not None:
            text = norm.folded
            for end, key in self._names.iter_long(text):
                start = end - len(key) + 1
                if _LATIN.match(key[0]) and start > 0 and _LATIN.match(text[start - 1]):
                    continue
                if _LATIN.match(key[-1]) and end + 1 < len(text) and _LATIN.match(text[end + 1]):
                    continue
                entry = self.entries[key]
                if (entry.kind == "keep" or key in shown) and key not in own:
                    continue
                if entry.kind == "private":
                    edits.append(Edit(start, end + 1, marker(entry.rule, lang), entry.rule, key))
                    continue
                pseudonym = own.get(key) or pseudonym_base(entry.real, lang)
                edits.append(Edit(start, end + 1, pseudonym, "party-name", key))
        if self._codes is not None:
            edits += self._code_edits(norm, lang)
        return edits

    def _code_edits(self, norm: Normalised, lang: str) -> list[Edit]:
        assert self._codes is not None
        edits = []
        text = norm.text
        for run in _ALNUM_RUN.finditer(text):
            if run.end() - run.start() < self._shortest_code:
                continue  # no declared code is this short (separators only add length)
            chunk = run.group(0)
            # a run is ASCII letters and digits with separators between them: without the
            # separators, one character per letter or digit
            squeezed = _RUN_SEPARATORS.sub("", chunk).upper()
            hits = list(self._codes.iter_long(squeezed))
            if not hits:
                continue
            where = [offset for offset, ch in enumerate(chunk, run.start()) if ch.isalnum()]
            for end, key in hits:
                start = end - len(key) + 1
                a, b = where[start], where[end] + 1
                rule = self.codes[key]
                edits.append(Edit(a, b, marker(rule, lang), rule, text[a:b]))
        return edits

    def names_in(self, text: str) -> list[tuple[str, str]]:
        """(rule, found) of every anonymised name and private value in a free text,
        for the attachment scan (nothing is kept for a record there)."""
        norm = normalise(text)
        squeezed = normalise(re.sub(r"\s+", "", text)) if re.search(r"\s", text) else None
        found = [(e.rule, e.found) for e in self.declared(norm, {}, frozenset(), "zh")]
        if squeezed is not None:  # PDF text often splits a name: 张 建 国
            seen = {f for _, f in found}
            found += [
                (e.rule, e.found)
                for e in self.declared(squeezed, {}, frozenset(), "zh")
                if e.rule == "party-name" and e.found not in seen
            ]
        return found

    def own_pseudonyms(self, record: Record, pseudonyms: dict[str, str]) -> dict[str, str]:
        """Normalised key of each name/alias of the record's parties -> its pseudonym."""
        own: dict[str, str] = {}
        if isinstance(record, Disclosure):
            for party in record.parties:
                if party.name in pseudonyms:
                    for spelling in (party.name, *party.aliases):
                        if spelling.strip():
                            own[norm_key(spelling)] = pseudonyms[party.name]
        return own


def _automaton(words: Iterable[str]) -> ahocorasick.Automaton | None:
    auto = ahocorasick.Automaton()
    n = 0
    for word in sorted(set(words)):
        if word:
            auto.add_word(word, word)
            n += 1
    if not n:
        return None
    auto.make_automaton()
    return auto


def detect(norm: Normalised, allow: Sequence[str], lang: str) -> list[Edit]:
    """The identifier detectors on the normalised text."""
    return [
        Edit(d.start, d.end, marker(d.rule, lang), d.rule, d.text) for d in detectors.detect(norm.text, allow=allow)
    ]


def merge(edits: list[Edit]) -> list[Edit]:
    """Sorted, non-overlapping: overlapping edits become one (the detector's marker wins,
    as it removes more than a pseudonym)."""
    out: list[Edit] = []
    for e in sorted(edits, key=lambda e: (e.start, -(e.end - e.start))):
        if out and e.start < out[-1].end:
            last = out[-1]
            keep = last if last.rule != "party-name" or e.rule == "party-name" else e
            out[-1] = Edit(last.start, max(last.end, e.end), keep.replacement, keep.rule, last.found)
        else:
            out.append(e)
    return out


def fold_words(words: Iterable[str]) -> list[tuple[str, str]]:
    """(normalised form, as configured) of block strings."""
    return [(fold(normalise(w).text).strip(), w) for w in words if w.strip()]
