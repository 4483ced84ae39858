"""The site writer: staged mkdocs-material build, sanitised HTML, atomic swap.

Stage: writer (the only module that runs MkDocs; keep everything
MkDocs-specific here, see docs/architecture.md).  The generated Markdown is
written to a staging folder next to ``--out``; MkDocs builds it there; every
page's HTML is sanitised (nh3) before the theme wraps it; only when all of
that succeeded is the staging output swapped into ``--out``.  A failure at
any point leaves the previous site untouched.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import datetime as dt
import gc
import glob
import hashlib
import importlib.resources
import logging
import multiprocessing
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path
from stat import S_ISREG
from typing import Any

import nh3
import yaml

from .cache import PageManifest, digest
from .config import SiteConfig
from .document import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, MARKDOWN_EXTENSIONS
from .errors import BuildError, Problem
from .heap import release
from .i18n import theme_strings
from .linking import link_into
from .rendering import NavEntry, PageTexts, RenderedSite

__all__ = [
    "write_site",
    "stage_site",
    "swap_into",
    "default_theme_dir",
    "shipped_theme",
    "assemble_theme",
    "PageCache",
    "remove_leftovers",
]

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
    text: str = yaml.safe_dump(cfg, allow_unicode=True, sort_keys=True)
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


_DIRTY_WARNING = "A 'dirty' build is being performed"


def _run_mkdocs(
    cfg_path: Path,
    now: dt.datetime,
    docs: Sequence[tuple[str, bytes | str | _Stored | _Copy, bool]],
    reuse: _Reuse | None = None,
) -> tuple[list[str], dict[str, str]]:
    """MkDocs over ``docs``: (docs path, content or an attachment's file path, reused?).

    Returns MkDocs' warnings and the SHA-256 of the pages made from shells (site path ->
    hex): record pages neither reused nor rendered by MkDocs one by one, see
    ``generator.shells``."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config as mkdocs_load_config
    from mkdocs.plugins import BasePlugin
    from mkdocs.structure.files import File

    from .shells import Shells

    class Sanitise(BasePlugin):  # type: ignore[type-arg,no-untyped-call]
        def on_page_content(self, html: str, **kwargs: Any) -> str:
            return sanitise(html)

    stored_file = _stored_file_class()

    class Docs(BasePlugin):  # type: ignore[type-arg,no-untyped-call]
        """The docs as virtual files; reused ones are neither read nor written."""

        def on_config(self, config: Any, **kwargs: Any) -> Any:
            # MkDocs' own sitemap lists every page, and ours replaces it (linking.write_sitemap_and_sums)
            config.theme.static_templates.discard("sitemap.xml")
            return config

        def on_files(self, files: Any, config: Any, **kwargs: Any) -> Any:
            in_nav = _nav_sources(config["nav"])
            known = files.src_uris
            for rel, data, reused in docs:
                if reused and reuse is not None and rel not in in_nav and rel not in known and reuse.outside(rel):
                    # a reused file outside the navigation: MkDocs never sees it (no File, no
                    # Page, no exclusion match); its output is linked from the published site
                    continue
                if isinstance(data, _Stored):  # read when MkDocs renders it (a reused one: never)
                    f = stored_file.of(File.generated(config, rel, content=""), data, reused)
                elif isinstance(data, _Copy):  # an attachment: copied only now
                    f = File.generated(config, rel, abs_src_path=data.path())
                else:
                    f = File.generated(config, rel, content=data)
                theme_file = files.get_file_from_path(rel)
                if theme_file is not None:  # docs files override the theme's
                    files.remove(theme_file)
                if reused:
                    f.is_modified = _never_modified
                files.append(f)
            if reuse is not None:
                for f in files:
                    if f.generated_by is None:  # the theme's
                        reuse.theme_dests.append(f.dest_uri)
                        if reuse.theme:
                            f.is_modified = _never_modified
                    else:
                        reuse.src_to_dest[f.src_uri] = f.dest_uri
            return files

    # the pages that may be made from shells: Markdown, not reused
    shells = Shells(
        {
            rel: data.text if isinstance(data, _Stored) else data
            for rel, data, reused in docs
            if rel.endswith(".md") and isinstance(data, str | _Stored) and not reused
        },
        _workers(),
    )

    class Fast(BasePlugin):  # type: ignore[type-arg,no-untyped-call]
        """generator.shells' part of the run (after Docs: it sees every docs file).  A page
        the shells refuse is rendered at the end by MkDocs' own functions, as in its loop."""

        def __init__(self) -> None:
            self.nav: Any = None
            self.env: Any = None
            self.files: Any = None

        def on_config(self, config: Any, **kwargs: Any) -> Any:
            shells.on_config(config)
            return config

        def on_files(self, files: Any, config: Any, **kwargs: Any) -> Any:
            return shells.on_files(files, config)

        def on_nav(self, nav: Any, config: Any, files: Any, **kwargs: Any) -> Any:
            self.nav, self.files = nav, files
            shells.on_nav(nav, files)
            return nav

        def on_env(self, env: Any, config: Any, files: Any, **kwargs: Any) -> Any:
            self.env = env
            return env

        def on_page_markdown(self, markdown: str, page: Any, **kwargs: Any) -> str:
            return shells.on_page_markdown(markdown, page)

        def on_page_content(self, html: str, page: Any, **kwargs: Any) -> str:
            return shells.on_page_content(html, page)

        def on_post_page(self, output: str, page: Any, **kwargs: Any) -> str:
            return shells.on_post_page(output, page)

        def on_post_build(self, config: Any, **kwargs: Any) -> None:
            from mkdocs.commands.build import _build_page, _populate_page
            from mkdocs.structure.files import InclusionLevel

            files, nav, env = self.files, self.nav, self.env

            def render(f: Any) -> None:
                _populate_page(f.page, config, files)
                included = files.documentation_pages(inclusion=InclusionLevel.is_included)
                _build_page(f.page, config, included, nav, env)
                f.page.validate_anchor_links(files=files, log_level=config.validation.links.anchors)

            shells.on_post_build(render)

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
            cfg.plugins["openaffairs-docs"] = Docs()
            cfg.plugins["openaffairs-shells"] = Fast()
            # dirty: MkDocs neither empties site_dir (a recycled tree of folders, no files)
            # nor writes a file whose output is reused (is_modified is False)
            mkdocs_build(cfg, dirty=True)
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
        shells.close()
        mk_log.removeHandler(collect)
        mk_log.setLevel(old_level)
    return [m for m in collect.messages if not m.startswith(_DIRTY_WARNING)], shells.hashes


