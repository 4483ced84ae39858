"""The site writer: staged mkdocs-material build, sanitised HTML, atomic swap.

Stage: writer (the only module that runs MkDocs; keep everything
MkDocs-specific here, see docs/architecture.md).  The generated Markdown is
written to a staging folder next to ``--out``; MkDocs builds it there; every
page's HTML is sanitised (nh3) before the theme wraps it; only when all of
that succeeded is the staging output swapped into ``--out``.  A failure at
any point leaves the previous site untouched.
"""

from __future__ import annotations

import datetime as dt
import importlib.resources
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import nh3
import yaml

from .config import SiteConfig
from .document import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, MARKDOWN_EXTENSIONS
from .errors import BuildError, Problem
from .i18n import theme_strings
from .rendering import NavEntry, RenderedSite

__all__ = ["write_site", "stage_site", "swap_into", "default_theme_dir", "shipped_theme", "assemble_theme"]

log = logging.getLogger(__name__)

# Tags and attributes of a page: what a body may hold (generator.document) plus
# what our own templates and panels produce (landmarks, the search form, the
# regulation table's data for its filters).
_TAGS = set(ALLOWED_TAGS) | {"main", "form", "input", "button", "label", "select", "option"}
_OWN_ATTRS = {
    "*": {"role", "aria-label", "aria-hidden", "aria-current"},
    "div": {"data-base", "data-labels"},
    "a": {"download", "rel"},
    "td": {"data-label"},
    "form": {"action", "method", "role", "hidden", "data-for"},
    "select": {"id", "name"},
    "option": {"value", "selected"},
    "p": {"data-oa-count"},
    "span": {"id", "data-oa-count", "data-template"},
    "input": {"name", "type", "placeholder", "value", "autocomplete"},
    "button": {"type"},
    "label": {"for"},
    "table": {"data-oa-table"},
    "tr": {"data-kind", "data-validity", "data-issuer", "data-from", "data-until"},
}
_ATTRS = {
    tag: ALLOWED_ATTRIBUTES.get(tag, set()) | _OWN_ATTRS.get(tag, set()) for tag in {*ALLOWED_ATTRIBUTES, *_OWN_ATTRS}
}


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    # no third-party requests from a visitor's browser: images must be local
    if tag == "img" and attr == "src" and (value.startswith(("//", "http:", "https:", "data:"))):
        return None
    return value


def sanitise(html: str) -> str:
    """Remove scripts, event handlers, javascript: links, comments, remote images."""
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRS,
        attribute_filter=_attribute_filter,
        link_rel=None,
        strip_comments=True,
        url_schemes={"http", "https", "mailto", "tel"},
    )


_NOT_THEME = {"__init__.py", "__pycache__"}


def shipped_theme() -> Traversable:
    """The theme that ships inside the package (``theme/`` of the checkout, ``generator/_theme`` when installed)."""
    return importlib.resources.files("generator._theme")


def default_theme_dir() -> Path:
    """The shipped theme as a folder on disk (an installed wheel, or the checkout when editable)."""
    return Path(str(shipped_theme()))


def _copy_traversable(source: Traversable, target: Path) -> None:
    for entry in source.iterdir():
        if entry.name in _NOT_THEME or entry.name.endswith(".pyc"):
            continue
        if entry.is_dir():
            (target / entry.name).mkdir(parents=True, exist_ok=True)
            _copy_traversable(entry, target / entry.name)
        else:
            (target / entry.name).write_bytes(entry.read_bytes())


