"""site_config.yml -> SiteConfig, validated once, every problem reported at once.

Stage: configuration (reads one file).  Unknown keys are errors with a
"did you mean"; paths are resolved against the folder of the file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator

from .errors import BuildError, Problem
from .schema import StaffId, Strict, Text, problems_from_validation
from .yamlsource import YamlError, load_yaml

__all__ = [
    "SiteConfig",
    "PrivacyConfig",
    "ApprovalConfig",
    "StaffIdentity",
    "load_config",
    "find_config",
    "CONFIG_NAME",
]

CONFIG_NAME = "site_config.yml"


def public_contact_problem(value: str) -> str | None:
    """Why a public contact / allowed value is too short to be allowed, or None.

    An allowed value is never redacted wherever it occurs: "0" or "9" would
    switch phone and ID detection off for the whole site."""
    core = "".join(c for c in value if c.isalnum())
    if len(core) < 3:
        return (
            f"{value!r} is too short to be a public contact: an allowed value is kept wherever it "
            "occurs, so a value this short would switch off the detection of phone and ID numbers"
        )
    return None


class PrivacyConfig(Strict):
    allow: list[Text] = Field(default_factory=list)
    block: list[Text] = Field(default_factory=list)
    # (addition) words and place names that contain a party's name but are not it (黄河路)
    not_names: list[Text] = Field(default_factory=list)

    @field_validator("allow")
    @classmethod
    def _long_enough(cls, values: list[str]) -> list[str]:
        for value in values:
            why = public_contact_problem(value)
            if why:
                raise ValueError(why)
        return values


class StaffIdentity(Strict):
    """How git knows an approver: the e-mail of their commits and, optionally, their signing keys."""

    email: Text = Field(min_length=3)
    ssh_keys: list[Text] = Field(default_factory=list)  # public keys, as in ~/.ssh/id_ed25519.pub
    gpg_keys: list[Text] = Field(default_factory=list)  # OpenPGP fingerprints (keys in the checker's keyring)


class ApprovalConfig(Strict):
    """``approval:`` -- with ``verify_git: true`` an approval counts only when git proves it."""

    verify_git: bool = False
    staff: dict[StaffId, StaffIdentity] = Field(default_factory=dict)


class SiteTexts(Strict):
    """(issue 10) ``translations.<lang>``: the site's own texts on the side of another language."""

    site_name: Text = ""
    site_description: Text = ""
    office_name: Text = ""
    copyright: Text = ""
    short_name: Text = ""
    sponsor: Text = ""
    address: Text = ""


