"""The body tree of plain paragraphs, built without Python-Markdown (issue 13).

Stage: privacy (pure).  The filter judges a body as readers see it: the tree that
``parse_html(sanitise(render_markdown(body)))`` makes (``generator.document``).  Most
bodies are paragraphs of prose only; for them that tree is known in advance -- one
``<p>`` per paragraph holding its lines as written, the paragraphs separated by a
line break -- and ``plain_tree`` builds it directly (about a quarter of the filter's
time was spent in the three passes).

Fail closed: a body qualifies only when it holds nothing that Python-Markdown (with
``MARKDOWN_EXTENSIONS``: tables, attr_list, md_in_html, admonition, def_list,
footnotes, sane_lists), nh3's HTML parser or ``parse_html`` could read as anything
but text; else ``plain_tree`` returns None and the body takes the full path.  Refused:

* anywhere: ``\\ ` * _ [ ] < > & | { }`` (escapes, code, emphasis, links, images,
  footnotes, raw HTML, entities, tables, attribute lists), tabs (expanded by
  Python-Markdown), control characters, line and paragraph separators, surrogates,
  non-characters and the byte-order mark;
* at the start of a line: white space (indented code, and ``strip`` in Python-Markdown
  strips all Unicode white space), ``# = - + : ! >`` (headings, setext underlines,
  rules, lists, definitions, admonitions) and a number followed by ``.`` or ``)``
  (ordered lists);
* at the end of a line: white space (two spaces are a line break).

What remains is text that every one of those passes copies unchanged.
``tests/test_privacy_plain.py`` checks that the tree is the full path's, node for node,
on random texts, on generated records and on every paragraph of the real laws
(``../shared/corpus/laws``); the full path is the reference.
"""

from __future__ import annotations

import re

from ..document import Element, Text

__all__ = ["plain_tree"]

_REFUSED = re.compile(
    "[\\\\`*_\\[\\]<>&|{}\t\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]"
    r"|^(?:[^\S\n]|[#=+\-:!>]|\d+[.)])"
    r"|[^\S\n]$",
    re.M,
)


def plain_tree(body: str) -> Element | None:
    """The tree of ``body`` when it is paragraphs of plain text only, else None."""
    text = body.strip("\n")
    if not text or _REFUSED.search(text):
        return None
    root = Element("")
    children = root.children
    for block in re.split(r"\n\n+", text):
        if children:
            children.append(Text("\n"))
        children.append(Element("p", [], [Text(block)]))
    return root
