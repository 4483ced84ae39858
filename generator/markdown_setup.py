"""The one list of Markdown extensions every record body is rendered with.

Used by the site writer (written into mkdocs.yml) and by anything else that
renders a body (e.g. the privacy filter).  Change extensions HERE only.

    from generator.markdown_setup import MARKDOWN_EXTENSIONS, render_markdown
    html = render_markdown(body)              # same HTML as on the site (before the theme)
    markdown.Markdown(**markdown_kwargs())    # or a Markdown instance of your own

Our own extensions: ``generator.cjk`` (no stray space where a line break sits
between two Chinese characters) and ``generator.tel`` (tel: links for the
public phone numbers in the text).
"""

from __future__ import annotations

from typing import Any

import markdown

__all__ = ["MARKDOWN_EXTENSIONS", "markdown_kwargs", "render_markdown"]

# In MkDocs' ``markdown_extensions`` form: a name, or {name: {option: value}}.
MARKDOWN_EXTENSIONS: list[Any] = [
    {"toc": {"permalink": "¶", "permalink_title": ""}}, "tables", "attr_list", "md_in_html",
    "admonition", "def_list", "footnotes", "sane_lists",
    "generator.cjk", "generator.tel",
]


def markdown_kwargs() -> dict[str, Any]:
    """``MARKDOWN_EXTENSIONS`` as keyword arguments for ``markdown.Markdown``."""
    names: list[str] = []
    configs: dict[str, dict[str, Any]] = {}
    for item in MARKDOWN_EXTENSIONS:
        if isinstance(item, dict):
            (name, options), = item.items()
            names.append(name)
            configs[name] = dict(options)
        else:
            names.append(item)
    return {"extensions": names, "extension_configs": configs}


def render_markdown(text: str) -> str:
    """A body's Markdown as HTML, with exactly the extensions the site uses."""
    return markdown.Markdown(**markdown_kwargs()).convert(text)