def _workers() -> int:
    """Worker processes for the record pages: the cores this process may use, at most 4."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 4))


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


_QUOTED = re.compile(r"'([^']+)'")
_Output = tuple[str, str, tuple[int, int, int, int]]  # site path, SHA-256, (inode, size, mtime, ctime)


class _Reuse:
    """Which outputs of the last build MkDocs need not make again (``generator.cache``).

    A docs file is reused when its bytes and the key (the build fingerprint, mkdocs.yml
    with the navigation, the set of docs files) are those the manifest recorded; the
    theme's files when the key is.  A reused output is linked from the published site,
    and only when the file there is still the one the manifest recorded (same inode,
    size, modification and change time: a file changed in place is rendered again)."""

    def __init__(self, pages: PageCache, key: str, digests: dict[str, str]):
        previous = pages.previous
        self.previous = previous if previous is not None and previous.key == key else None
        self.out = pages.out
        self.new = PageManifest(key=key, sources=dict(digests))
        self.docs: set[str] = set()
        self.theme = False
        self.known: dict[str, str] = {}  # site path -> SHA-256 of every reused output
        self.src_to_dest: dict[str, str] = {}
        self.theme_dests: list[str] = []
        prev = self.previous
        if prev is None:
            return
        # the outputs' signatures as ``PageCache.check`` found them (before the spare tree's
        # files were removed)
        if pages.intact is None:
            pages.check()
        intact = pages.intact or {}
        for rel, sha in digests.items():
            outs = prev.outputs.get(rel)
            if prev.sources.get(rel) == sha and outs is not None and intact.get(rel, False):
                self.docs.add(rel)
                self._know(outs)
        if pages.theme_intact:
            self.theme = True
            self._know(prev.theme)

    def _know(self, outputs: list[_Output]) -> None:
        for dest, sha, _sig in outputs:
            self.known[dest] = sha

    def outside(self, rel: str) -> bool:
        """Take the reused docs file ``rel`` past MkDocs: its output is the one the last
        build wrote (the manifest's), linked by ``link``.  False when the manifest recorded
        no output for it (MkDocs gets the file)."""
        outs = self.previous.outputs.get(rel) if self.previous is not None else None
        if not outs or rel not in self.docs:
            return False
        self.src_to_dest[rel] = outs[0][0]
        return True

    @property
    def any(self) -> bool:
        return bool(self.docs) or self.theme

    def link(self, site_dir: Path) -> None:
        """Link the reused outputs into ``site_dir`` (after MkDocs)."""
        prev = self.previous
        if prev is None:
            return
        out, site = f"{self.out}/", f"{site_dir}/"  # strings: a Path per file costs more than the link
        made: set[str] = set()  # folders created here (each once)
        for rel in sorted(self.docs):
            for dest, _, _ in prev.outputs[rel]:
                link_into(out + dest, site, dest, made)
        if self.theme:
            for dest, _, _ in prev.theme:
                link_into(out + dest, site, dest, made)

    def hash_fresh(self, site_dir: Path, made: dict[str, str] | None = None) -> dict[str, str]:
        """SHA-256 of every output MkDocs made (reused ones: from the manifest; ``made``:
        those of the pages made from shells)."""
        known = {**self.known, **(made or {})}
        dests = [*self.src_to_dest.values(), *self.theme_dests]
        for dest in dests:
            if dest not in known:
                path = site_dir / dest
                if path.is_file():
                    known[dest] = hashlib.sha256(path.read_bytes()).hexdigest()
        self.hashes = known
        return known

    hashes: dict[str, str]

    def manifest(self, out: Path) -> PageManifest:
        """The manifest of the site now published at ``out`` (after the swap)."""

        root = f"{out}/"  # strings: a Path per file costs more than its stat

        def entry(dest: str) -> list[_Output]:
            sha = self.hashes.get(dest)
            if sha is None:
                return []
            try:
                st = os.stat(root + dest)  # noqa: PTH116 (strings: no Path per file)
            except OSError:  # pruned (prune_unused)
                return []
            if not S_ISREG(st.st_mode):
                return []
            return [(dest, sha, (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns))]

        self.new.outputs = {src: entry(dest) for src, dest in sorted(self.src_to_dest.items())}
        self.new.theme = [item for dest in sorted(set(self.theme_dests)) for item in entry(dest)]
        return self.new

    def warnings(self, fresh: list[str]) -> list[str]:
        """MkDocs' warnings as a cold build gives them: this build's, and the last build's
        about files that were not rendered again."""
        kept = []
        if self.previous is not None:
            for w in self.previous.warnings:
                if any(q in self.docs for q in _QUOTED.findall(w)):
                    kept.append(w)
        out = kept + [w for w in fresh if w not in kept]
        self.new.warnings = out
        return out


def _nav_sources(nav: Any) -> set[str]:
    """The docs paths that MkDocs' ``nav`` configuration names (a reused one keeps its File:
    the navigation needs its page)."""
    found: set[str] = set()
    todo = [nav]
    while todo:
        item = todo.pop()
        if isinstance(item, str):
            found.add(item)
        elif isinstance(item, dict):
            todo.extend(item.values())
        elif isinstance(item, list | tuple):
            todo.extend(item)
    return found


def _never_modified() -> bool:
    return False


def _scanned_bytes(config: SiteConfig, source: str, scanned: dict[str, str] | None) -> bytes:
    """The attachment ``source`` -- only as the privacy filter scanned it (``scanned``:
    its SHA-256): a file changed since stops the build."""
    data = (config.content_path / source).read_bytes()
    if scanned is not None and scanned.get(source) != hashlib.sha256(data).hexdigest():
        raise BuildError(
            [
                Problem(
                    f"{config.content_dir}/{source}",
                    0,
                    "the attachment changed while the site was being built (it is published only "
                    "as the privacy filter scanned it)",
                    "build again",
                )
            ]
        )
    return data


@dataclass
class _Copy:
    """An attachment for MkDocs: a copy of the bytes the privacy filter scanned, written
    only when MkDocs gets the file (a reused attachment is linked from the published site
    and never copied)."""

    config: SiteConfig
    source: str  # relative to content/
    sha: str  # of the bytes checked against the filter's when the docs were listed
    copy: str
    written: bool = False

    def path(self) -> str:
        if not self.written:
            data = _scanned_bytes(self.config, self.source, {self.source: self.sha})
            with open(self.copy, "xb") as f:  # noqa: PTH123 (a new file, never written through a link)
                f.write(data)
            self.written = True
        return self.copy


@dataclass(frozen=True)
class _Stored:
    """A page's Markdown still in the page store (``rendering.PageStore``)."""

    pages: PageTexts
    rel: str

    def text(self) -> str:
        return self.pages[self.rel]


