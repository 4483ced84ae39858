"""The privacy filter's cache entries (``filter._entry``/``_from_entry``): a public copy
frozen into plain tuples (``_plain``) and thawed again (``_thaw``) is the same model --
fields, fields set, sub-models -- with the same digest.  The walk is the one the
digest's ``public.plain`` makes, with another policy (``public.walker``)."""

from __future__ import annotations

import pickle
from pathlib import Path

from conftest import NOW
from pydantic import BaseModel

from generator.pipeline import configure, prepare
from generator.privacy.filter import _MODEL, _entry, _from_entry, _One, _plain, _thaw
from generator.privacy.public import plain


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
        frozen = _plain(rec.record)
        assert isinstance(frozen, tuple) and frozen[0] == _MODEL
        assert not _models(frozen)  # no pydantic model left in an entry
        thawed = _thaw(pickle.loads(pickle.dumps(frozen, protocol=pickle.HIGHEST_PROTOCOL)))
        assert thawed == rec.record
        assert type(thawed) is type(rec.record)
        for a, b in zip(_models(thawed), _models(rec.record), strict=True):
            assert type(a) is type(b) and a.model_fields_set == b.model_fields_set, rec.url
        assert repr(plain(thawed)) == repr(plain(rec.record))
        one = _from_entry(_entry(_One(rec, [], [], [], [], [], {}), {}))
        assert one.public.with_backlinks(rec.backlinks).digest() == rec.digest(), rec.url
