"""Golden files for what the generator itself produces from tests/site: the
Markdown pages handed to mkdocs-material, the mkdocs config, and the exports.

Refresh after an intended change with:  UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py
then review the diff of tests/golden/ like any other change.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from conftest import HERE, NOW, SAMPLE

from generator.exports import export_files
from generator.pipeline import configure, prepare, resolve_now
from generator.rendering import render_site
from generator.site import _mkdocs_config, mkdocs_yaml

GOLDEN = HERE / "golden"


def generated(tmp: Path) -> dict[str, bytes]:
    old = Path.cwd()
    os.chdir(SAMPLE)
    try:
        report = prepare(*configure(Path("site_config.yml"), NOW))
    finally:
        os.chdir(old)
    rendered = render_site(report.public, report.config, resolve_now(NOW))
    files = {f"pages/{k}": v.encode("utf-8") for k, v in rendered.pages.items()}
    cfg = _mkdocs_config(rendered, report.config, Path("/DOCS"), Path("/SITE"), Path("/THEME"))
    files["mkdocs.yml"] = mkdocs_yaml(cfg).encode("utf-8")
    files.update(
        {
            f"exports/{k}": v
            for k, v in export_files(report.public, report.config, now=resolve_now(NOW)).items()
            if not k.endswith(".zip")
        }
    )  # the ZIP holds the golden CSV and JSON files
    files["copies.txt"] = "".join(f"{k} <- {v}\n" for k, v in sorted(rendered.copies.items())).encode()
    return files


def test_generated_files_match_golden(tmp_path: Path) -> None:
    files = generated(tmp_path)
    if os.environ.get("UPDATE_GOLDEN"):
        shutil.rmtree(GOLDEN, ignore_errors=True)
        for rel, data in files.items():
            (GOLDEN / rel).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / rel).write_bytes(data)
    expected = {p.relative_to(GOLDEN).as_posix(): p.read_bytes() for p in GOLDEN.rglob("*") if p.is_file()}
    assert sorted(files) == sorted(expected)
    for rel in sorted(files):
        assert files[rel].decode("utf-8") == expected[rel].decode("utf-8"), rel