def _stored_file_class() -> Any:
    from mkdocs.structure.files import File

    class StoredFile(File):
        """A MkDocs file whose Markdown is read from the page store when something asks for it."""

        stored: _Stored
        reused: bool

        @classmethod
        def of(cls, f: File, stored: _Stored, reused: bool) -> StoredFile:
            f.__class__ = cls
            assert isinstance(f, StoredFile)
            f.stored, f.reused = stored, reused
            f._content = None
            return f

        @property
        def content_bytes(self) -> bytes:
            return self.content_string.encode("utf-8") if self._content is None else super().content_bytes

        @content_bytes.setter
        def content_bytes(self, value: bytes) -> None:
            self._content = value

        @property
        def content_string(self) -> str:
            return self.stored.text() if self._content is None else super().content_string

        @content_string.setter
        def content_string(self, value: str) -> None:
            self._content = value

        def is_modified(self) -> bool:
            return not self.reused

    return StoredFile


def _docs_files(
    rendered: RenderedSite,
    config: SiteConfig,
    extra_files: dict[str, bytes],
    scanned: dict[str, str] | None,
    attachments: Path,
) -> Iterator[tuple[str, bytes | str | _Stored | _Copy, str]]:
    """Every file MkDocs gets as docs: (docs path, content -- or a file path for an
    attachment, or a page still in the page store --, SHA-256).  Attachments are exactly the bytes the privacy filter
    scanned, copied into ``attachments`` (one flat folder) when MkDocs gets them (``_Copy``:
    a reused one never is)."""
    pages = rendered.pages
    for rel in sorted(pages):
        if isinstance(pages, PageTexts) and pages.stored(rel):
            # a record page of an earlier build: read only if MkDocs renders it
            yield rel, _Stored(pages, rel), pages.sha(rel)
        else:
            text = pages[rel]
            yield rel, text, hashlib.sha256(text.encode("utf-8")).hexdigest()
    attachments.mkdir(parents=True, exist_ok=True)
    for i, (rel, source) in enumerate(sorted(rendered.copies.items())):
        sha = hashlib.sha256(_scanned_bytes(config, source, scanned)).hexdigest()
        yield rel, _Copy(config, source, sha, str(attachments / str(i))), sha
    for rel, data in sorted(extra_files.items()):
        yield rel, data, hashlib.sha256(data).hexdigest()


