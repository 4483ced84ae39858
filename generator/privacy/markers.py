"""The visible, localised markers that replace removed text, the same site-wide."""

from __future__ import annotations

from functools import lru_cache

from ..i18n import LABELS

__all__ = ["marker", "private_rule"]

# the markers themselves are interface strings: generator/strings.yml, labels: marker:
_MARKERS = LABELS["marker"]

_PRIVATE_KEYS = (
    ("address", ("address", "住址", "addr", "home", "residence", "户籍")),
    ("id-number", ("id_number", "id", "身份证", "id_card", "idcard", "identity")),
    ("phone", ("phone", "mobile", "tel", "电话", "手机")),
    ("bank-card", ("card", "bank", "account", "银行", "账号")),
    ("email", ("email", "mail", "邮箱")),
    ("plate", ("plate", "车牌", "vehicle")),
    ("passport", ("passport", "护照")),
    ("employer", ("employer", "work", "company", "单位", "工作")),
)


@lru_cache(maxsize=4096)  # a site uses a few dozen keys, each for thousands of values
def private_rule(key: str) -> str:
    """The marker family for a declared ``private`` value, from its key."""
    k = key.lower()
    for rule, words in _PRIVATE_KEYS:
        if any(w in k for w in words):
            return rule
    return "private"


def marker(rule: str, lang: str) -> str:
    zh, en = _MARKERS.get(rule, _MARKERS["private"])
    return en if lang == "en" else zh
