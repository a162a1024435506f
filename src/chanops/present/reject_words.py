"""Why a row was rejected, in the reader's language. The loader records its reasons in English
(the `_rejects` table and machine formats keep them so); tables for people in Chinese read
them here. A reason without a Chinese wording stays as recorded."""

from __future__ import annotations

import re

from chanops.ingest.normalize import REASONS

# the loader's fixed reasons, by the value type they refuse (ingest/normalize.py REASONS)
BY_TYPE_ZH = {
    "msisdn": "不是 11 位手机号码",
    "status": "办理结果不是成功/失败（成功/失败/1/0/Y/N）",
    "bool": "不是是/否值（是/否/1/0/Y/N/true/false）",
    "ts": "不是时间（如 2022-11-30 08:01:02、20221130080102）",
    "date": "不是日期（如 2022-11-30、20221130）",
    "month": "不是月份（如 2022-11、202211）",
    "int": "不是整数",
    "dec": "不是金额（如 1,234.50）",
    "ratio": "不是比率（如 0.25 或 25%）",
}
FIXED_ZH = {REASONS[kind]: words for kind, words in BY_TYPE_ZH.items() if kind in REASONS} | {
    "unterminated or stray quote": "引号未闭合或多余",
    "a rule needs exactly one of rate or points": "规则须且只能给出 rate 或 points 之一",
    "valid_to is before valid_from": "valid_to 早于 valid_from",
}
# reasons that carry a value: (pattern, Chinese with the pattern's groups)
PATTERNS_ZH = (
    (re.compile(r"unknown channel code '(.*)'", re.S), r"未知的渠道编码 '\1'"),
    (re.compile(r"year outside (\d+)–(\d+)"), r"年份不在 \1–\2 之间"),
    (re.compile(r"missing (\w+)"), r"缺少 \1"),
    (re.compile(r"duplicate (.+) \(already loaded\)"), r"重复的 \1（已加载过）"),
    (re.compile(r"duplicate (.+) \(repeated in file\)"), r"重复的 \1（文件内重复）"),
    (re.compile(r"invalid (\S+) bytes \(shown as (.)\)"), r"无效的 \1 字节（显示为 \2）"),
    (re.compile(r"validity overlaps another rule for (.+)", re.S), r"有效期与 \1 的另一条规则重叠"),
)


def reason_words(reason: str | None, lang: str) -> str | None:
    """A recorded reject reason as a `lang` reader reads it."""
    if reason is None or lang != "zh":
        return reason
    if reason in FIXED_ZH:
        return FIXED_ZH[reason]
    for pattern, words in PATTERNS_ZH:
        if pattern.fullmatch(reason):
            return pattern.sub(words, reason)
    return reason