def stage_site(
    rendered: RenderedSite,
    config: SiteConfig,
    staging: Path,
    now: dt.datetime,
    extra_files: dict[str, bytes] | None = None,
    *,
    scanned: dict[str, str] | None = None,
    pages: PageCache | None = None,
    spare: SpareTree | None = None,
) -> tuple[list[str], dict[str, str]]:
    """Build with MkDocs into ``staging/site``; returns MkDocs warnings and the SHA-256
    of the files MkDocs made or that were reused (for SHA256SUMS).

    The docs reach MkDocs as virtual files (no docs folder on disk: creating and
    deleting a folder per page costs more than rendering it on some file systems);
    ``spare``, a folder tree of an earlier site, is recycled as ``staging/site`` (its
    files are removed, its folders kept, for the same reason)."""
    docs, site_dir = staging / "docs", staging / "site"
    docs.mkdir(parents=True, exist_ok=True)
    theme = assemble_theme(config, staging / "theme")
    cfg_path = staging / "mkdocs.yml"
    lang_404 = None
    if rendered.sides:
        lang_404 = _lang_404(config, config.language, next(iter(rendered.sides)))
    cfg_text = mkdocs_yaml(_mkdocs_config(rendered, config, docs, site_dir, theme, lang_404))
    cfg_path.write_text(cfg_text, encoding="utf-8")
    files = list(_docs_files(rendered, config, extra_files or {}, scanned, staging / "attachments"))
    digests = {rel: sha for rel, _, sha in files}
    reuse = None
    if pages is not None:
        key = _page_key(pages.fingerprint, cfg_text, (docs, site_dir, theme), digests)
        reuse = _Reuse(pages, key, digests)
        pages.reuse = reuse
    # only now (the published site's files were checked above: their change times move
    # when a name that shares their inode is removed)
    tree = spare.ready() if spare is not None else None  # its files removed while the build went on
    if tree is not None:
        tree.rename(site_dir)
    site_dir.mkdir(exist_ok=True)
    # a stored page is read only when it is rendered (a reused one never is)
    virtual = [(rel, data, rel in reuse.docs if reuse is not None else False) for rel, data, _ in files]
    del files
    warnings, made = _run_mkdocs(cfg_path, now, virtual, reuse)
    del virtual
    prune_unused(site_dir)
    if not rendered.sides:  # a single-language site has no hreflang links for it to rename
        (site_dir / "assets" / "oalang.js").unlink(missing_ok=True)
        if not uses_lang_css(config, None):
            (site_dir / "assets" / "oa-lang.css").unlink(missing_ok=True)
    known: dict[str, str] = dict(made)
    if reuse is not None:
        known = reuse.hash_fresh(site_dir, made)
        reuse.link(site_dir)
        warnings = reuse.warnings(warnings)
    # the other language's pages are rendered on every build (not reused yet)
    for lang, side in sorted(rendered.sides.items()):
        side_warnings, side_made = _stage_side(side, config, lang, staging, now, scanned)
        warnings += side_warnings
        known.update({f"{lang}/{dest}": sha for dest, sha in side_made.items()})
    return warnings, known


