"""What ``openaffairs review`` shows of a record: its texts as they will be
published, each located in the source (line numbers) with every replacement
marked.  Built by the filter when it runs in review mode (``review_record``);
this module only shapes the filtered document tree into numbered lines and
holds no unfiltered value."""

from __future__ import annotations

from dataclasses import dataclass

from ..approval import Decision, Outcome
from ..document import BLOCK_TAGS, Element, Text
from ..errors import Problem
from .attachments import AttachmentScan
from .public import Redaction

Span = tuple[int, int]

__all__ = ["Review", "ReviewFile", "ReviewText", "node_lines", "review_body"]


@dataclass(frozen=True)
class ReviewText:
    """One text of a record as it will be published, for ``openaffairs review``."""

    label: str  # "title", "summary", "tags[0]", "parties[2].name", "body", ...
    line: int  # where it starts in the source file
    text: str  # filtered
    spans: tuple[Span, ...]  # (start, end) in ``text`` of every replacement (pseudonym or marker)
    same_lines: bool = True  # line i of ``text`` is line ``line + i`` of the source
    line_numbers: tuple[int, ...] = ()  # the source line of each line of ``text`` (the body)


@dataclass(frozen=True)
class ReviewFile:
    field: str  # attachments | forms
    line: int
    href: str  # the published path (file name filtered)
    title: str  # filtered
    scan: AttachmentScan


@dataclass(frozen=True)
class Review:
    """One record filtered as if it were published (``review_record``); no unmasked value."""

    source_path: str
    decision: Decision
    as_if_published: bool
    outcome: Outcome
    texts: tuple[ReviewText, ...]
    files: tuple[ReviewFile, ...]
    redactions: list[Redaction]
    problems: list[Problem]
    warnings: list[Problem] = ()  # type: ignore[assignment]


def node_lines(nodes: list[tuple[int, Text]], source: str, first_line: int) -> list[tuple[int, Text, int]]:
    """(offset, node, source line) for each text node: found by searching its first
    characters in the source, in order (rendering keeps the order of the text)."""
    out: list[tuple[int, Text, int]] = []
    cursor = 0
    line = first_line
    for start, node in nodes:
        text = node.text.strip()
        probes = [text[:6], text[:3], text[:1]] if text else []
        if text:  # entities and comments break up the text of the source
            probes += [f"&#{ord(text[0])};", f"&#x{ord(text[0]):x};", f"&#x{ord(text[0]):X};"]
        for probe in probes:
            at = source.find(probe, cursor)
            if at != -1:
                line = first_line + source.count("\n", 0, at)
                cursor = at
                break
        out.append((start, node, line))
    return out


def review_body(
    root: Element, replaced: dict[int, list[Span]], node_lines: list[tuple[int, Text, int]], first_line: int
) -> ReviewText:
    """The filtered body as text for review: one line per block and per soft line break,
    each numbered with its line in the source, replacements located."""
    line_of = {id(node): line for _, node, line in node_lines}
    out: list[str] = []
    spans: list[Span] = []
    numbers: list[int] = []
    state = {"pos": 0, "pending": True}

    def walk(el: Element) -> None:
        for c in el.children:
            if isinstance(c, Text):
                if not c.text.strip() and state["pending"]:
                    continue
                line = line_of.get(id(c), numbers[-1] if numbers else first_line)
                text = c.text.lstrip("\n") if state["pending"] else c.text
                lead = len(c.text) - len(text)
                if state["pending"]:
                    if out:
                        out.append("\n")
                        state["pos"] += 1
                    numbers.append(line + c.text.count("\n", 0, lead))
                    state["pending"] = False
                base = state["pos"] - lead
                for a, b in replaced.get(id(c), []):
                    spans.append((base + a, base + b))
                for _k in range(text.count("\n")):
                    numbers.append(numbers[-1] + 1)
                out.append(text)
                state["pos"] += len(text)
                continue
            if c.tag in BLOCK_TAGS or c.tag == "br":
                state["pending"] = True
            walk(c)
            if c.tag in BLOCK_TAGS:
                state["pending"] = True

    walk(root)
    return ReviewText("body", first_line, "".join(out), tuple(spans), False, tuple(numbers))
