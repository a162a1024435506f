"""What a plan says about each candidate, in the reader's language (`--lang`, SPEC §12).

Every phrase is kept here in Chinese and English and becomes one SQL text expression, its
{placeholders} filled by SQL expressions over the rows the checks and the assignment
produce — so the evidence is written by the engine, on DuckDB and Spark alike, and a
table headed in Chinese carries Chinese evidence. Touchpoints are named by their Chinese
label in Chinese and by their code in English (the code is what --format csv shows).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from chanops.channels import Channel
from chanops.sql import lit

PHRASES: dict[str, tuple[str, str]] = {
    # invalid: the list's own cell could not be read, or the number is no customer
    "missing_msisdn": ("手机号码为空", "msisdn: {reason}"),
    "bad_msisdn": ("不是11位手机号码", "msisdn: {reason}"),
    "bad_cell": ("清单{column}无法识别", "{column}: {reason}"),
    "not_active": ("{day} 非在网客户", "not a customer active on {day}"),
    # already_has: the customer holds the campaign's product
    "ordered": ("{day} 已办理{product}", "ordered {product} on {day}"),
    "valid": ("{month} {product}业务有效", "{product} in force (valid) in {month}"),
    "failure_log": (
        "{day} 本人办理{failed}失败，互斥产品为{product}",
        "own failed {failed} order on {day} named {product} as held",
    ),
    # conflict: the customer holds a product this one's failures name as conflicting
    "conflict": (
        "已持有{held}（{how}），{failures}笔{product}失败订单因与其互斥",
        "holds {held} ({how}), named in {failures} failed {product} orders",
    ),
    "held_by_order": ("{day}办理", "ordered on {day}"),
    "held_by_valid": ("{month}业务有效", "valid in {month}"),
    "held_by_failure": ("{day}本人办理{failed}失败时被列为互斥产品", "named by own failed {failed} order on {day}"),
    # do_not_disturb, duplicate
    "complaint": ("{day} 有投诉", "complaint on {day}"),
    "reached": ("{day} 已被触达", "reached on {day}"),
    "duplicate": ("同时是活动{campaign}的候选客户，由其优先服务", "also a candidate of {campaign}, served first"),
    # assigned, over_quota
    "bought": ("{touchpoint}触达客户中{rate}办理", "{rate} of customers reached on {touchpoint} bought"),
    "bought_any": (
        "{touchpoint}触达客户中{rate}办理了所推产品（新产品，按全部产品计）",
        "{rate} of customers reached on {touchpoint} bought what they were offered (new product: all products)",
    ),
    "preference": (" × 偏好{tier}", " × preference {tier}"),
    "capped": ("已达活动上限 {cap}", "campaign cap of {cap} reached"),
    "no_quota": ("{touchpoints} 已无配额", "no quota left on {touchpoints}"),
}

TIERS = {"high": "高", "medium": "中", "low": "低"}
LIST_COLUMNS = {"msisdn": "手机号码", "score": "得分"}


def phrase(lang: str, key: str, **parts: str) -> str:
    """The phrase `key` in `lang` as one SQL text expression; each {name} is the SQL
    expression `parts[name]` (cast to text)."""
    template = PHRASES[key][0 if lang == "zh" else 1]
    pieces = re.split(r"\{(\w+)\}", template)
    sql = [lit(p) if i % 2 == 0 else f"CAST({parts[p]} AS VARCHAR)" for i, p in enumerate(pieces) if p or i % 2]
    return "(" + " || ".join(sql) + ")"


def day(column: str) -> str:
    return f"strftime({column}, '%Y-%m-%d')"


def touchpoint_name(column: str, lang: str, channels: Mapping[str, Channel]) -> str:
    """A touchpoint as the evidence names it: its Chinese label, or its code in English."""
    if lang != "zh":
        return column
    cases = " ".join(f"WHEN {lit(code)} THEN {lit(ch.zh)}" for code, ch in channels.items())
    return f"CASE {column} {cases} ELSE {column} END"


def tier_word(column: str, lang: str) -> str:
    if lang != "zh":
        return column
    cases = " ".join(f"WHEN {lit(code)} THEN {lit(word)}" for code, word in TIERS.items())
    return f"CASE {column} {cases} ELSE {column} END"


def unreadable(column: str, reason: str, lang: str) -> str:
    """Why a list row is invalid as read, from its column and the loader's reason (English)."""
    names = " ".join(f"WHEN {lit(c)} THEN {lit(n)}" for c, n in LIST_COLUMNS.items())
    named = f"CASE {column} {names} ELSE {column} END" if lang == "zh" else column
    missing, bad = phrase(lang, "missing_msisdn", reason=reason), phrase(lang, "bad_msisdn", reason=reason)
    return f"""CASE WHEN {column} = 'msisdn' AND {reason} LIKE 'missing%' THEN {missing}
                    WHEN {column} = 'msisdn' THEN {bad}
                    ELSE {phrase(lang, "bad_cell", column=named, reason=reason)} END"""
