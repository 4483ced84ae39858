"""People nobody declared (issue 7, item 3): precision and recall of the warning on a
labelled corpus of our own, and no warning at all on the real laws in
``../shared/corpus/laws``.  Figures are printed (``pytest -s``) and in docs/privacy.md."""

from __future__ import annotations

import itertools

import pytest
from law_sentences import laws_path

from generator.privacy.people import candidates

LAWS = laws_path()  # $OPENAFFAIRS_LAWS, else ../shared/corpus/laws

NAMES = [
    "钱国栋",
    "孙丽萍",
    "冯志远",
    "韩雪",
    "曹海",
    "彭建华",
    "邓立群",
    "许晓燕",
    "谢文涛",
    "罗斌",
    "梁家豪",
    "宋雨桐",
    "唐明辉",
    "董亮",
    "袁丽",
    "潘志刚",
    "蒋涛",
    "蔡文静",
    "杜宇航",
    "叶晨",
]
POSITIVE_TEMPLATES = [
    "犯罪嫌疑人{n}于2025年3月被刑事拘留。",
    "被告人{n}对指控的事实无异议。",
    "被害人{n}的陈述证实了上述事实。",
    "证人{n}证实，案发当晚其在现场。",
    "经审查，被不起诉人{n}的行为情节轻微。",
    "申诉人{n}不服原处理决定。",
    "本院依法对犯罪嫌疑人{n}作出批准逮捕决定。",
    "举报人{n}向本院反映了有关情况。",
]
NEGATIVE = [
    "犯罪嫌疑人张某到案后如实供述了自己的罪行。",
    "被告人王某某对指控的事实无异议。",
    "被害人陈述与证人证言能够相互印证。",
    "证人应当如实提供证言。",
    "被告人的辩护人提出了无罪辩护意见。",
    "犯罪嫌疑人、被告人有权获得辩护。",
    "当事人迟延履行的，应当支付迟延履行金。",
    "申诉人对处理决定不服的，可以向上一级人民检察院申诉。",
    "被害人及其法定代理人有权委托诉讼代理人。",
    "证人出庭作证的费用由国家负担。",
    "被告人在法庭上的最后陈述。",
    "犯罪嫌疑人李某1、李某2涉嫌诈骗一案。",
    "被不起诉人对不起诉决定不服的，可以申诉。",
    "本院检察长主持召开检察委员会。",
    "举报人的个人信息应当予以保密。",
    "当事人明确表示不同意调解。",
    "被告人高度近视，申请延期开庭。",
    "证人证言、被害人陈述、被告人供述和辩解等证据。",
    "罪犯刑满释放后应当向居住地公安机关报到。",
    "被告单位法定代表人应当出庭。",
    "原告方面未提交新的证据。",
    "当事人申请回避的，应当说明理由。",
]


def _corpus() -> list[tuple[str, str | None]]:
    pos = [(t.format(n=n), n) for t, n in zip(itertools.cycle(POSITIVE_TEMPLATES), NAMES * 2)]
    return pos + [(s, None) for s in NEGATIVE]


def test_precision_and_recall_on_the_labelled_corpus() -> None:
    tp = fp = fn = 0
    for sentence, name in _corpus():
        got = [n for _o, n in candidates(sentence)]
        if name is None:
            fp += len(got)
        elif name in got:
            tp += 1
            fp += len(got) - 1
        else:
            fn += 1
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn)
    print(
        f"\nundeclared-person warnings: {tp + fn} positives, {len(NEGATIVE)} negatives: "
        f"precision {precision:.3f}, recall {recall:.3f}"
    )
    assert precision >= 0.95 and recall >= 0.9, (precision, recall, tp, fp, fn)


def test_no_warning_on_the_real_laws() -> None:
    files = sorted(LAWS.rglob("*.md"))
    assert len(files) >= 1000, f"the real-law corpus is missing at {LAWS}"
    hits = [(p.name, n) for p in files for _o, n in candidates(p.read_text("utf-8"))]
    assert hits == []


@pytest.mark.parametrize("text", ["Mr Smith told the court.", "Ms. Anna Lee testified."])
def test_latin_titles(text: str) -> None:
    assert candidates(text)
