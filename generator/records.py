"""Typed records, one model per content type, as staff write them.

Stage: the content model (``../shared/spec/content-model.md``).  Closed value
sets are ``Literal`` types; dates are parsed strictly in the site's time zone; unknown
fields are errors.  These models hold UNFILTERED data: only ``privacy`` may
turn them into something a renderer sees.
"""

from __future__ import annotations

import datetime as dt
from pathlib import PurePosixPath
from typing import ClassVar, Literal

from pydantic import Field, PositiveInt, model_validator

from .config import public_contact_problem
from .schema import Date, DateOrDateTime, DateTime, Ident, OptText, Scalar, StaffId, Strict, Text

__all__ = [
    "Status",
    "Category",
    "Role",
    "Kind",
    "Validity",
    "EventStatus",
    "Change",
    "Party",
    "PrivacyExemption",
    "Attachment",
    "Record",
    "Disclosure",
    "Regulation",
    "OpenDay",
    "Guide",
    "Page",
    "RECORD_TYPES",
    "TYPE_NAMES",
]


# Ids of other records of the site (a model's REFERENCE_FIELDS; validation checks that each exists).
References = list[Ident]

# The closed vocabularies of the front matter (their labels: generator/strings.yml).
# Where a record stands in the approval workflow (only ``approved`` is published).
Status = Literal["draft", "review", "approved", "withdrawn"]
# What kind of disclosure a record is (the listing and its archive page).
Category = Literal["case-procedure", "case-decision", "legal-document", "work-report", "announcement", "press-release"]
# A party's role in the case; decides whether the name is anonymised.
Role = Literal[
    "defendant", "suspect", "victim", "witness", "appraiser", "complainant", "guardian", "lawyer", "official", "other"
]
# The legal force of a regulation (效力级别).
Kind = Literal[
    "law",
    "administrative-regulation",
    "judicial-interpretation",
    "departmental-rule",
    "normative-document",
    "local-regulation",
]
# Whether a regulation is in force (时效性).
Validity = Literal["in-force", "amended", "repealed", "not-yet-effective"]
# The state of an open day, shown on its page and in the calendar.
EventStatus = Literal["scheduled", "full", "postponed", "cancelled"]


class Change(Strict):
    date: Date
    note: Text
    minor: bool = False  # addition: a minor change gets no feed entry


class Party(Strict):
    name: Text = Field(min_length=1)
    role: Role
    minor: bool = False
    public: bool = False
    aliases: list[Text] = Field(default_factory=list)
    private: dict[str, Scalar] = Field(default_factory=dict)


class Attachment(Strict):
    file: Text = Field(min_length=1)
    title: Text


class PrivacyExemption(Strict):
    """A reviewed exemption from ``privacy.block`` for terms of one record (addition, issue 8):
    ``privacy: {allow_terms: [内部资料性出版物], approved_by: li.wei}``.  A block string
    inside one of these terms is not reported; state-secret markings never are exempt."""

    allow_terms: list[Text] = Field(min_length=1)
    approved_by: StaffId


class Record(Strict):
    """Fields common to every record."""

    TYPE: ClassVar[str] = ""
    # fields that name regulations (checked for existence) and fields that list files
    REFERENCE_FIELDS: ClassVar[tuple[str, ...]] = ()
    FILE_FIELDS: ClassVar[tuple[str, ...]] = ()
    id: Ident
    title: Text = Field(min_length=1)
    lang: OptText = None
    # (addition, issue 10) the id of the same record in the site's other language (same type)
    translation_of: Ident | None = None
    status: Status
    author: StaffId
    approved_by: StaffId | None = None
    approved_on: Date | None = None
    publish_on: DateOrDateTime | None = None
    withdrawn_on: Date | None = None
    withdrawn_reason: OptText = None
    summary: OptText = None
    tags: list[Text] = Field(default_factory=list)
    changes: list[Change] = Field(default_factory=list)
    privacy: PrivacyExemption | None = None

    # where the record came from; set by validation, never read from YAML
    source_path: str = Field(default="", exclude=True)
    body: str = Field(default="", exclude=True)
    body_line: int = Field(default=1, exclude=True)

    @model_validator(mode="after")
    def _common_rules(self) -> Record:
        if self.lang is not None and self.lang not in ("zh", "en"):
            raise ValueError(f"field 'lang': expected 'zh' or 'en', got {self.lang!r}")
        if self.status == "approved" and (self.approved_by is None or self.approved_on is None):
            missing = "approved_by" if self.approved_by is None else "approved_on"
            raise ValueError(f"field 'status' is 'approved' but '{missing}' is missing")
        if self.status == "withdrawn" and (self.withdrawn_on is None or not self.withdrawn_reason):
            missing = "withdrawn_on" if self.withdrawn_on is None else "withdrawn_reason"
            raise ValueError(f"field 'status' is 'withdrawn' but '{missing}' is missing")
        return self

    @property
    def url(self) -> str:
        return f"/{self.TYPE}/{self.id}/"

    @property
    def sort_date(self) -> dt.date | None:
        return None

    def references(self) -> dict[str, list[str]]:
        """Field name -> regulation ids this record points at (checked for existence)."""
        return {name: list(getattr(self, name)) for name in self.REFERENCE_FIELDS}

    def files(self) -> list[tuple[str, Attachment]]:
        """(field name, attachment) pairs whose files must exist."""
        return [(name, a) for name in self.FILE_FIELDS for a in getattr(self, name)]

    @property
    def directory(self) -> PurePosixPath:
        return PurePosixPath(self.source_path).parent


