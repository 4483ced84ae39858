"""The build cache's per-file bookkeeping (issue 13): the flat (marshal) entries, the
written files' and the pages' manifests, pruning, and the links into a new site.  No
build here (tests/test_cache.py builds sites); these check the guarantees of
generator/cache.py's docstring on the stores themselves."""

from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path
from typing import Any

from generator import linking
from generator.cache import BuildCache, PageManifest, read_entry, write_entry
from generator.linking import link_into, link_or_copy, write_files


def test_flat_entry_round_trip_and_fails_closed(tmp_path: Path) -> None:
    path = tmp_path / "entry"
    value = {"a/b.json": ("0" * 64, (1, 2, 3, 4)), "c": ("1" * 64, (5, 6, 7, 8))}
    write_entry(path, value, flat=True)
    assert read_entry(path) == value
    data = path.read_bytes()
    path.write_bytes(data[:-3])  # truncated
    assert read_entry(path) is None
    path.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))  # one bit flipped
    assert read_entry(path) is None
    path.write_bytes(b"OACACHM1" + data[8:40] + b"\xff" * (len(data) - 40))  # checksum of other bytes
    assert read_entry(path) is None


def test_manifest_round_trip_and_other_shapes(tmp_path: Path) -> None:
    cache = BuildCache(tmp_path / "cache", "fp")
    out = tmp_path / "site"
    manifest = PageManifest(
        key="k",
        sources={"a.md": "1" * 64},
        outputs={"a.md": [("a/index.html", "2" * 64, (1, 2, 3, 4))]},
        theme=[("assets/x.css", "3" * 64, (5, 6, 7, 8))],
        warnings=["w"],
    )
    cache.commit_manifest(out, manifest)
    assert cache.manifest(out) == manifest
    # a manifest of an earlier version (a pickled PageManifest) or of another shape: nothing is reused
    path = tmp_path / "cache/pages/site.manifest"
    write_entry(path, manifest)
    assert cache.manifest(out) is None
    write_entry(path, ("page-manifest-2", "k", {}, {}, "not a list", []), flat=True)
    assert cache.manifest(out) is None
    cache.close()


def test_written_files_intact_only_while_unchanged(tmp_path: Path) -> None:
    cache = BuildCache(tmp_path / "cache", "fp")
    out = tmp_path / "site"
    (out / "search/docs").mkdir(parents=True)
    (out / "search/docs/0.json").write_bytes(b"zero")
    (out / "search/docs/1.json").write_bytes(b"one")
    (out / "sitemap.xml").write_bytes(b"<urlset/>")
    sums = {"search/docs/0.json": "a" * 64, "search/docs/1.json": "b" * 64, "sitemap.xml": "c" * 64, "gone": "d" * 64}
    cache.commit_written(out, sums)
    assert cache.intact_written(out) == {k: v for k, v in sums.items() if k != "gone"}
    # replaced (a new inode) and removed files are no longer intact
    (out / "search/docs/0.json").unlink()
    (out / "search/docs/0.json").write_bytes(b"zero")
    (out / "sitemap.xml").unlink()
    assert cache.intact_written(out) == {"search/docs/1.json": "b" * 64}
    # a damaged store: nothing is reused
    path = tmp_path / "cache/written/site.files"
    path.write_bytes(path.read_bytes()[:-1])
    assert cache.intact_written(out) == {}
    cache.close()


def test_write_files_links_or_writes_new_files_never_through_a_link(tmp_path: Path) -> None:
    published, staged = tmp_path / "published", tmp_path / "staged"
    (published / "search").mkdir(parents=True)
    (published / "search/a.json").write_bytes(b"A")
    (published / "search/b.json").write_bytes(b"old B")
    sha_a = hashlib.sha256(b"A").hexdigest()
    reusable = {"search/a.json": sha_a, "search/b.json": hashlib.sha256(b"old B").hexdigest()}
    # a name already in the staged site that is a link into the published site
    (staged / "search").mkdir(parents=True)
    os.link(published / "search/b.json", staged / "search/b.json")
    sums = write_files(
        {"search/a.json": b"A", "search/b.json": b"new B", "deep/er/c.json": b"C"}, staged, published, reusable
    )
    assert sums["search/a.json"] == sha_a
    assert (staged / "search/a.json").stat().st_ino == (published / "search/a.json").stat().st_ino
    assert (staged / "search/b.json").read_bytes() == b"new B"
    assert (published / "search/b.json").read_bytes() == b"old B"  # not written through
    assert (staged / "deep/er/c.json").read_bytes() == b"C"