def assemble_theme(config: SiteConfig, target: Path) -> Path:
    """The theme MkDocs gets: the shipped theme, then every file of the site's own theme folder over it.

    As mkdocs-material's ``custom_dir``: a site overrides single files
    (``theme/assets/openaffairs.css``, ``theme/partials/header.html`` ...) and
    keeps the rest.  A site without a theme folder uses the shipped theme as is;
    a ``theme_dir`` set in site_config.yml that does not exist is an error.
    """
    own = config.theme_path
    if not own.is_dir() and config.theme_dir != "theme":
        raise BuildError(
            [
                Problem(
                    config.source,
                    0,
                    f"theme folder '{config.theme_dir}' not found",
                    "create it, or remove theme_dir to use the shipped theme",
                )
            ]
        )
    target.mkdir(parents=True, exist_ok=True)
    _copy_traversable(shipped_theme(), target)
    if own.is_dir():
        for path in sorted(own.rglob("*")):
            rel = path.relative_to(own)
            if set(rel.parts) & _NOT_THEME or path.suffix == ".pyc":
                continue
            if path.is_dir():
                (target / rel).mkdir(parents=True, exist_ok=True)
            else:
                (target / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target / rel)
    return target


# Heading ids of the whole site (issue 8): readable ids from the heading's own
# text (第一章总则, not _1).  This is the ONE place that configures them; bodies
# rendered elsewhere (regulations, the privacy filter) use the same function:
# generator.legal_structure.slugify (as TocExtension(slugify=...)).
HEADING_SLUGIFY = "generator.legal_structure.slugify"
_SLUGIFY_PLACEHOLDER = "oa_heading_slugify_placeholder"


def mkdocs_yaml(cfg: dict[str, Any]) -> str:
    """The mkdocs.yml text of a configuration from ``_mkdocs_config``."""
    text = yaml.safe_dump(cfg, allow_unicode=True, sort_keys=True)
    return text.replace(_SLUGIFY_PLACEHOLDER, f"!!python/name:{HEADING_SLUGIFY}")


def _nav_yaml(entries: list[NavEntry]) -> list[Any]:
    out: list[Any] = []
    for e in entries:
        out.append({e.title: _nav_yaml(list(e.children)) if e.children else e.path})
    return out


def _mkdocs_config(
    rendered: RenderedSite,
    config: SiteConfig,
    docs: Path,
    site_dir: Path,
    theme: Path,
    lang_404: dict[str, str] | None = None,
) -> dict[str, Any]:
    cfg: dict[str, Any] = {
        "site_name": config.site_name,
        "site_url": config.site_url,
        "site_description": config.site_description or None,
        "copyright": config.copyright or None,
        "docs_dir": str(docs),
        "site_dir": str(site_dir),
        "use_directory_urls": True,
        "theme": {
            "name": "material",
            "custom_dir": str(theme),
            "language": config.language,
            "font": False,  # no Google Fonts: system fonts only
            "palette": {"scheme": "default", "primary": "custom", "accent": "custom"},
            "features": ["navigation.tabs", "navigation.top", "navigation.indexes"],
            "favicon": "assets/favicon.svg",
            "logo": "assets/logo.svg",
        },
        "extra_css": ["assets/openaffairs.css"],
        "extra_javascript": ["assets/oatable.js"],  # assets/oaaccess.js: in <head>, see theme/main.html
        "extra": {
            "generator": False,
            "office_name": config.office_name,
            "short_name": config.short_name,
            "oa": theme_strings(config.language, config.office_name or config.site_name),
            "footer": {
                k: getattr(config, k)
                for k in ("sponsor", "address", "phone", "icp_number", "police_number", "site_code")
            },
            "phone_href": "tel:" + "".join(c for c in config.phone if c.isdigit() or c == "+"),
        },
        # the generated pages' own Markdown (record bodies arrive as finished, filtered HTML:
        # their dialect is generator.document.MARKDOWN_EXTENSIONS)
        "markdown_extensions": [
            {"toc": {"permalink": "¶", "permalink_title": "", "slugify": _SLUGIFY_PLACEHOLDER}},
            *MARKDOWN_EXTENSIONS,
            "generator.cjk",
        ],
        "plugins": [],
        "nav": _nav_yaml(rendered.nav),
        "not_in_nav": "\n".join(sorted(set(rendered.not_in_nav))),
        "validation": {
            "nav": {"omitted_files": "ignore", "absolute_links": "ignore"},
            "links": {"absolute_links": "ignore", "unrecognized_links": "warn"},
        },
    }
    if lang_404:  # (issue 10) the 404 page's language switch: the other language's home
        cfg["extra"]["oa_lang_404"] = lang_404
    if uses_lang_css(config, lang_404):
        cfg["extra_css"] = [*cfg["extra_css"], "assets/oa-lang.css"]
    return cfg