class Disclosure(Record):
    TYPE: ClassVar[str] = "disclosures"
    REFERENCE_FIELDS: ClassVar[tuple[str, ...]] = ("legal_basis",)
    FILE_FIELDS: ClassVar[tuple[str, ...]] = ("attachments",)
    category: Category
    date: Date
    case_number: OptText = None
    department: OptText = None
    parties: list[Party] = Field(default_factory=list)
    legal_basis: References = Field(default_factory=list)
    attachments: list[Attachment] = Field(default_factory=list)

    @property
    def sort_date(self) -> dt.date:
        return self.date


class Regulation(Record):
    TYPE: ClassVar[str] = "regulations"
    REFERENCE_FIELDS: ClassVar[tuple[str, ...]] = ("amends", "amended_by", "repeals", "repealed_by")
    kind: Kind
    issuer: Text | list[Text]
    doc_number: OptText = None
    issued: Date
    effective: Date | None = None
    validity: Validity
    amends: References = Field(default_factory=list)
    amended_by: References = Field(default_factory=list)
    repeals: References = Field(default_factory=list)
    repealed_by: References = Field(default_factory=list)
    source: OptText = None

    @property
    def issuers(self) -> list[str]:
        return [self.issuer] if isinstance(self.issuer, str) else list(self.issuer)

    @property
    def sort_date(self) -> dt.date:
        return self.issued

    @model_validator(mode="after")
    def _dates(self) -> Regulation:
        if self.effective is not None and self.effective < self.issued:
            raise ValueError("field 'effective' is before 'issued'")
        if self.source is not None and not self.source.startswith(("https://", "http://")):
            raise ValueError(f"field 'source': expected a URL starting with https://, got {self.source!r}")
        return self


class Location(Strict):
    name: Text
    address: Text


class Registration(Strict):
    opens: DateOrDateTime | None = None
    closes: DateOrDateTime | None = None
    method: OptText = None
    contact: Scalar | None = None
    url: OptText = None

    @model_validator(mode="after")
    def _contact_long_enough(self) -> Registration:
        _contact(self.contact, "contact")
        return self


class AgendaItem(Strict):
    time: Scalar
    item: Text


class OpenDay(Record):
    TYPE: ClassVar[str] = "open-days"
    start: DateTime
    end: DateTime
    location: Location
    capacity: PositiveInt | None = None
    registration: Registration | None = None
    event_status: EventStatus = "scheduled"
    audience: OptText = None
    agenda: list[AgendaItem] = Field(default_factory=list)

    @property
    def sort_date(self) -> dt.date:
        return self.start.date()

    @model_validator(mode="after")
    def _order(self) -> OpenDay:
        if self.end <= self.start:
            raise ValueError("field 'end' must be after 'start'")
        reg = self.registration
        if reg and reg.opens and reg.closes and reg.closes < reg.opens:
            raise ValueError("field 'registration.closes' is before 'registration.opens'")
        return self


def _contact(value: str | None, field_name: str) -> str | None:
    if value is not None:
        why = public_contact_problem(str(value))
        if why:
            raise ValueError(f"field '{field_name}': {why}")
    return value


class Office(Strict):
    name: Text
    address: OptText = None
    hours: OptText = None
    phone: Scalar | None = None

    @model_validator(mode="after")
    def _phone(self) -> Office:
        _contact(self.phone, "phone")
        return self


class Guide(Record):
    TYPE: ClassVar[str] = "guides"
    REFERENCE_FIELDS: ClassVar[tuple[str, ...]] = ("legal_basis",)
    FILE_FIELDS: ClassVar[tuple[str, ...]] = ("forms",)
    service: Ident
    eligibility: list[Text] = Field(default_factory=list)
    required_documents: list[Text] = Field(default_factory=list)
    steps: list[Text] = Field(default_factory=list)
    offices: list[Office] = Field(default_factory=list)
    time_limit: OptText = None
    fee: OptText = None
    legal_basis: References = Field(default_factory=list)
    forms: list[Attachment] = Field(default_factory=list)


class Page(Record):
    TYPE: ClassVar[str] = "pages"
    nav_order: int = 100
    # (addition, issue 10) a directory of reception points and contacts, as structured
    # content: the same shape as a guide's offices; phone numbers must be in privacy.allow
    offices: list[Office] = Field(default_factory=list)


RECORD_TYPES: dict[str, type[Record]] = {cls.TYPE: cls for cls in (Disclosure, Regulation, OpenDay, Guide, Page)}
# The one list of record types, in the order listings, exports and feeds show them.
TYPE_NAMES: tuple[str, ...] = tuple(RECORD_TYPES)
