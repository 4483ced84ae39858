"""SourceDocument -> typed Record, then the checks that need the whole site.

Stage: validation (pure: data in, data out).  Per record: the typed model of
its content type.  Across records: ids unique per type, references
(``legal_basis``, ``amends`` ...) that exist, attachments that exist inside
``content/``.  Every problem is collected; nothing stops at the first.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from pydantic import ValidationError

from .config import SiteConfig
from .errors import Problem, did_you_mean
from .loading import ContentTree, SourceDocument
from .privacy.names import needs_anonymising
from .records import RECORD_TYPES, Disclosure, Record, Regulation
from .schema import problems_from_validation

__all__ = ["ValidatedSite", "validate", "validate_one", "validated_site", "RESERVED_IDS"]

# listing URLs: /<type>/page/<n>/, /disclosures/category/<c>/, /disclosures/year/<y>/
RESERVED_IDS = {
    "disclosures": ("category", "page", "year"),
    "regulations": ("page",),
    "open-days": ("page",),
    "guides": ("page",),
}


@dataclass(frozen=True)
class ValidatedSite:
    records: list[Record]  # sorted by (type, id)
    problems: list[Problem]


# Fields the loader sets (where the record came from, its body): never read from YAML.
INTERNAL_FIELDS = tuple(name for name, f in Record.model_fields.items() if f.exclude)


def validate(tree: ContentTree, config: SiteConfig) -> ValidatedSite:
    return validated_site(tree, config, [validate_one(doc, config) for doc in tree.documents])


def validate_one(doc: SourceDocument, config: SiteConfig) -> tuple[Record | None, list[Problem]]:
    """The typed record of one document (None when it has problems) and its problems: what
    needs no other record (``intake`` runs it in worker processes)."""
    problems: list[Problem] = []
    return _validate_one(doc, config, problems), problems


def validated_site(
    tree: ContentTree, config: SiteConfig, results: list[tuple[Record | None, list[Problem]]]
) -> ValidatedSite:
    """The checks across records over ``validate_one``'s result of every document of
    ``tree`` (in its order): the site's records and every problem, in the same order
    whoever validated the documents one by one."""
    problems = list(tree.problems)
    records: list[tuple[Record, SourceDocument]] = []
    for doc, (record, found) in zip(tree.documents, results, strict=True):
        problems += found
        if record is not None:
            records.append((record, doc))
    problems += _check_unique_ids(records)
    problems += _check_references(records)
    problems += _check_translations(records, config)
    problems += _check_files(records, tree)
    ordered = sorted((r for r, _ in records), key=lambda r: (r.TYPE, r.id))
    return ValidatedSite(ordered, problems)


def _validate_one(doc: SourceDocument, config: SiteConfig, problems: list[Problem]) -> Record | None:
    model = RECORD_TYPES[doc.type]
    internal = [name for name in INTERNAL_FIELDS if name in doc.data]
    for name in internal:
        problems.append(Problem(doc.path, doc.lines.line_of((name,)), f"unknown field '{name}'", _INTERNAL_HINT))
    if internal:
        return None
    try:
        record = model.model_validate(doc.data, context={"tz": config.tz})
    except ValidationError as exc:
        problems.extend(problems_from_validation(exc, doc.path, doc.lines, model, doc.data))
        return None
    return record.model_copy(update={"source_path": doc.path, "body": doc.body, "body_line": doc.body_line})


_INTERNAL_HINT = "it is set by OpenAffairs from the file itself; remove it from the front matter"


def _check_unique_ids(records: list[tuple[Record, SourceDocument]]) -> list[Problem]:
    problems = []
    first: dict[tuple[str, str], str] = {}
    for record, doc in records:
        if record.id in RESERVED_IDS.get(record.TYPE, ()):
            problems.append(
                Problem(
                    doc.path,
                    doc.lines.line_of(("id",)),
                    f"id '{record.id}' is reserved in {record.TYPE}/ (the site uses /{record.TYPE}/{record.id}/)",
                    "choose another id",
                )
            )
            continue
        key = (record.TYPE, record.id)
        if key in first:
            problems.append(
                Problem(
                    doc.path,
                    doc.lines.line_of(("id",)),
                    f"id '{record.id}' is already used by {first[key]}",
                    f"ids must be unique within {record.TYPE}/; the URL is /{record.TYPE}/<id>/",
                )
            )
        else:
            first[key] = doc.path
    return problems


def _check_references(records: list[tuple[Record, SourceDocument]]) -> list[Problem]:
    regulation_ids = {r.id for r, _ in records if isinstance(r, Regulation)}
    problems = []
    for record, doc in records:
        for field, ids in record.references().items():
            for i, ref in enumerate(ids):
                if ref not in regulation_ids:
                    problems.append(
                        Problem(
                            doc.path,
                            doc.lines.line_of((field, i)),
                            f"field '{field}': no regulation with id '{ref}'",
                            did_you_mean(ref, regulation_ids) or "add it under content/regulations/ or fix the id",
                        )
                    )
    return problems


def _check_translations(records: list[tuple[Record, SourceDocument]], config: SiteConfig) -> list[Problem]:
    """``translation_of`` (issue 10): names a record of the same type in the other language;
    a record has at most one translation."""
    by_key = {(r.TYPE, r.id): (r, d) for r, d in records}
    partner: dict[tuple[str, str], tuple[str, str]] = {}
    problems = []
    for record, doc in records:
        if record.translation_of is None:
            continue
        line = doc.lines.line_of(("translation_of",))
        own, ref = (record.TYPE, record.id), (record.TYPE, record.translation_of)
        lang = record.lang or config.language
        target = by_key.get(ref)
        if target is None:
            same_type = {i for t, i in by_key if t == record.TYPE and i != record.id}
            problems.append(
                Problem(
                    doc.path,
                    line,
                    f"field 'translation_of': no record with id '{record.translation_of}' in {record.TYPE}/",
                    did_you_mean(record.translation_of, same_type)
                    or f"a translation is a record of the same type ({record.TYPE}/) in the other language",
                )
            )
            continue
        other, other_doc = target
        other_lang = other.lang or config.language
        if other_lang == lang:
            problems.append(
                Problem(
                    doc.path,
                    line,
                    f"field 'translation_of': '{other.id}' ({other_doc.path}) is in '{other_lang}' like this "
                    f"record; a translation is in the other language",
                    "set 'lang:' on the translation (e.g. lang: en), or name the record in the other language",
                )
            )
            continue
        taken = [k for k in (own, ref) if k in partner and partner[k] not in (own, ref)]
        if taken:
            key = taken[0]
            first = by_key[partner[key]][1].path
            problems.append(
                Problem(
                    doc.path,
                    line,
                    f"field 'translation_of': '{key[1]}' already has a translation ({first}); a record has at most one",
                    "remove translation_of from one of the two records",
                )
            )
            continue
        partner[own], partner[ref] = ref, own
        if isinstance(record, Disclosure) and isinstance(other, Disclosure):
            mine = [p.name for p in record.parties if needs_anonymising(p)]
            theirs = [p.name for p in other.parties if needs_anonymising(p)]
            if mine != theirs:
                problems.append(
                    Problem(
                        doc.path,
                        doc.lines.lines.get(("parties",), line),
                        f"parties: a translation lists the anonymised parties of '{other.id}' "
                        f"({other_doc.path}) by the same names in the same order, so that both pages "
                        f"use the same pseudonyms; expected {theirs}, found {mine}",
                        "copy the parties of the original (an English spelling of a name goes under aliases:)",
                    )
                )
    return problems


def _check_files(records: list[tuple[Record, SourceDocument]], tree: ContentTree) -> list[Problem]:
    problems = []
    prefix = tree.shown_root + "/"
    for record, doc in records:
        folder = posixpath.dirname(doc.path[len(prefix) :])
        counters: dict[str, int] = {}
        for field, attachment in record.files():
            index = counters[field] = counters.get(field, -1) + 1
            line = doc.lines.line_of((field, index, "file"))
            target = posixpath.normpath(posixpath.join(folder, attachment.file))
            if attachment.file.startswith("/") or target.startswith("../") or target == "..":
                problems.append(
                    Problem(
                        doc.path,
                        line,
                        f"field '{field}': '{attachment.file}' is outside content/",
                        "put the file next to the record and give its name only",
                    )
                )
            elif target.endswith(".md"):
                problems.append(
                    Problem(
                        doc.path, line, f"field '{field}': '{attachment.file}' is a Markdown record, not an attachment"
                    )
                )
            elif target not in tree.files:
                problems.append(
                    Problem(
                        doc.path,
                        line,
                        f"field '{field}': file '{attachment.file}' not found next to the record",
                        f"expected {prefix}{target}",
                    )
                )
    return problems
