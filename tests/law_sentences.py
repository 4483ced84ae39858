"""Real law sentences for the privacy rules (issue 8): none holds personal data.

Two sets, both of real text:

* ``SENTENCES``: sentences copied from laws (国家法律法规数据库 texts, see
  ``../shared/corpus/README.md``) that mention what the rules look for --
  住所地, 居住地, 居住在, 户籍所在地, 绝密, 机密, 秘密, 内部资料性出版物, 内部使用;
  each one must be published unchanged.
* ``corpus_sentences()``: every sentence of every law in the corpus
  (``../shared/corpus/laws`` from the repository root, or ``$OPENAFFAIRS_LAWS``)
  with an address keyword or a marking word: the labelled set on which the
  precision of the address rule and of the marking rule is measured (every
  finding there is a false positive).

    python -m tests.law_sentences      # precision table (Markdown), with the address corpus recall
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

ADDRESS_WORDS = re.compile(r"住所|住址|居住|住在|住于|家住|现住|暂住|户籍|户口所在地|户籍地")
MARKING_WORDS = re.compile(r"绝密|机密|秘密|内部")

SENTENCES = (
    # 刑法 第二百八十二条 (the build refused the Criminal Law for this sentence)
    "非法持有属于国家绝密、机密的文件、资料或者其他物品，拒不说明来源与用途的，处三年以下有期徒刑、拘役或者管制。",
    # 保守国家秘密法
    "国家秘密的密级分为绝密、机密、秘密三级。",
    "绝密级国家秘密是最重要的国家秘密，泄露会使国家安全和利益遭受特别严重的损害；",
    "国家秘密的保密期限，除另有规定外，绝密级不超过三十年，机密级不超过二十年，秘密级不超过十年。",
    "机关、单位对承载国家秘密的纸介质、光介质、电磁介质等载体（以下简称国家秘密载体）以及属于国家秘密的设备、产品，应当做出国家秘密标志。",
    # 香港特别行政区基本法 第十九条 and the like
    "香港特别行政区法院对国防、外交等国家行为无管辖权。",
    # 印刷业管理条例, 药品管理 and 计量 rules: 内部资料性出版物, 内部使用
    "印刷企业接受委托印刷内部资料性出版物的，必须验证县级以上地方人民政府出版行政部门核发的准印证。",
    "第六条 军队特需药品限于军队内部使用。",
    "（三）授权某一部门或某一单位的计量检定机构，对其内部使用的强制检定计量器具执行强制检定；",
    "第三十三条 从事其他印刷品印刷经营活动的个人不得印刷标有密级的文件、资料、图表等，不得印刷布告、通告、重大活动工作证、通行证、在社会上流通使用的票证，不得印刷机关、团体、部队、企业事业单位内部使用的有价或者无价票证，不得印刷有单位名称的介绍信、工作证、会员证、出入证、学位证书、学历证书或者其他学业证书等专用证件，不得印刷宗教用品。",
    # 民事诉讼法 第二十二条 (published as "…经常居住地在〔住址已隐去〕的…")
    "同一诉讼的几个被告住所地、经常居住地在两个以上人民法院辖区的，各该人民法院都有管辖权。",
    "对公民提起的民事诉讼，由被告住所地人民法院管辖；被告住所地与经常居住地不一致的，由经常居住地人民法院管辖。",
    # 宪法 第四条 / 民族区域自治法
    "民族自治地方的人民代表大会中，除实行区域自治的民族的代表外，其他居住在本行政区域内的民族也应当有适当名额的代表。",
    # 老年人权益保障法
    "对常住在本行政区域内的外埠老年人给予同等优待。",
    # 国境卫生检疫法
    "第二十五条 中华人民共和国边防机关与邻国边防机关之间在边境地区的往来，居住在两国边境接壤地区的居民在边境指定地区的临时往来，双方的交通工具和人员的入境、出境检疫，依照双方协议办理，没有协议的，依照中国政府的有关规定办理。",
    # 社区矫正法
    "社区矫正对象的居住地、经常居住地无法确定或者不适宜执行社区矫正的，社区矫正决定机关应当根据有利于社区矫正对象接受矫正、更好地融入社会的原则，确定执行地。",
    # 禁毒法 第三十三条
    "戒毒人员应当在户籍所在地接受社区戒毒；在户籍所在地以外的现居住地有固定住所的，可以在现居住地接受社区戒毒。",
    # 中国公民往来台湾地区管理办法
    "第二条 居住在大陆的中国公民(以下简称大陆居民)往来台湾地区(以下简称台湾)以及居住在台湾地区的中国公民(以下简称台湾居民)来往大陆，适用本办法。",
    # 军人抚恤优待条例 / 烈士褒扬条例
    "第二十一条 国家按照规定为居住在农村和城镇无工作单位且年满60周岁、在国家建立定期抚恤金制度时已满18周岁的烈士子女发放定期生活补助，由其户籍所在地县级人民政府退役军人工作主管部门依据其申请，在审核确认其符合条件当月起发放。",
    # 民法典 第二十五条
    "自然人以户籍登记或者其他有效身份登记记载的居所为住所；经常居所与住所不一致的，经常居所视为住所。",
    # 户口登记条例
    "公民应当在经常居住的地方登记为常住人口，一个公民只能在一个地方登记为常住人口。",
    # 居民身份证法
    "公民应当自年满十六周岁之日起三个月内，向常住户口所在地的公安机关申请领取居民身份证。",
)


class CorpusMissing(RuntimeError):
    pass


def laws_path() -> Path:
    """Where the real-law corpus should be: $OPENAFFAIRS_LAWS, else ../shared/corpus/laws
    from the repository root (not checked: see laws_dir)."""
    env = os.environ.get("OPENAFFAIRS_LAWS")
    return Path(env) if env else REPO.parent / "shared" / "corpus" / "laws"


def laws_dir() -> Path:
    """The real-law corpus (laws_path); CorpusMissing when it is not there."""
    path = laws_path()
    if not path.is_dir():
        raise CorpusMissing(
            f"the real-law corpus is missing: {path} (set OPENAFFAIRS_LAWS or put shared/ beside the repository)"
        )
    return path


def law_files(root: Path | None = None) -> list[Path]:
    root = root or laws_dir()
    return sorted(p for p in root.rglob("*.md") if p.name != "_index.md")


_SPLIT = re.compile(r"(?<=[。；;！？!?])|\n")


def corpus_sentences(words: re.Pattern[str], root: Path | None = None) -> Iterator[tuple[str, int, str]]:
    """(file name, line, sentence) for every sentence of the corpus containing ``words``."""
    for path in law_files(root):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not words.search(line):
                continue
            for sentence in _SPLIT.split(line):
                if words.search(sentence):
                    yield path.name, number, sentence.strip()


def address_false_positives(root: Path | None = None) -> tuple[int, list[tuple[str, int, str, str]]]:
    from generator.privacy.detectors import detect

    n = 0
    wrong = []
    for name, line, sentence in corpus_sentences(ADDRESS_WORDS, root):
        n += 1
        for d in detect(sentence):
            wrong.append((name, line, d.rule, d.text))
    return n, wrong


def marking_false_positives(root: Path | None = None) -> tuple[int, list[tuple[str, int, str]]]:
    from generator.privacy.secrets import find_markings

    n = 0
    wrong = []
    for name, line, sentence in corpus_sentences(MARKING_WORDS, root):
        n += 1
        for _offset, what in find_markings(sentence, ()):
            wrong.append((name, line, what))
    return n, wrong


def main() -> int:
    sys.path.insert(0, str(REPO))
    from tests import privacy_corpus as corpus

    n_addr, wrong_addr = address_false_positives()
    n_mark, wrong_mark = marking_false_positives()
    samples = corpus.build_corpus() if hasattr(corpus, "build_corpus") else None
    print("| set | sentences | findings (all false) | precision |")
    print("|---|---:|---:|---:|")
    print(
        f"| real law sentences with an address keyword | {n_addr} | {len(wrong_addr)} | "
        f"{'1.0 (no finding)' if not wrong_addr else 'see list'} |"
    )
    print(
        f"| real law sentences with 绝密/机密/秘密/内部 | {n_mark} | {len(wrong_mark)} | "
        f"{'1.0 (no finding)' if not wrong_mark else 'see list'} |"
    )
    for w in wrong_addr + wrong_mark:
        print("  ", *w)
    if samples is None:
        print("(address recall on the labelled corpus: python -m tests.privacy_corpus --table)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
