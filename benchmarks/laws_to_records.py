"""Turn a tree of real law texts into OpenAffairs regulation records (issue 8).

    python benchmarks/laws_to_records.py [LAWS_DIR] --out SITE_DIR [--config-from site_config.yml]

LAWS_DIR (default: $OPENAFFAIRS_LAWS, else ../shared/corpus/laws from the
repository root) holds Markdown files in the format of the public law-text
projects (LawRefBook/Laws, texts from 国家法律法规数据库 flk.npc.gov.cn), one
law per file, in folders by branch of law::

    # 中华人民共和国刑事诉讼法
    # 副标题 (optional; e.g. the parts of the 民法典)

    1979年7月1日 第五届全国人民代表大会第二次会议通过
    2018年10月26日 第十三届全国人民代表大会常务委员会第六次会议……第三次修正

    <!-- INFO END -->

    ## 第一编 总则
    ### 第一章 任务和基本原则
    第一条 为了……

Files named ``_index.md`` are folder descriptions and are skipped.  SITE_DIR
gets ``site_config.yml`` (the office settings of ``--config-from``, default the
repository's sample ``site_config.yml``, with ``privacy.block`` emptied unless
``--keep-block``) and ``content/regulations/<id>.md``, one per law:

* ``title``: the ``#`` heading (and the subtitle, if any); ``tags``: the folder;
* ``kind``: ``administrative-regulation`` in a folder named 行政法规 (or when the
  text was promulgated by 国务院令), else ``law``;
* ``issuer``: from the event lines (全国人民代表大会常务委员会, 全国人民代表大会,
  国务院), else from the kind;
* ``issued``: the date in the file name (``刑事诉讼法(2018-10-26).md``: the date of
  the version), else the latest event that is no 施行; ``effective``: the latest
  ``施行`` date not before ``issued``;
* versions: files with the same title are versions of one law; the older ones
  get ``validity: amended`` and ``amended_by`` the next, the newer ``amends``
  the previous one (a version timeline on the regulation page);
* ``changes``: every event line (date and what happened), as written;
* the body: everything after ``<!-- INFO END -->``, exactly as written.

The approval fields are those of a benchmark (``author: converter``,
``approved_by``: the first approver of the configuration): an office still
reviews each text before it publishes it.  A file that cannot be converted is
reported as ``path:line: problem`` and the exit status is 1.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import re
import shutil
import sys
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent

_EVENT = re.compile(r"^\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*(.*?)\s*$")
_NAME_DATE = re.compile(r"[(（](\d{4})-(\d{2})-(\d{2})[)）]")
_INFO_END = "<!-- INFO END -->"


@dataclass
class Law:
    path: Path
    rel: str
    title: str
    folder: str
    events: list[tuple[dt.date, str]]
    body: str
    body_line: int
    name_date: dt.date | None
    kind: str = "law"
    issuer: str = ""
    issued: dt.date | None = None
    effective: dt.date | None = None
    id: str = ""
    amends: list[str] = field(default_factory=list)
    amended_by: list[str] = field(default_factory=list)


class ConvertError(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line


def default_laws_dir() -> Path:
    env = os.environ.get("OPENAFFAIRS_LAWS")
    return Path(env) if env else REPO.parent / "shared" / "corpus" / "laws"


def _date(y: str, m: str, d: str) -> dt.date | None:
    try:
        return dt.date(int(y), int(m), int(d))
    except ValueError:
        return None


def parse_law(path: Path, root: Path) -> Law:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConvertError(1, f"not UTF-8 text (invalid byte 0x{exc.object[exc.start]:02x})") from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    end = next((i for i, line in enumerate(lines) if line.strip() == _INFO_END), None)
    head = lines if end is None else lines[:end]
    titles = [(i, line.lstrip("#").strip()) for i, line in enumerate(head) if re.match(r"#\s", line)]
    if end is None:
        # no INFO END: the head is the title and the event lines right after it
        j = titles[0][0] + 1 if titles else 0
        while j < len(lines) and (not lines[j].strip() or _EVENT.match(lines[j])):
            j += 1
        head, end = lines[:j], j - 1
        titles = titles[:1]
    if not titles or not titles[0][1]:
        raise ConvertError(1, "no title: the file must start with a line '# 标题'")
    title = titles[0][1]
    if len(titles) > 1 and titles[1][1]:
        title = f"{title} {titles[1][1]}"
    events = []
    for i, line in enumerate(head):
        m = _EVENT.match(line)
        if m:
            when = _date(*m.groups()[:3])
            if when is None:
                raise ConvertError(i + 1, f"impossible date in '{line.strip()}'")
            events.append((when, m.group(4)))
    nd = _NAME_DATE.search(path.name)
    name_date = _date(*nd.groups()) if nd else None
    if nd and name_date is None:
        raise ConvertError(1, f"impossible date in the file name '{path.name}'")
    body = "\n".join(lines[end + 1 :]).strip("\n") + "\n"
    body_line = end + 2
    rel = path.relative_to(root).as_posix()
    folder = path.parent.relative_to(root).as_posix() if path.parent != root else ""
    return Law(path, rel, title, folder, events, body, body_line, name_date)


def _issuer(law: Law) -> str:
    for _when, what in law.events:
        if "国务院" in what and ("令" in what or "公布" in what or "发布" in what):
            return "国务院"
    for _when, what in law.events:
        if "常务委员会" in what:
            return "全国人民代表大会常务委员会"
        if "全国人民代表大会" in what:
            return "全国人民代表大会"
    return "国务院" if law.kind == "administrative-regulation" else "全国人民代表大会常务委员会"


def _ascii_id(law: Law, taken: set[str]) -> str:
    prefix = "ar" if law.kind == "administrative-regulation" else "law"
    digest = hashlib.sha1(law.rel.encode("utf-8")).hexdigest()
    date = law.issued.strftime("%Y%m%d") if law.issued else "undated"
    n = 6
    rid = f"{prefix}-{date}-{digest[:n]}"
    while rid in taken:
        n += 1
        rid = f"{prefix}-{date}-{digest[:n]}"
    taken.add(rid)
    return rid


def complete(laws: list[Law]) -> None:
    """Kind, issuer, dates, ids and the version links of every law."""
    taken: set[str] = set()
    for law in laws:
        promulgated_by_state_council = any("国务院令" in w for _, w in law.events)
        if law.folder.split("/")[0] == "行政法规" or promulgated_by_state_council:
            law.kind = "administrative-regulation"
        law.issuer = _issuer(law)
        dated = [d for d, w in law.events if "施行" not in w or "公布" in w or "通过" in w]
        law.issued = law.name_date or (max(dated) if dated else (max(d for d, _ in law.events) if law.events else None))
        if law.issued is None:
            raise ConvertError(1, f"{law.rel}: no date in the text or the file name")
        starts = [d for d, w in law.events if "施行" in w and d >= law.issued]
        law.effective = max(starts) if starts else None
    for law in sorted(laws, key=lambda x: x.rel):
        law.id = _ascii_id(law, taken)
    by_title: dict[str, list[Law]] = {}
    for law in laws:
        by_title.setdefault(law.title, []).append(law)
    for versions in by_title.values():
        versions.sort(key=lambda x: (x.issued, x.rel))
        for older, newer in pairwise(versions):
            older.amended_by.append(newer.id)
            newer.amends.append(older.id)


def record_text(law: Law, approver: str, approved_on: dt.date) -> str:
    meta: dict[str, Any] = {
        "id": law.id,
        "title": law.title,
        "status": "approved",
        "author": "converter",
        "approved_by": approver,
        "approved_on": approved_on.isoformat(),
        "kind": law.kind,
        "issuer": law.issuer,
        "issued": law.issued.isoformat() if law.issued else None,
    }
    if law.effective:
        meta["effective"] = law.effective.isoformat()
    meta["validity"] = "amended" if law.amended_by else "in-force"
    if law.amends:
        meta["amends"] = law.amends
    if law.amended_by:
        meta["amended_by"] = law.amended_by
    meta["source"] = "https://flk.npc.gov.cn/"
    if law.folder:
        meta["tags"] = [law.folder.split("/")[0]]
    if law.events:
        meta["changes"] = [{"date": d.isoformat(), "note": w or "公布"} for d, w in law.events]
    head = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=10_000)
    return f"---\n{head}---\n{law.body}"


def convert(
    root: Path, out: Path, config_from: Path, keep_block: bool = False, approved_on: dt.date = dt.date(2026, 1, 5)
) -> tuple[int, list[str]]:
    """Write the site; returns (records written, problems as 'path:line: message')."""
    problems: list[str] = []
    laws: list[Law] = []
    for path in sorted(root.rglob("*.md")):
        if path.name == "_index.md":
            continue
        try:
            laws.append(parse_law(path, root))
        except ConvertError as exc:
            problems.append(f"{path}:{exc.line}: {exc}")
    try:
        complete(laws)
    except ConvertError as exc:
        problems.append(f"{root}/{exc}")
        return 0, problems
    config = yaml.safe_load(config_from.read_text(encoding="utf-8"))
    config["content_dir"] = "content"
    if not keep_block:
        config.setdefault("privacy", {})["block"] = []
    approvers = config.get("approvers") or ["reviewer"]
    config["approvers"] = approvers
    target = out / "content" / "regulations"
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    (out / "site_config.yml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    for law in laws:
        (target / f"{law.id}.md").write_text(record_text(law, approvers[0], approved_on), encoding="utf-8")
    return len(laws), problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "laws",
        nargs="?",
        type=Path,
        default=None,
        help="tree of law texts (default: $OPENAFFAIRS_LAWS or ../shared/corpus/laws)",
    )
    ap.add_argument("--out", type=Path, required=True, help="site folder to write (site_config.yml, content/)")
    ap.add_argument(
        "--config-from",
        type=Path,
        default=REPO / "site_config.yml",
        help="site_config.yml whose office settings to use (default: the sample's)",
    )
    ap.add_argument("--keep-block", action="store_true", help="keep the privacy.block strings of --config-from")
    args = ap.parse_args(argv)
    root = args.laws or default_laws_dir()
    if not root.is_dir():
        print(f"{root}: no such folder (give LAWS_DIR or set OPENAFFAIRS_LAWS)", file=sys.stderr)
        return 2
    n, problems = convert(root, args.out, args.config_from, args.keep_block)
    for p in problems:
        print(p, file=sys.stderr)
    print(
        f"{n} regulation records written to {args.out / 'content' / 'regulations'}"
        + (f"; {len(problems)} files not converted" if problems else ""),
        file=sys.stderr,
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