def _stage_side(
    side: RenderedSite, config: SiteConfig, lang: str, staging: Path, now: dt.datetime, scanned: dict[str, str] | None
) -> tuple[list[str], dict[str, str]]:
    """(issue 10) One other language: built by MkDocs as a site of its own (its interface
    strings, nav and 404 page) and put under ``site/<lang>/``.  Its data files were written
    there already (``export_files``); the sitemap is the root's, for both languages.
    Returns MkDocs' warnings and the SHA-256 of the pages made from shells (as ``_run_mkdocs``)."""
    from .languages import side_config

    cfg = side_config(config, lang)
    own = staging / f"lang-{lang}"
    docs, site_dir = own / "docs", own / "site"
    docs.mkdir(parents=True, exist_ok=True)
    # virtual docs, as the default language's
    virtual: list[tuple[str, bytes | str, bool]] = [(rel, text, False) for rel, text in sorted(side.pages.items())]
    virtual += [(rel, _scanned_bytes(config, source, scanned), False) for rel, source in sorted(side.copies.items())]
    theme = assemble_theme(config, own / "theme")
    cfg_path = own / "mkdocs.yml"
    lang_404 = _lang_404(config, lang, config.language)
    cfg_path.write_text(mkdocs_yaml(_mkdocs_config(side, cfg, docs, site_dir, theme, lang_404)), encoding="utf-8")
    warnings, made = _run_mkdocs(cfg_path, now, virtual)
    del virtual
    prune_unused(site_dir)
    for name in ("sitemap.xml", "sitemap.xml.gz"):
        (site_dir / name).unlink(missing_ok=True)
    shutil.copytree(site_dir, staging / "site" / lang, dirs_exist_ok=True, copy_function=_copy_fresh)
    return warnings, made


