"""Fails when something users can type is undocumented (Datasette's trick)."""

from __future__ import annotations

from conftest import REPO

from generator.cli import main
from generator.config import SiteConfig


def test_every_command_and_option_is_in_the_readme_or_docs() -> None:
    readme = (REPO / "README.md").read_text("utf-8")
    docs = readme + "".join(p.read_text("utf-8") for p in (REPO / "docs").glob("*.md"))
    for name, command in main.commands.items():
        assert f"openaffairs {name}" in readme, name
        for param in command.params:
            for opt in param.opts:
                if opt.startswith("--") and opt not in ("--help",):
                    assert opt in docs, f"openaffairs {name} {opt} is not documented"


def test_every_site_config_key_is_in_the_content_model() -> None:
    model = (REPO / "docs" / "content-model.md").read_text("utf-8")
    for key, field in SiteConfig.model_fields.items():
        if not field.exclude:
            assert f"`{key}`" in model or f"{key}:" in model, key