class SiteConfig(Strict):
    """The keys of ``site_config.yml`` (contract keys first, then additions)."""

    site_name: Text
    site_url: Text
    language: Literal["zh", "en"] = "zh"
    # (addition, issue 10) the interfaces built into one site: `language` at /, the other under /<lang>/
    languages: list[Literal["zh", "en"]] = Field(default_factory=list)
    translations: dict[Literal["zh", "en"], SiteTexts] = Field(default_factory=dict)
    timezone: Text = "Asia/Shanghai"
    content_dir: Text = "content"
    approvers: list[StaffId] = Field(min_length=1)
    privacy: PrivacyConfig = PrivacyConfig()
    # additions (optional)
    site_description: Text = ""
    office_name: Text = ""
    copyright: Text = ""
    theme_dir: Text = "theme"
    approval: ApprovalConfig = ApprovalConfig()
    # the header on a phone, and the footer a government site must show (政府网站发展指引)
    short_name: Text = ""  # shown instead of site_name where the full name does not fit
    sponsor: Text = ""  # 主办单位
    address: Text = ""  # 地址
    phone: Text = ""  # 联系电话
    icp_number: Text = ""  # ICP 备案号 (linked to beian.miit.gov.cn)
    police_number: Text = ""  # 公安机关备案号 (linked to beian.mps.gov.cn)
    site_code: Text = ""  # 网站标识码

    # resolved, not read from the file
    root: Path = Field(default=Path(), exclude=True)
    source: str = Field(default="site_config.yml", exclude=True)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; expected a name like 'Asia/Shanghai'") from None
        return value

    @field_validator("site_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError(f"expected an absolute URL like 'https://example.org/', got {value!r}")
        return value if value.endswith("/") else value + "/"

    @property
    def site_languages(self) -> tuple[str, ...]:
        """The site's languages, its default (``language``, at /) first."""
        return (self.language, *(x for x in self.languages if x != self.language))

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def content_path(self) -> Path:
        return (self.root / self.content_dir).resolve()

    @property
    def theme_path(self) -> Path:
        return (self.root / self.theme_dir).resolve()


CEILING_ENV = "OPENAFFAIRS_CEILING_DIRECTORIES"


def find_config(start: Path) -> Path | None:
    """``site_config.yml`` in ``start`` or the nearest parent folder holding one (as git finds ``.git``).

    The search never leaves the git work tree it starts in (it stops at the folder holding
    ``.git``), never climbs above the user's home folder when it starts inside it, and never
    looks in a folder named in ``OPENAFFAIRS_CEILING_DIRECTORIES`` (``:``-separated, as git's
    ``GIT_CEILING_DIRECTORIES``) or above it: a stray ``site_config.yml`` in ``/tmp`` or ``/``
    is not taken for the site's.
    """
    start = start.resolve()
    ceilings = {Path(item).resolve() for item in os.environ.get(CEILING_ENV, "").split(os.pathsep) if item}
    try:
        home: Path | None = Path.home().resolve()
    except (RuntimeError, KeyError):
        home = None
    for folder in (start, *start.parents):
        if folder in ceilings:
            return None
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
        if (folder / ".git").exists() or folder == home:
            return None
    return None


def load_config(path: Path) -> SiteConfig:
    """Read and validate ``site_config.yml``; raises BuildError with all problems."""
    shown = _shown(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise BuildError(
            [
                Problem(
                    shown,
                    0,
                    "configuration file not found",
                    "run the command in the site's folder (or a folder below it) or pass --config PATH",
                )
            ]
        ) from None
    except UnicodeDecodeError as exc:
        raise BuildError([Problem(shown, 0, f"not UTF-8 text (byte {exc.start})", "save the file as UTF-8")]) from None
    try:
        data, lines = load_yaml(text)
    except YamlError as exc:
        raise BuildError([Problem(shown, exc.line, exc.message, exc.hint)]) from None
    if not isinstance(data, dict):
        raise BuildError([Problem(shown, 1, "expected a mapping of settings (key: value lines)")])
    try:
        config = SiteConfig.model_validate(data)
    except ValidationError as exc:
        raise BuildError(problems_from_validation(exc, shown, lines, SiteConfig, data)) from None
    root = path.resolve().parent
    config = config.model_copy(update={"root": root, "source": shown})
    problems = []
    if not config.content_path.is_dir():
        problems.append(
            Problem(
                shown,
                lines.line_of(("content_dir",)),
                f"content_dir '{config.content_dir}' is not a folder next to this file",
            )
        )
    if config.approval.verify_git:
        for staff in config.approvers:
            if staff not in config.approval.staff:
                problems.append(
                    Problem(
                        shown,
                        lines.line_of(("approval", "staff")),
                        f"approval.verify_git is true but approver '{staff}' has no entry under approval.staff",
                        f"add '{staff}: {{email: ...}}' (the e-mail of their commits)",
                    )
                )
    if config.languages and (
        len(set(config.languages)) != len(config.languages) or config.language not in config.languages
    ):
        problems.append(
            Problem(
                shown,
                lines.line_of(("languages",)),
                f"languages {config.languages!r} must name each language once and include "
                f"language '{config.language}' (the default, built at /)",
                f"e.g. languages: [{config.language}, {'en' if config.language == 'zh' else 'zh'}]",
            )
        )
    if "theme_dir" in data and not config.theme_path.is_dir():
        problems.append(
            Problem(
                shown,
                lines.line_of(("theme_dir",)),
                f"theme folder '{config.theme_dir}' not found",
                "create it (files in it override the shipped theme), or remove theme_dir",
            )
        )
    if problems:
        raise BuildError(problems)
    return config


def _shown(path: Path) -> str:
    """A path as the user should see it: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