def uses_lang_css(config: SiteConfig, lang_404: dict[str, str] | None) -> bool:
    """(issue 10) ``assets/oa-lang.css`` (English labels, the language switch) is linked by a
    site in English or with two languages; a Chinese-only site is built without it."""
    return bool(lang_404) or config.language == "en"


def _lang_404(config: SiteConfig, lang: str, other: str) -> dict[str, str]:
    """The switch of ``lang``'s 404 page (served at any depth: an absolute path)."""
    from urllib.parse import urlsplit

    from .i18n import t
    from .rendering import HREFLANG

    root = urlsplit(config.site_url).path or "/"
    return {
        "href": root if other == config.language else f"{root}{other}/",
        "label": t("lang_name", other),
        "hreflang": HREFLANG[other],
    }


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def _source_date_epoch(now: dt.datetime) -> Iterator[None]:
    """MkDocs dates its sitemap and gzip headers from SOURCE_DATE_EPOCH."""
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(int(now.timestamp()))
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old


def _run_mkdocs(cfg_path: Path, now: dt.datetime) -> list[str]:
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config as mkdocs_load_config
    from mkdocs.plugins import BasePlugin

    class Sanitise(BasePlugin):  # type: ignore[type-arg,no-untyped-call]
        def on_page_content(self, html: str, **kwargs: Any) -> str:
            return sanitise(html)

    collect = _Collect()
    mk_log = logging.getLogger("mkdocs")
    mk_log.addHandler(collect)
    old_level = mk_log.level
    mk_log.setLevel(logging.WARNING)
    from jinja2 import TemplateError
    from mkdocs.exceptions import MkDocsException

    try:
        with _source_date_epoch(now):
            cfg = mkdocs_load_config(config_file=str(cfg_path))
            cfg.plugins["openaffairs-sanitise"] = Sanitise()
            mkdocs_build(cfg)
    except (MkDocsException, TemplateError) as exc:
        # what MkDocs said, not only "Aborted with a configuration error!"
        said = "; ".join(m for m in collect.messages if m) or str(exc)
        where = getattr(exc, "filename", None) or "mkdocs-material"
        line = getattr(exc, "lineno", 0) or 0
        raise BuildError(
            [
                Problem(
                    str(where),
                    line,
                    f"the site could not be rendered: {type(exc).__name__}: "
                    f"{getattr(exc, 'message', None) or exc}" + (f" ({said})" if said != str(exc) else ""),
                    "check the theme override named here; the previous site is unchanged",
                )
            ]
        ) from None
    finally:
        mk_log.removeHandler(collect)
        mk_log.setLevel(old_level)
    return collect.messages


# Files of mkdocs-material the site never uses (OpenAffairs has its own search and
# favicon): not shipped.  Paths relative to the built site.
UNUSED_THEME_FILES = ("assets/javascripts/lunr", "assets/javascripts/workers", "assets/images/favicon.png")


def prune_unused(site_dir: Path) -> None:
    """Remove the theme's unused search workers, its default favicon and every source map."""
    for rel in UNUSED_THEME_FILES:
        target = site_dir / rel
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    images = site_dir / "assets" / "images"
    if images.is_dir() and not any(images.iterdir()):
        images.rmdir()
    for source_map in site_dir.glob("assets/**/*.map"):
        source_map.unlink()
    # the dangling "sourceMappingURL" comments
    for pattern, marker in (
        ("assets/javascripts/*.js", "//# sourceMappingURL="),
        ("assets/stylesheets/*.css", "/*# sourceMappingURL="),
    ):
        for asset in site_dir.glob(pattern):
            text = asset.read_text("utf-8")
            cut = text.rfind(marker)
            if cut != -1:
                asset.write_text(text[:cut].rstrip() + "\n", "utf-8")


