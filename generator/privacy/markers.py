"""The visible, localised markers that replace removed text, the same site-wide."""

from __future__ import annotations

__all__ = ["marker", "private_rule"]

_MARKERS = {
    "id-number": ("〔身份证号码已隐去〕", "[ID number removed]"),
    "mobile": ("〔电话号码已隐去〕", "[phone number removed]"),
    "landline": ("〔电话号码已隐去〕", "[phone number removed]"),
    "phone": ("〔电话号码已隐去〕", "[phone number removed]"),
    "bank-card": ("〔银行卡号已隐去〕", "[card number removed]"),
    "email": ("〔电子邮箱已隐去〕", "[e-mail removed]"),
    "plate": ("〔车牌号码已隐去〕", "[licence plate removed]"),
    "passport": ("〔证件号码已隐去〕", "[document number removed]"),
    "permit": ("〔证件号码已隐去〕", "[document number removed]"),
    "address": ("〔住址已隐去〕", "[address removed]"),
    "employer": ("〔工作单位已隐去〕", "[employer removed]"),
    "private": ("〔个人信息已隐去〕", "[personal data removed]"),
}

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
