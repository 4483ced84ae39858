"""Building blocks of the detectors' regular expressions, written as word lists."""

from __future__ import annotations

import re

__all__ = ["one_of"]


def one_of(words: str) -> str:
    """``"a bc d"`` -> ``(?:a|bc|d)``: the space-separated words as alternatives, tried in
    the order written (put a longer word before its prefix when both may match)."""
    return "(?:" + "|".join(re.escape(w) for w in words.split()) + ")"
