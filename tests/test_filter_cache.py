"""The privacy filter's cache entries (``filter._entry``/``_from_entry``): a public copy
frozen into plain tuples (``as_plain``) and thawed again (``from_plain``) is the same model --
fields, fields set, sub-models -- with the same digest.  The walk is the one the
digest's ``public.plain`` makes, with another policy (``public.walker``)."""

from __future__ import annotations

import pickle
from pathlib import Path

from conftest import NOW
from pydantic import BaseModel

from generator.pipeline import configure, prepare
from generator.privacy.filter import _entry, _from_entry, _One
from generator.privacy.public import MODEL_TAG, as_plain, from_plain, plain


def _models(value: object) -> list[BaseModel]:
    if isinstance(value, BaseModel):
        return [value, *(m for v in value.__dict__.values() for m in _models(v))]
    if isinstance(value, list | tuple):
        return [m for v in value for m in _models(v)]
    if isinstance(value, dict):
        return [m for v in value.values() for m in _models(v)]
    return []


def test_entries_round_trip_every_public_record(sample_site: Path) -> None:
    config, now = configure(sample_site / "site_config.yml", NOW)
    public = prepare(config, now).public
    assert len(public) > 5
    for rec in public:
        frozen = as_plain(rec.record)
        assert isinstance(frozen, tuple) and frozen[0] == MODEL_TAG
        assert not _models(frozen)  # no pydantic model left in an entry
        thawed = from_plain(pickle.loads(pickle.dumps(frozen, protocol=pickle.HIGHEST_PROTOCOL)))
        assert thawed == rec.record
        assert type(thawed) is type(rec.record)
        for a, b in zip(_models(thawed), _models(rec.record), strict=True):
            assert type(a) is type(b) and a.model_fields_set == b.model_fields_set, rec.url
        assert repr(plain(thawed)) == repr(plain(rec.record))
        one = _from_entry(_entry(_One(rec, [], [], [], [], [], {}), {}))
        assert one.public.with_backlinks(rec.backlinks).digest() == rec.digest(), rec.url


def test_records_as_written_round_trip_and_share_their_field_names(sample_site: Path) -> None:
    """The loader's cache keeps the validated records (not filtered) the same way: every
    record comes back equal, with the same fields set, and the names in its models'
    ``__dict__`` are the class's own strings (not a copy per record); a model whose fields
    are not in its class's order is kept as a dict of them and comes back alike."""
    from generator import intake

    config, _ = configure(sample_site / "site_config.yml", NOW)
    _, site, _ = intake.load_and_validate(config, "content", 1)
    assert len(site.records) > 10
    for record in site.records:
        frozen = as_plain(record)
        assert type(frozen[2]) is tuple  # the compact form
        thawed = from_plain(pickle.loads(pickle.dumps(frozen, protocol=pickle.HIGHEST_PROTOCOL)))
        assert thawed == record and repr(plain(thawed)) == repr(plain(record))
        for a, b in zip(_models(thawed), _models(record), strict=True):
            assert type(a) is type(b) and a.model_fields_set == b.model_fields_set
            names = tuple(type(a).model_fields)
            assert all(k is n for k, n in zip(a.__dict__, names, strict=True))
    odd = site.records[0].model_copy()
    object.__setattr__(odd, "__dict__", dict(reversed(list(odd.__dict__.items()))))
    frozen = as_plain(odd)
    assert type(frozen[2]) is dict
    back = from_plain(pickle.loads(pickle.dumps(frozen, protocol=pickle.HIGHEST_PROTOCOL)))
    assert list(back.__dict__) == list(odd.__dict__) and back.model_fields_set == odd.model_fields_set


def test_the_entry_keeps_the_digest_of_what_it_holds(sample_site: Path) -> None:
    """A record restored from the cache is not walked again for its digest: the entry
    carries its ``content_digest``, which must be the one a walk of the restored copy gives,
    and must leave the back-links out (they change with other records)."""
    from dataclasses import replace

    from generator.rendering import with_backlinks

    config, now = configure(sample_site / "site_config.yml", NOW)
    public = with_backlinks(prepare(config, now).public)
    cited = [rec for rec in public if rec.backlinks]
    assert cited, "the sample site has records cited by others"
    for rec in public:
        entry = _entry(_One(rec, [], [], [], [], [], {}), {})
        restored = _from_entry(pickle.loads(pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL))).public
        walked = replace(restored)  # a new object: no digest known yet
        assert walked._content is None
        assert restored.content_digest() == walked.content_digest() == entry[-1], rec.url
        linked = restored.with_backlinks(rec.backlinks)
        assert linked.content_digest() == restored.content_digest()
        assert linked.digest() == rec.digest(), rec.url
    rec = cited[0]
    assert rec.with_backlinks(()).digest() != rec.digest()  # the back-links count in the digest
    assert rec.with_backlinks(()).content_digest() == rec.content_digest()
