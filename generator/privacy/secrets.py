"""State-secret markings and ``privacy.block`` strings: these stop the build.

No rule may "fix" a marked text; a person must decide.  Patterns follow the
marking forms of the 保守国家秘密法 (绝密★, 机密★长期, 秘密★10年) and the
office's own "internal" markings.
"""

from __future__ import annotations

import re
from typing import Sequence

__all__ = ["find_markings"]

_MARKINGS = re.compile(
    r"(?<!商业)绝密|(?<!商业)机密"
    r"|秘密\s*[★☆*＊]|秘密\s*[（(]?\s*[0-9０-９一二三四五六七八九十]+\s*(?:年|个月)"
    r"|内部\s*[★☆*＊]|内部(?:资料|文件|材料|使用|参考|刊物|传阅)|[（(〔【\[]\s*内部\s*[）)〕】\]]"
)


def find_markings(text: str, block: Sequence[str]) -> list[tuple[int, str]]:
    """(offset, what) for every marking in ``text``."""
    found = [(m.start(), m.group(0).strip()) for m in _MARKINGS.finditer(text)]
    for word in block:
        start = text.find(word)
        while word and start != -1:
            found.append((start, word))
            start = text.find(word, start + 1)
    return sorted(set(found))
