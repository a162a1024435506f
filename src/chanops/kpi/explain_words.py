"""The one sentence `explain` answers with, in the reader's language: the KPI's value against
the base's, and the segments that moved it — each with whether its own rate moved or its
weight did (SPEC §14)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from chanops.kpi.explain import Effect, Split, drivers
from chanops.present.labels import LABELS
from chanops.present.numbers import kpi_text, percent_text

if TYPE_CHECKING:
    from chanops.channels import Channel
    from chanops.kpi.catalog import Kpi

PROVINCE_WORDS = {"zh": "全区", "en": "the province"}
NO_SEGMENT = {"zh": "（空）", "en": "(none)"}


def sentence(
    kpi: Kpi,
    by: str,
    split: Split,
    month: str,
    lang: str,
    channels: Mapping[str, Channel],
    region: str | None = None,
    vs_province: bool = False,
) -> str:
    zh = lang == "zh"
    name = kpi.zh if zh else kpi.en
    now, then = kpi_text(kpi, split.r1), kpi_text(kpi, split.r0)
    gap = kpi_text(kpi, abs(split.change), change=True).lstrip("+")
    place = f"{region} " if region else ""
    base = PROVINCE_WORDS[lang] if vs_province else split.base.label
    if zh:
        if not split.change:
            against = base if vs_province else f" {base} "
            return f"{place}{name} {month} 为 {now}，与{against}持平。"
        if vs_province:
            way = "高" if split.change > 0 else "低"
            head = f"{place}{name} {month} 为 {now}，比{base}（{then}）{way} {gap}"
        else:
            way = "上升" if split.change > 0 else "下降"
            head = f"{place}{name} {month} 为 {now}，比 {base}（{then}）{way} {gap}"
    else:
        if not split.change:
            return f"{place}{name} was {now} in {month}, level with {base}."
        if vs_province:
            way = "above" if split.change > 0 else "below"
            head = f"{place}{name} was {now} in {month}, {gap} {way} {base} ({then})"
        else:
            way = "up" if split.change > 0 else "down"
            head = f"{place}{name} was {now} in {month}, {way} {gap} from {base} ({then})"
    named, offset = drivers(split)
    dimension = LABELS.get(by, (by, by))[0 if zh else 1]
    parts = [_driver(kpi, by, e, lang, channels) for e in named]
    if not parts:
        return head + ("。" if zh else ".")
    if zh:
        text = f"{head}；按{dimension}看，主要因为 " + "、".join(parts)
        if offset is not None:
            text += f"；{_driver(kpi, by, offset, lang, channels)} 部分抵消"
        return text + "。"
    text = f"{head}; by {dimension.lower()}, mainly " + ", ".join(parts)
    if offset is not None:
        text += f"; partly offset by {_driver(kpi, by, offset, lang, channels)}"
    return text + "."


def _driver(kpi: Kpi, by: str, effect: Effect, lang: str, channels: Mapping[str, Channel]) -> str:
    """兴安盟（−0.52pp，自身比率 30.10% → 26.80%）: the segment, its part of the change, and
    what moved — its own rate, or its weight (its share of the denominator)."""
    zh = lang == "zh"
    label = segment_label(by, effect.segment, lang, channels)
    total = kpi_text(kpi, effect.total, change=True)
    if abs(effect.rate or 0) >= abs(effect.mix or 0):
        if effect.r0 is None or effect.r1 is None:
            what = "新出现" if zh else "new"
        else:
            rates = f"{kpi_text(kpi, effect.r0)} → {kpi_text(kpi, effect.r1)}"
            what = f"自身比率 {rates}" if zh else f"its own rate {rates}"
    else:
        weights = f"{percent_text(effect.w0, 1)} → {percent_text(effect.w1, 1)}"
        what = f"占比 {weights}" if zh else f"its weight {weights}"
    return f"{label}（{total}，{what}）" if zh else f"{label} ({total}, {what})"


def segment_label(by: str, segment: str | None, lang: str, channels: Mapping[str, Channel]) -> str:
    """A segment as people name it: a channel by its name (自有营业厅, not store)."""
    if segment is None:
        return NO_SEGMENT[lang]
    if by == "channel" and segment in channels:
        return str(getattr(channels[segment], lang))
    return segment