def _copy_fresh(source: str, target: str) -> None:
    """A new file at ``target`` (never written through a name that may be a hard link)."""
    Path(target).unlink(missing_ok=True)
    shutil.copy2(source, target)


def clear_files(root: Path) -> None:
    """Remove every file below ``root`` and keep the folders."""
    for dirpath, _dirs, names in os.walk(root):
        folder = Path(dirpath)
        for name in names:
            (folder / name).unlink()


def remove_empty_dirs(root: Path) -> None:
    """Remove the folders below ``root`` that hold no file (left by a recycled tree)."""
    for dirpath, _dirs, names in os.walk(root, topdown=False):
        if not names and dirpath != str(root):
            with contextlib.suppress(OSError):  # not empty: a sub-folder holds a file
                Path(dirpath).rmdir()


def _page_key(fingerprint: str, cfg_text: str, paths: tuple[Path, ...], digests: dict[str, str]) -> str:
    """What every page depends on besides its own Markdown: the build fingerprint,
    mkdocs.yml (navigation, not_in_nav, theme options; staging paths left out) and the
    list of docs files (MkDocs resolves links against it)."""
    for path, name in zip(paths, ("DOCS", "SITE", "THEME"), strict=True):
        cfg_text = cfg_text.replace(str(path), f"<{name}>")
    return digest(fingerprint, cfg_text, "\n".join(sorted(digests)))


@dataclass
class PageCache:
    """The manifest of the site published at ``out`` (or None), and this build's reuse."""

    fingerprint: str
    previous: PageManifest | None
    out: Path
    reuse: _Reuse | None = None
    intact: dict[str, bool] | None = None  # docs path -> its outputs still as recorded (``check``)
    theme_intact: bool = False

    def check(self) -> None:
        """Check every output the manifest records against the published site, now: before
        the spare tree's files are removed (``SpareTree``), which moves the change time of
        every published file that shares an inode with one of them."""
        prev = self.previous
        if prev is None:
            return
        self.intact = {rel: outputs_intact(self.out, outs) for rel, outs in prev.outputs.items()}
        self.theme_intact = outputs_intact(self.out, prev.theme)


def outputs_intact(out: Path, outputs: list[_Output]) -> bool:
    """Whether every one of ``outputs`` is still in the site at ``out`` as recorded (inode,
    size, modification and change time: a file changed in place is not)."""
    root = f"{out}/"  # strings: a Path per file costs more than its stat
    stat = os.stat
    for dest, _sha, sig in outputs:
        try:
            st = stat(root + dest)
        except OSError:
            return False
        if (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns) != tuple(sig):
            return False
    return True


