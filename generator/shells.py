"""Record pages without MkDocs' per-page cost: the theme rendered once per kind of page.

Stage: writer (used by ``generator.site``, inside its MkDocs run; see
docs/architecture.md, "Record pages from shells").

A record page costs MkDocs two things that do not depend on the page: Python-Markdown
re-parsing HTML that holds no Markdown (our templates' output and the filtered body),
and mkdocs-material's templates around it (the navigation, header and footer are the
same on every record page of a section).  Here, for every *shape* of record page
(section, depth, the theme's options in the front matter, which optional fields are
set), MkDocs renders two shell pages whose per-page values are sentinels; the shell's
HTML becomes a template (literal text and the places of the values).  Each record
page is then the template filled with its own values, its content being exactly what
Python-Markdown would make of it (``html_only``) sanitised as MkDocs' page content
always is (``generator.site.sanitise``).  Pages are written by two worker processes
as they are made (none is held in memory).

Fail closed: a page is made here only when every step is known to be exact --
``html_only`` proves the page is raw HTML only (else MkDocs renders it, in the same
run); the shells' two renderings must agree with the template for both sets of
sentinels (else every page of that shape goes to MkDocs); the page's front matter,
read as MkDocs reads it, must match its shape; and a filled page holding any trace
of a sentinel stops the build.  ``OPENAFFAIRS_PLAIN_RENDER=1`` turns the whole path
off (every page through MkDocs): the tests compare both, byte for byte.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import json
import logging
import multiprocessing
import os
import pickle
import re
import secrets
import tempfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .document import MARKDOWN_EXTENSIONS
from .errors import BuildError, Problem
from .workers import kill_point

__all__ = ["html_only", "Shells", "PLAIN_ENV", "plain_render", "verified_versions"]

PLAIN_ENV = "OPENAFFAIRS_PLAIN_RENDER"
log = logging.getLogger(__name__)


def plain_render() -> bool:
    """``OPENAFFAIRS_PLAIN_RENDER=1``: every page through MkDocs (the reference the tests compare with)."""
    return os.environ.get(PLAIN_ENV, "") not in ("", "0")


# --- what Python-Markdown makes of a page that is raw HTML only -------------------------------

# Every "<" must open a strict tag: a start tag (name, attributes separated by one space,
# values in double quotes without < > ` or a line break: what our templates, markupsafe
# and the body serialiser write) or an end tag without spaces; a "<" that opens anything
# else (a comment, a declaration, a tag written otherwise) matches the last alternative
# and refuses the page.
_TAG = re.compile(
    r"<(?:/([a-zA-Z][a-zA-Z0-9]*)>"
    r"|([a-zA-Z][a-zA-Z0-9]*)((?:[ ]+[a-zA-Z_:][-a-zA-Z0-9_:.]*(?:=\"[^\"<>`\n]*\")?)*)(/?)>"
    r"|)"
)
# every "&" must open an entity with its ";" (html.parser would add one to "&#123x")
_BAD_AMP = re.compile(r"&(?!(?:[a-zA-Z][a-zA-Z0-9]*|#[0-9]+|#[xX][0-9a-fA-F]+);)")
# elements whose content html.parser reads as text (in any Python version): refused
_REFUSED = re.compile(r"</?(?:script|style|textarea|title|xmp|iframe|noembed|noframes|noscript|plaintext)\b", re.I)
# what Python-Markdown's NormalizeWhitespace would change (tabs, CR, its own markers,
# lines of spaces only), NUL, and a line that opens a fenced code block (fenced_code
# looks for them before the HTML is read)
_BAD_TEXT = re.compile("[\t\r\x00\x02\x03]|\n +\n|^(?:~~~|```)", re.M)
# an attribute named markdown (md_in_html would parse the element's content)
_MD_ATTR = re.compile(r"(?<![-\w:.])markdown(?![-\w:.])", re.I)


def html_only(text: str, block_level: frozenset[str]) -> str | None:
    """What Python-Markdown (with the extensions of ``generator.site``) returns for
    ``text`` -- when ``text`` is a sequence of raw HTML blocks and nothing else; None
    when it is anything else (the page then goes through Python-Markdown itself).

    Python-Markdown keeps a raw block (a block-level start tag at the start of a line,
    up to the end tag that closes it, as html.parser's tag stack counts) verbatim, and
    joins consecutive blocks by one line break when they were on the same line or on
    adjacent lines and by one blank line when one or more blank lines were between them
    (verified against Python-Markdown by tests/test_shells.py).  ``block_level``:
    ``Markdown.block_level_elements`` of the configured instance."""
    if _BAD_TEXT.search(text) or _BAD_AMP.search(text) or _REFUSED.search(text):
        return None
    text = text.strip("\n")
    n = len(text)
    if not n or text[0] != "<":
        return None
    check_md = "markdown" in text.lower()
    stack: list[str] = []
    out: list[str] = []
    start = 0  # where the current top-level block began
    expect = 0  # where the next top-level block must begin (when the stack is empty)
    for t in _TAG.finditer(text):
        i = t.start()
        name = t.group(2)
        if not stack:
            # between top-level blocks: the next one starts right here with a block-level tag
            if i != expect or name is None or t.group(4):
                return None
            name = name.lower()
            if name not in block_level or name == "hr":
                return None
        if name is not None:  # a start tag
            if check_md and t.group(3) and _MD_ATTR.search(t.group(3)):
                return None
            if name != "hr" and not t.group(4):  # html.parser's stack: <hr> and <x/> are not pushed
                stack.append(name.lower())
            continue
        end = t.group(1)
        if end is None:
            return None  # a "<" that opens no strict tag
        end = end.lower()
        if end in stack:
            while stack.pop() != end:
                pass
        if not stack:  # the end of a top-level block
            pos = t.end()
            out.append(text[start:pos])
            if pos == n:
                return "".join(out)
            k = pos
            while k < n and text[k] == "\n":
                k += 1
            out.append("\n" if k - pos < 2 else "\n\n")
            start = expect = k
    return None  # a block left open, or text after the last block


# The versions html_only and the shells were verified with (tests/test_shells.py): any
# other version renders every page through MkDocs until verified again.
VERIFIED = {"markdown": ("3.11",), "mkdocs": ("1.6.1",), "mkdocs-material": ("9.7.6",)}
# The Markdown extensions html_only knows (MkDocs' own three first, then generator.site's
# list: toc, the bodies' dialect, generator.cjk; in this order).
KNOWN_EXTENSIONS = tuple(dict.fromkeys(("toc", "tables", "fenced_code", *MARKDOWN_EXTENSIONS, "generator.cjk")))


def verified_versions() -> bool:
    from importlib.metadata import version

    for dist, allowed in VERIFIED.items():
        have = version(dist)
        if not any(have == a or have.startswith(a + ".") for a in allowed):
            return False
    return True


# --- shapes ----------------------------------------------------------------------------------

# Front-matter values a page fills into its shell: strings the theme prints raw (the
# generator escapes them), and docs paths it prints through MkDocs' ``url`` filter.
# Everything else in the front matter is part of the page's shape: its shell is rendered
# with the page's own value.
_RAW = ("title", "description", "oa_date", "oa_head")
_URLS = ("oa_prev", "oa_next")
_ALT_RAW = ("href", "label", "head")


def _fields(meta: dict[str, Any]) -> dict[str, str] | None:
    """The page's values of the fields above that are set (non-empty), by field name
    (``oa_alt.href`` for a key of ``oa_alt``); None when one is not a string."""
    out: dict[str, str] = {}
    alt = meta.get("oa_alt")
    for values, keys, prefix in (
        (meta, (*_RAW, *_URLS), ""),
        (alt if isinstance(alt, dict) else {}, _ALT_RAW, "oa_alt."),
    ):
        for key in keys:
            value = values.get(key)
            if value is None:
                continue
            if not isinstance(value, str):
                return None
            if value:
                out[prefix + key] = value
    return out


def _shape_of(meta: dict[str, Any], parent: str, depth: int, h1: bool) -> str | None:
    """The shape of a page (canonical JSON): where it is (its parent folder, its depth),
    whether its content has an <h1> (mkdocs-material adds one when not), the front-matter
    keys, which of the filled fields are set, and the value of everything else."""
    fields = _fields(meta)
    if fields is None or "title" not in fields:
        return None
    fixed: dict[str, Any] = {}
    for key, value in meta.items():
        if key in _RAW or key in _URLS:
            if key not in fields:
                fixed[key] = value
        elif key == "oa_alt" and isinstance(value, dict):
            fixed[key] = {k: v for k, v in value.items() if f"oa_alt.{k}" not in fields}
        else:
            fixed[key] = value
    return json.dumps(
        {"parent": parent, "depth": depth, "h1": h1, "keys": list(meta), "set": sorted(fields), "fixed": fixed},
        ensure_ascii=False,
        sort_keys=True,
    )


_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*): (.+)")
# characters where YAML's reading of a double-quoted scalar may differ from JSON's (line
# breaks YAML folds, characters it refuses, control characters JSON writes escaped)
_NOT_JSONLIKE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")


# keys YAML 1.1 reads as true, false or null ("no: x" is {False: "x"})
_YAML_WORDS = frozenset({"y", "n", "yes", "no", "true", "false", "on", "off", "null"})


def _plain_json(value: Any) -> bool:
    """Strings, true/false, and lists and objects of them: JSON that YAML reads the same."""
    if isinstance(value, str | bool):
        return True
    if isinstance(value, list):
        return all(_plain_json(v) for v in value)
    if isinstance(value, dict):
        return all(_plain_json(v) for v in value.values())
    return False  # numbers and null: YAML 1.1 reads some of them otherwise


def read_page(text: str) -> tuple[str, dict[str, Any]]:
    """``mkdocs.utils.meta.get_data(text)``: the Markdown and the front matter of a page --
    read as JSON when every line of the front matter is ``key: <JSON>`` as our templates
    write it (YAML reads such a line the same way), else by MkDocs' own function."""
    from mkdocs.utils.meta import YAML_RE, get_data

    m = YAML_RE.match(text)
    if m is None or _NOT_JSONLIKE.search(m.group(1)):
        return get_data(text)
    meta: dict[str, Any] = {}
    for line in m.group(1).split("\n")[:-1]:
        lm = _LINE.fullmatch(line)
        if lm is None or lm.group(1).lower() in _YAML_WORDS:
            return get_data(text)
        try:
            value = json.loads(lm.group(2))
        except ValueError:
            return get_data(text)
        if not _plain_json(value):
            return get_data(text)
        meta[lm.group(1)] = value
    if not meta:
        return get_data(text)
    return text[m.end() :].lstrip("\n"), meta


def _where(rel: str) -> tuple[str, str, int] | None:
    """(parent folder, own folder name, depth) of a page ``<parent>/<name>/index.md``."""
    parts = rel.split("/")
    if len(parts) < 3 or parts[-1] != "index.md":
        return None
    return "/".join(parts[:-2]), parts[-2], len(parts) - 1


# --- templates -------------------------------------------------------------------------------

Template = list[str | tuple[str]]  # literal text, or (field,) where a value goes


def _split(output: str, sentinels: dict[str, str]) -> Template:
    """``output`` cut at every sentinel (longest first)."""
    by_text = {v: k for k, v in sentinels.items()}
    pattern = re.compile("|".join(re.escape(s) for s in sorted(by_text, key=len, reverse=True)))
    out: Template = []
    pos = 0
    for m in pattern.finditer(output):
        out.append(output[pos : m.start()])
        out.append((by_text[m.group(0)],))
        pos = m.end()
    out.append(output[pos:])
    return out


def fill(template: Template, values: dict[str, str]) -> str:
    return "".join(part if isinstance(part, str) else values[part[0]] for part in template)


_UP = re.compile(r"(?:\.\./)+[^\"'\s<>?#]*")


def _forbidden_names(template: Template, shell_url: str, parent: str) -> frozenset[str]:
    """The folder names below ``parent`` that the shell's relative links reach: a page
    named so would get other links (MkDocs makes them relative to the page), so it goes
    to MkDocs."""
    import posixpath

    depth = parent.count("/") + 1
    found = set()
    for part in template:
        if not isinstance(part, str):
            continue
        for m in _UP.finditer(part):
            target = posixpath.normpath(posixpath.join(shell_url, m.group(0))).split("/")
            if len(target) > depth and "/".join(target[:depth]) == parent:
                found.add(target[depth])
    return frozenset(found)


def _url_value(value: str, url: str) -> str:
    """``value | url`` in a template of the page at ``url`` (MkDocs' own function)."""
    from types import SimpleNamespace

    from mkdocs.utils import normalize_url

    return normalize_url(value, page=SimpleNamespace(url=url))  # type: ignore[arg-type]


@dataclass
class _Shape:
    key: str
    meta: dict[str, Any]
    fields: frozenset[str]
    parent: str
    h1: bool
    pages: list[Any] = field(default_factory=list)  # docs paths, then MkDocs File objects
    shells: dict[str, Any] = field(default_factory=dict)  # "a"/"b" -> MkDocs File
    outputs: dict[str, str] = field(default_factory=dict)
    template: Template | None = None
    bad: bool = False


@dataclass
class _Job:
    """What a worker needs: the templates (by shape key), the nonce and the block-level tags."""

    templates: dict[str, tuple[Template, frozenset[str]]]
    nonce: str
    block_level: frozenset[str]
    site_url: str


# docs path, Markdown (UTF-8 to the workers: pickling a str would leave a UTF-8 copy of it
# attached to every page's text in the build's own process), site path, URL, canonical URL, shape
_Item = tuple[str, str | bytes, str, str, str, str]
_Page = tuple[str, str | Callable[[], str], str, str, str, str]  # an _Item whose Markdown may still be in the store


def _read(item: _Page, encode: bool = False) -> _Item:
    """The item with its Markdown (as UTF-8 with ``encode``: a pickled ``str`` leaves a
    UTF-8 copy on the original)."""
    rel, page, dest, url, canonical, key = item
    text = page if isinstance(page, str) else page()
    return (rel, text.encode("utf-8") if encode else text, dest, url, canonical, key)


_Result = tuple[str, str, str | None]  # docs path, site path, SHA-256 (None: refused)

SMALL = 400  # fewer pages than this: made in the build's own process (no workers)
_CHUNK = 200
_MIN_PAGES = 3  # a shape with fewer pages is not worth its two shells


class Shells:
    """The fast path of one MkDocs run; ``generator.site`` calls these from its plugin.

    ``candidates``: docs path -> Markdown of the pages that may take it (not reused), or a
    function that reads it (a page in the page store: read when its shape is found and
    again when it is handed to a worker, so that the pages' Markdown is never all in memory)."""

    def __init__(self, candidates: dict[str, str | Callable[[], str]], workers: int):
        self.candidates = candidates
        self.workers = workers
        self.site_dir = Path()
        self.nonce = secrets.token_hex(8)
        self.shapes: dict[str, _Shape] = {}
        self.shell_of: dict[str, tuple[_Shape, str]] = {}  # shell docs path -> (shape, "a"/"b")
        self.fast: dict[str, Any] = {}  # docs path -> File of the pages made here
        self.hashes: dict[str, str] = {}  # site path -> SHA-256 of the pages written here
        self.block_level: frozenset[str] = frozenset()
        self.pending: list[concurrent.futures.Future[list[_Result]]] = []
        self.raw: dict[str, str] = {}  # docs path -> content of a page whose Markdown is skipped
        self.feeder: threading.Thread | None = None
        self.feeder_error: BaseException | None = None
        self.stop = threading.Event()
        self.results: list[_Result] = []
        self.pool: concurrent.futures.ProcessPoolExecutor | None = None
        self.job_path: Path | None = None
        self.enabled = not plain_render()
        self.site_url = ""
        self.started = False
        if self.enabled and workers > 1 and len(candidates) >= SMALL:
            # started now: the workers import while MkDocs reads the other pages
            self.pool = concurrent.futures.ProcessPoolExecutor(
                workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_worker_init,
                initargs=(os.getpid(),),
            )
            for _ in range(workers):
                self.pool.submit(_warm)

    # MkDocs events ------------------------------------------------------------------------

    def on_config(self, config: Any) -> None:
        names = [ext if isinstance(ext, str) else type(ext).__module__ for ext in config["markdown_extensions"]]
        if tuple(names) != KNOWN_EXTENSIONS or not verified_versions():
            self.enabled = False
            return
        self.site_dir = Path(config["site_dir"])
        base = config["site_url"] or ""
        self.site_url = base if not base or base.endswith("/") else base + "/"
        import markdown

        md = markdown.Markdown(extensions=config["markdown_extensions"], extension_configs=config["mdx_configs"])
        self.block_level = frozenset(md.block_level_elements)

    def on_files(self, files: Any, config: Any) -> Any:
        """Group the candidates by shape; add two shell pages for every shape (first, so
        that MkDocs renders them before the other pages)."""
        if not self.enabled:
            return files
        from mkdocs.structure.files import File, Files

        for rel, page in self.candidates.items():
            text = page if isinstance(page, str) else page()
            where = _where(rel)
            meta = read_page(text)[1] if where is not None else None
            if where is None or not meta:
                continue
            parent, _, depth = where
            h1 = "<h1" in text
            key = _shape_of(meta, parent, depth, h1)
            if key is None:
                continue
            shape = self.shapes.get(key)
            if shape is None:
                fields = _fields(meta) or {}
                shape = self.shapes[key] = _Shape(key, meta, frozenset(fields), parent, h1)
            shape.pages.append(rel)
        self.shapes = {k: s for k, s in self.shapes.items() if len(s.pages) >= _MIN_PAGES}
        shells = []
        for n, shape in enumerate(self.shapes.values()):
            for probe in ("a", "b"):
                rel = f"{shape.parent}/_oa-shell-{self.nonce}-{n}{probe}/index.md"
                f = File.generated(config, rel, content=self._shell_markdown(shape, probe))
                shells.append(f)
                shape.shells[probe] = f
                self.shell_of[rel] = (shape, probe)
        if not shells:
            return files
        return Files([*shells, *files])

    def on_nav(self, nav: Any, files: Any) -> None:
        """Take the candidates that are not in the navigation (MkDocs renders those: their
        navigation marks them)."""
        if not self.enabled:
            return
        in_nav = {id(p) for p in nav.pages}
        for shape in self.shapes.values():
            taken = []
            for rel in shape.pages:
                f = files.get_file_from_path(rel)
                if f is None or f.page is None or id(f.page) in in_nav or f.page.parent is not None:
                    continue
                f.is_modified = _never_modified
                self.fast[rel] = f
                taken.append(f)
            shape.pages = taken

    def on_page_markdown(self, markdown: str, page: Any) -> str:
        """A page MkDocs renders itself skips Python-Markdown too when ``html_only`` knows
        what Python-Markdown would make of it (its content is put back, sanitised, in
        ``on_page_content``; the table of contents and title Markdown would find in raw
        HTML are empty either way)."""
        if not self.enabled or page.file.src_uri in self.shell_of:
            return markdown
        html = html_only(markdown, self.block_level)
        if html is None:
            return markdown
        self.raw[page.file.src_uri] = html
        return ""

    def on_page_content(self, html: str, page: Any) -> str:
        raw = self.raw.pop(page.file.src_uri, None)
        if raw is not None:
            from .site import sanitise

            return sanitise(raw)  # (generator.site's plugin sanitised the empty page before)
        shell = self.shell_of.get(page.file.src_uri)
        if shell is None:
            return html
        shape, probe = shell
        if page.meta != self._shell_meta(shape, probe):  # MkDocs read the shell as written
            shape.bad = True
        return self._content(shape, probe)

    def on_post_page(self, output: str, page: Any) -> str:
        """A shell's output is kept (and not written); when the last shell is in, the
        workers start on the pages."""
        shell = self.shell_of.get(page.file.src_uri)
        if shell is None:
            return output
        shape, probe = shell
        shape.outputs[probe] = output
        if all(len(s.outputs) == 2 for s in self.shapes.values()):
            self._start()
        return ""

    def on_post_build(self, render: Callable[[Any], None]) -> None:
        """Wait for the pages; a page the fast path refused is rendered by MkDocs now
        (``render``: MkDocs' own populate and build of one page)."""
        if not self.enabled or not self.fast:
            return
        self._start()
        if self.feeder is not None:
            self.feeder.join()
            if self.feeder_error is not None:
                raise self.feeder_error
        kill_point("shell-workers")  # tests: a build killed with its workers alive
        for fut in self.pending:
            self.results.extend(fut.result())
        refused = []
        for rel, dest, sha in self.results:
            if sha is None:
                refused.append(rel)
            else:
                self.hashes[dest] = sha
        for rel in sorted(refused):
            f = self.fast.pop(rel)
            del f.is_modified  # MkDocs' own again
            render(f)
        log.info(
            "shells: %d shapes, %d pages made from shells, %d refused (rendered by MkDocs)",
            len(self.shapes),
            len(self.hashes),
            len(refused),
        )

    def close(self) -> None:
        self.stop.set()
        if self.feeder is not None:
            self.feeder.join()
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
        if self.job_path is not None:
            self.job_path.unlink(missing_ok=True)

    # shells ---------------------------------------------------------------------------------

    def _token(self, name: str, probe: str) -> str:
        return f"oa{self.nonce}{probe}{name.replace('.', '').replace('_', '')}z"

    def _sentinel(self, name: str, probe: str, parent: str) -> str:
        token = self._token(name, probe)
        if name in _URLS:
            return f"{parent}/{token}/"  # a docs path next to the shell
        if probe == "a":
            return token
        # the second probe: what a transformation would show (escaping, stripping tags, spaces)
        return f"<i>&amp;&lt;\"'中文 {token}  \n</i>"

    def _shell_meta(self, shape: _Shape, probe: str) -> dict[str, Any]:
        meta: dict[str, Any] = {}
        for key, value in shape.meta.items():
            if key in shape.fields:
                meta[key] = self._sentinel(key, probe, shape.parent)
            elif key == "oa_alt" and isinstance(value, dict):
                meta[key] = {
                    k: self._sentinel(f"oa_alt.{k}", probe, shape.parent) if f"oa_alt.{k}" in shape.fields else v
                    for k, v in value.items()
                }
            else:
                meta[key] = value
        return meta

    def _shell_markdown(self, shape: _Shape, probe: str) -> str:
        lines = [f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in self._shell_meta(shape, probe).items()]
        return "---\n" + "\n".join(lines) + "\n---\n\n<p>shell</p>\n"

    def _content(self, shape: _Shape, probe: str) -> str:
        token = self._sentinel("content", probe, shape.parent)
        return f"<h1>{token}</h1>" if shape.h1 else f"<p>{token}</p>"

    def _values(self, shape: _Shape, probe: str) -> dict[str, str]:
        """What the shell ``probe`` has for every filled field (as a page gives them)."""
        page = shape.shells[probe].page
        meta = self._shell_meta(shape, probe)
        fields = _fields(meta) or {}
        return _page_values(fields, self._content(shape, probe), page.url, page.canonical_url or "")

    def _template(self, shape: _Shape) -> Template | None:
        """The shell's template, when both probes agree with it."""
        a, b = shape.outputs.get("a", ""), shape.outputs.get("b", "")
        if not a or not b or shape.bad:
            return None
        va, vb = self._values(shape, "a"), self._values(shape, "b")
        for v in (va, vb):
            if v["canonical"] and v["canonical"] != self.site_url + v["url"]:
                return None
        template = _split(a, {k: v for k, v in va.items() if v})
        for part in template:
            if isinstance(part, str) and self.nonce in part:
                return None  # a sentinel the theme changed: not a plain substitution
        if fill(template, vb) != b:
            return None
        return template

    def _start(self) -> None:
        if self.started:
            return
        self.started = True
        templates: dict[str, tuple[Template, frozenset[str]]] = {}
        items: list[_Page] = []
        for shape in self.shapes.values():
            shape.template = self._template(shape)
            if shape.template is None:
                self.results += [(f.src_uri, f.dest_uri, None) for f in shape.pages]
                continue
            shell_url = shape.shells["a"].page.url
            templates[shape.key] = (shape.template, _forbidden_names(shape.template, shell_url, shape.parent))
            for f in shape.pages:
                text = self.candidates[f.src_uri]
                items.append((f.src_uri, text, f.dest_uri, f.page.url, f.page.canonical_url or "", shape.key))
        self.candidates = {}
        items.sort()
        job = _Job(templates, self.nonce, self.block_level, self.site_url)
        if self.pool is None:
            self.results += _render_pages(job, str(self.site_dir), (_read(item) for item in items))
            return
        fd, name = tempfile.mkstemp(prefix="shells-", suffix=".pickle", dir=self.site_dir.parent)
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(job, fh, protocol=pickle.HIGHEST_PROTOCOL)
        self.job_path = Path(name)
        self.feeder = threading.Thread(target=self._feed, args=(name, items), name="shells-feeder", daemon=True)
        self.feeder.start()

    def _feed(self, job_path: str, items: list[_Page]) -> None:
        """Hand the pages to the workers a few chunks at a time (only those in flight are
        copied), while MkDocs renders the other pages."""
        assert self.pool is not None
        slots = threading.Semaphore(2 * self.workers)
        try:
            for i in range(0, len(items), _CHUNK):
                while not slots.acquire(timeout=0.2):
                    if self.stop.is_set():
                        return
                if self.stop.is_set():
                    return
                chunk: list[_Item] = [_read(item, encode=True) for item in items[i : i + _CHUNK]]
                items[i : i + _CHUNK] = [None] * len(chunk)  # type: ignore[list-item]  # handed over: not kept
                fut = self.pool.submit(_render_chunk, job_path, str(self.site_dir), chunk)
                fut.add_done_callback(lambda _f: slots.release())
                self.pending.append(fut)
        except BaseException as exc:  # re-raised by on_post_build
            self.feeder_error = exc


def _never_modified() -> bool:
    return False


def _page_values(fields: dict[str, str], content: str, url: str, canonical: str) -> dict[str, str]:
    """Every value a page fills into its shell: its fields (``| url`` applied where the
    theme applies it), its content, URL and canonical URL."""
    values = {"content": content, "url": url, "canonical": canonical}
    for key, value in fields.items():
        values[key] = _url_value(value, url) if key in _URLS else value
    return values


# --- the workers ---------------------------------------------------------------------------------

_JOBS: dict[str, _Job] = {}


def _warm() -> None:
    """A worker's imports, before the first pages arrive."""
    from mkdocs.utils import meta  # noqa: F401

    from . import site  # noqa: F401


def _worker_init(parent: int) -> None:
    from .workers import die_with_parent

    die_with_parent(parent)


def _render_chunk(job_path: str, site_dir: str, items: list[_Item]) -> list[_Result]:
    job = _JOBS.get(job_path)
    if job is None:
        with Path(job_path).open("rb") as fh:
            job = _JOBS[job_path] = pickle.load(fh)
    return _render_pages(job, site_dir, items)


def _render_pages(job: _Job, site_dir: str, items: Iterable[_Item]) -> list[_Result]:
    """Make and write the pages; a page refused (None for its SHA-256) is left to MkDocs."""
    from .site import sanitise

    out: list[_Result] = []
    for rel, raw, dest, url, canonical, key in items:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        template, forbidden = job.templates[key]
        data = _render_one(job, template, forbidden, key, rel, text, url, canonical, sanitise)
        if data is None:
            out.append((rel, dest, None))
            continue
        target = Path(site_dir, dest)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)  # a new file (the staging site holds no links yet)
        out.append((rel, dest, hashlib.sha256(data).hexdigest()))
    return out


def _render_one(
    job: _Job,
    template: Template,
    forbidden: frozenset[str],
    key: str,
    rel: str,
    text: str,
    url: str,
    canonical: str,
    sanitise: Callable[[str], str],
) -> bytes | None:
    where = _where(rel)
    if where is None or where[1] in forbidden or (canonical and canonical != job.site_url + url):
        return None
    parent, _, depth = where
    markdown, meta = read_page(text)  # as MkDocs reads it
    html = html_only(markdown, job.block_level)
    if html is None:
        return None
    content = sanitise(html)  # as generator.site's plugin does with every page's content
    if _shape_of(meta, parent, depth, "<h1" in content) != key:
        return None
    fields = _fields(meta)
    if fields is None:
        return None
    page = fill(template, _page_values(fields, content, url, canonical))
    if job.nonce in page:
        raise BuildError(
            [
                Problem(
                    rel,
                    0,
                    "a placeholder of the page shell was left in the page (nothing was published)",
                    f"build with {PLAIN_ENV}=1 and report this as a bug of generator/shells.py",
                )
            ]
        )
    return page.encode("utf-8", errors="xmlcharrefreplace")  # as MkDocs writes a page