def stage_site(
    rendered: RenderedSite,
    config: SiteConfig,
    staging: Path,
    now: dt.datetime,
    extra_files: dict[str, bytes] | None = None,
) -> list[str]:
    """Write the docs and build with MkDocs into ``staging/site``; returns MkDocs warnings."""
    docs, site_dir = staging / "docs", staging / "site"
    for rel, text in sorted(rendered.pages.items()):
        target = docs / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    content = config.content_path
    for rel, source in sorted(rendered.copies.items()):
        target = docs / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(content / source, target)
    for rel, data in sorted((extra_files or {}).items()):
        target = docs / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    theme = assemble_theme(config, staging / "theme")
    cfg_path = staging / "mkdocs.yml"
    lang_404 = None
    if rendered.sides:
        lang_404 = _lang_404(config, config.language, next(iter(rendered.sides)))
    cfg_path.write_text(
        mkdocs_yaml(_mkdocs_config(rendered, config, docs, site_dir, theme, lang_404)), encoding="utf-8"
    )
    warnings = _run_mkdocs(cfg_path, now)
    prune_unused(site_dir)
    if not rendered.sides:  # a single-language site has no hreflang links for it to rename
        (site_dir / "assets" / "oalang.js").unlink(missing_ok=True)
        if not uses_lang_css(config, None):
            (site_dir / "assets" / "oa-lang.css").unlink(missing_ok=True)
    for lang, side in sorted(rendered.sides.items()):
        warnings += _stage_side(side, config, lang, staging, now)
    return warnings


def _stage_side(side: RenderedSite, config: SiteConfig, lang: str, staging: Path, now: dt.datetime) -> list[str]:
    """(issue 10) One other language: built by MkDocs as a site of its own (its interface
    strings, nav and 404 page) and put under ``site/<lang>/``.  Its data files were written
    there already (``export_files``); the sitemap is the root's, for both languages."""
    from .languages import side_config

    cfg = side_config(config, lang)
    own = staging / f"lang-{lang}"
    docs, site_dir = own / "docs", own / "site"
    for rel, text in sorted(side.pages.items()):
        target = docs / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    for rel, source in sorted(side.copies.items()):
        target = docs / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(config.content_path / source, target)
    theme = assemble_theme(config, own / "theme")
    cfg_path = own / "mkdocs.yml"
    lang_404 = _lang_404(config, lang, config.language)
    cfg_path.write_text(mkdocs_yaml(_mkdocs_config(side, cfg, docs, site_dir, theme, lang_404)), encoding="utf-8")
    warnings = _run_mkdocs(cfg_path, now)
    prune_unused(site_dir)
    for name in ("sitemap.xml", "sitemap.xml.gz"):
        (site_dir / name).unlink(missing_ok=True)
    shutil.copytree(site_dir, staging / "site" / lang, dirs_exist_ok=True)
    return warnings


def swap_into(built: Path, out: Path) -> None:
    """Replace ``out`` by ``built`` (two renames on one file system)."""
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        if old.exists():
            shutil.rmtree(old)
        out.rename(old)
    built.rename(out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_site(
    rendered: RenderedSite,
    config: SiteConfig,
    out: Path,
    now: dt.datetime,
    extra_files: dict[str, bytes] | None = None,
    after_build: Callable[[Path], None] | None = None,
) -> list[str]:
    """Build into a staging folder beside ``out``, then swap. Returns MkDocs warnings."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.staging-", dir=out.parent))
    try:
        warnings = stage_site(rendered, config, staging, now, extra_files)
        if after_build is not None:
            after_build(staging / "site")
        swap_into(staging / "site", out)
        return warnings
    finally:
        shutil.rmtree(staging, ignore_errors=True)