class SpareTree:
    """The spare folder tree of ``out`` (the site before the published one, kept by the last
    build), its files removed by another process while this one builds the pages and the
    indexes (one core each: at 100,000 pages removing its 190,000 names takes some 10 s, in
    the MkDocs stage before; a thread of this process would wait for the interpreter).  Start
    it only after the published site's outputs were checked (``PageCache.check``,
    ``BuildCache.intact_written``); ``wait`` before the build ends.  The process ends with
    the build, however it ends (``workers.die_with_parent``)."""

    def __init__(self, path: Path):
        self.path = path
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None
        self._job: concurrent.futures.Future[None] | None = None

    def start(self) -> None:
        if not self.path.is_dir():
            return
        from .workers import die_with_parent

        try:
            self._pool = concurrent.futures.ProcessPoolExecutor(
                1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=die_with_parent,
                initargs=(os.getpid(),),
            )
            self._job = self._pool.submit(unlink_files, str(self.path))
        except Exception:  # no process to be had: ``ready`` removes them itself
            self.wait()

    def wait(self) -> bool:
        """Wait for the other process; whether it removed every file."""
        done = False
        if self._job is not None:
            with contextlib.suppress(Exception):
                self._job.result()
                done = True
            self._job = None
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        return done

    def ready(self) -> Path | None:
        """The tree with no file left in it, or None when there is none."""
        done = self.wait()
        if not self.path.is_dir():
            return None
        if not done:
            clear_files(self.path)
        return self.path


def unlink_files(root: str) -> None:
    """Remove every file below ``root`` (and keep the folders)."""
    pending = [root]
    while pending:
        folder = pending.pop()
        with os.scandir(folder) as listing:
            entries = list(listing)
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                pending.append(entry.path)
            else:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)  # noqa: PTH108


def swap_into(built: Path, out: Path, keep: Path | None = None) -> None:
    """Replace ``out`` by ``built`` (two renames on one file system); the previous site
    is moved to ``keep`` (recycled by the next build) or deleted."""
    old = None
    if out.exists():
        if keep is not None:
            if keep.exists():
                shutil.rmtree(keep)
            keep.parent.mkdir(parents=True, exist_ok=True)
            out.rename(keep)
        else:
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
    after_build: Callable[[Path, dict[str, str]], None] | None = None,
    *,
    scanned: dict[str, str] | None = None,
    pages: PageCache | None = None,
    spare: SpareTree | None = None,
) -> list[str]:
    """Build into a staging folder beside ``out``, then swap. Returns MkDocs warnings.

    ``after_build(site_dir, known)`` runs on the staged site before the swap (``known``:
    SHA-256 of files already hashed, for SHA256SUMS).  With ``spare`` (a folder on the
    same file system, e.g. in the build cache), the previous site is moved there instead
    of being deleted, and recycled by the next build."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.staging-", dir=out.parent))
    # what exists now (the records, the pages' Markdown) lives until the site is written:
    # out of the garbage collector's sight, whose full passes over it cost seconds
    gc.freeze()
    try:
        warnings, known = stage_site(
            rendered, config, staging, now, extra_files, scanned=scanned, pages=pages, spare=spare
        )
        if after_build is not None:
            after_build(staging / "site", known)
        if spare is not None:
            remove_empty_dirs(staging / "site")
        swap_into(staging / "site", out, keep=spare.path if spare is not None else None)
        return warnings
    finally:
        release()
        shutil.rmtree(staging, ignore_errors=True)


def remove_leftovers(out: Path) -> None:
    """Staging and old folders of builds of ``out`` that were killed (call under the cache lock)."""
    out = out.resolve()
    if not out.parent.is_dir():
        return
    for leftover in out.parent.glob(f".{glob.escape(out.name)}.*"):
        if leftover.is_dir() and (".staging-" in leftover.name or ".old-" in leftover.name):
            shutil.rmtree(leftover, ignore_errors=True)