def test_link_makes_each_missing_folder_once(tmp_path: Path) -> None:
    published, site = tmp_path / "published", tmp_path / "site"
    for rel in ("a/b/1.html", "a/b/2.html", "a/c/3.html", "top.html"):
        (published / rel).parent.mkdir(parents=True, exist_ok=True)
        (published / rel).write_text(rel)
    site.mkdir()
    (site / "a").mkdir()  # a recycled folder
    made: set[str] = set()
    for rel in ("a/b/1.html", "a/b/2.html", "a/c/3.html", "top.html"):
        link_into(f"{published}/{rel}", f"{site}/", rel, made)
        assert (site / rel).stat().st_ino == (published / rel).stat().st_ino
    assert made == {"a", "a/b", "a/c"}


def test_link_and_copy_replace_a_name_already_there_never_write_through(tmp_path: Path, monkeypatch: Any) -> None:
    published, site = tmp_path / "published", tmp_path / "site"
    (published / "a").mkdir(parents=True)
    (published / "a/new.html").write_bytes(b"new")
    (published / "a/old.html").write_bytes(b"old")
    (site / "a").mkdir(parents=True)
    os.link(published / "a/old.html", site / "a/page.html")  # a name that is a link into the published site
    link_into(f"{published}/a/new.html", f"{site}/", "a/page.html", set())
    assert (site / "a/page.html").stat().st_ino == (published / "a/new.html").stat().st_ino
    assert (published / "a/old.html").read_bytes() == b"old"
    # the copy fallback (a file system that refuses the link) makes a new file too
    (site / "a/page.html").unlink()
    os.link(published / "a/old.html", site / "a/page.html")

    def refuse(source: object, target: object) -> None:
        raise OSError(errno.EXDEV, "cross-device link")

    monkeypatch.setattr(linking.os, "link", refuse)
    link_or_copy(f"{published}/a/new.html", f"{site}/a/page.html")
    assert (site / "a/page.html").read_bytes() == b"new"
    assert (site / "a/page.html").stat().st_ino != (published / "a/new.html").stat().st_ino
    assert (published / "a/old.html").read_bytes() == b"old"


def test_prune_drops_only_unused_entries(tmp_path: Path) -> None:
    earlier = BuildCache(tmp_path / "cache", "fp")  # an earlier build's entries
    earlier.put("cd" + "2" * 62, {"y": 2})
    earlier.put("ab" + "1" * 62, {"x": 0})
    earlier.close()
    write_entry(tmp_path / "cache/outputs/out-old", 2)
    write_entry(tmp_path / "cache/records/cd" / ("cd" + "2" * 62), {"y": 2})  # the store of older versions
    cache = BuildCache(tmp_path / "cache", "fp")
    assert cache.get_many(["ab" + "1" * 62]) == {"ab" + "1" * 62: {"x": 0}}
    cache.put("ab" + "1" * 62, {"x": 1})
    cache.put_output("out-used", 1)
    cache.flush()
    cache.prune_records()
    cache.close()
    again = BuildCache(tmp_path / "cache", "fp")
    assert again.get_many(["ab" + "1" * 62, "cd" + "2" * 62]) == {"ab" + "1" * 62: {"x": 1}}
    assert (again.hits, again.misses) == (1, 1)
    again.close()
    assert not (tmp_path / "cache/records").exists()
    assert sorted(p.name for p in (tmp_path / "cache/outputs").iterdir()) == ["out-used"]
