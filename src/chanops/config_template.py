"""`chanops init`: a commented chanops.toml with every setting at its default.

Written from the same defaults the code runs with (the channel catalog, the built-in
KPIs, each section's dataclass), so the file never drifts from them: reading it back
gives exactly the built-in configuration (a test checks).
"""

from __future__ import annotations

import json
from dataclasses import fields
from typing import TYPE_CHECKING

from chanops.channels import DEFAULT_CHANNELS
from chanops.config import (
    CheckConfig,
    DispatchConfig,
    FunnelConfig,
    PlanConfig,
    PointsConfig,
    PreferConfig,
    ReportConfig,
)
from chanops.kpi.catalog import BUILTIN_KPIS
from chanops.regions import OFFICIAL_ORDER

if TYPE_CHECKING:
    from _typeshed import DataclassInstance


def _value(value: object) -> str:
    """A TOML value (JSON's strings, numbers, booleans and arrays are valid TOML)."""
    if isinstance(value, tuple):
        value = list(value)
    return json.dumps(value, ensure_ascii=False)


def _section(name: str, defaults: DataclassInstance, notes: dict[str, str]) -> list[str]:
    lines = [f"[{name}]"]
    for f in fields(defaults):
        value = getattr(defaults, f.name)
        if isinstance(value, dict):
            continue
        note = f"  # {notes[f.name]}" if f.name in notes else ""
        text = str(value) if hasattr(value, "is_finite") else _value(value)  # a Decimal: a plain number
        lines.append(f"{f.name} = {text}{note}")
    return lines


def render() -> str:
    out = [
        "# chanops.toml — every setting at its default (chanops init). Change what you need;",
        "# a setting you delete falls back to the same default. Read from ./chanops.toml or --config.",
        "",
        "# Channels: code → labels, whether it counts as online (线上) and electronic (电子渠道),",
        "# and the spellings extracts use for it. A new code needs online and electronic.",
    ]
    for ch in DEFAULT_CHANNELS:
        out += [
            f"[channels.{ch.code}]",
            f"zh = {_value(ch.zh)}",
            f"en = {_value(ch.en)}",
            f"online = {_value(ch.online)}",
            f"electronic = {_value(ch.electronic)}",
            f"aliases = {_value(ch.aliases)}",
            "",
        ]
    out += [
        "# Extract headers this file maps to canonical columns, per kind (besides the built-in Chinese names):",
        "# [columns.orders]",
        '# "受理工单号" = "order_id"',
        "",
        "# KPIs (SPEC §4): labels and alert thresholds of the built-ins (min/max, as fractions);",
        "# `chanops kpi --check` exits 3 when one is crossed.",
    ]
    for kpi in BUILTIN_KPIS:
        out += [f"[kpis.{kpi.id}]  # {kpi.numerator.words('en')} / {kpi.denominator.words('en')}"]
        out += [f"zh = {_value(kpi.zh)}", f"en = {_value(kpi.en)}"]
        out += [
            f"{bound} = {_value(getattr(kpi, bound))}" for bound in ("min", "max") if getattr(kpi, bound) is not None
        ]
        out += [f"# {bound} = 0.0" for bound in ("min", "max") if getattr(kpi, bound) is None]
        out.append("")
    out += [
        "# A KPI of your own: a numerator and a denominator over one source each; `where` may use",
        "# the source's columns, comparisons, AND/OR/NOT, IN, BETWEEN, LIKE, CASE and simple functions.",
        "# [kpis.hotline_share]",
        '# zh = "热线办理占比"',
        '# numerator = { source = "orders", where = "success AND channel = \'hotline\'" }',
        '# denominator = { source = "orders", where = "success" }',
        "# min = 0.05",
        '# unit = "share"  # the value\'s unit, which every surface and the workbook show:',
        "#   share        a fraction shown as % (default); its change in percentage points (pp)",
        "#   per_million  a rate per million (scale 1000000 unless `scale` says); change in the same unit",
        "#   amount       yuan; change in yuan      number  a plain number (× `scale`); change as is",
        '# (the older `format = "pct"` means unit = "share", `format = "number"` unit = "number")',
        "",
        "# Monthly contact quota per touchpoint (配额管理); a month table overrides it for that month.",
        "# [quota]",
        "# sms = 50000000",
        "# outbound = 7000000",
        '# [quota."2022-12"]',
        "# sms = 60000000",
        "",
        "# Points (新业务积分写实): deduction per complaint against a staff member, other amounts per",
        "# complaint category, and whether `points payout` writes Excel's CSV on stdout too (-o FILE.csv always does).",
        *_section("points", PointsConfig(), {}),
        "# [points.category_deduction]",
        '# "服务态度" = 5',
        "",
        "# Channel preference scores (SPEC §7): weights, window in months, tier cut-offs.",
        *_section("prefer", PreferConfig(), {"window": "months M-2..M"}),
        "",
        "# Campaign funnel: an outbound order (it carries no campaign id) converts for the campaign",
        "# whose reached outbound call about the product came this many days before it, at most.",
        *_section("funnel", FunnelConfig(), {}),
        "",
        "# The monthly report follows this product's online success rate over six months.",
        *_section("report", ReportConfig(), {}),
        "",
        "# Data completeness (`chanops check`): kinds that must be loaded, the band of rows against",
        "# the median of the 3 months before, the largest share of rejected rows.",
        *_section("check", CheckConfig(), {}),
        "",
        "# Campaign planning (`chanops plan`): look-back windows of the checks and the weight of",
        "# the customer's preference tier on an electronic touchpoint's expected conversion.",
        *_section(
            "plan",
            PlanConfig(),
            {
                "already_has_months": "bought the product this recently: already_has",
                "holding_months": "bought a product this recently: holds it",
                "conflict_months": "failure logs naming a conflict product",
                "complaint_days": "a complaint this recently: do_not_disturb",
                "contact_days": "reached by any campaign this recently: do_not_disturb",
                "conversion_months": "history of conversion per product and touchpoint",
            },
        ),
        "",
        "# Lists for dispatch teams (lifecycle --list, prefer targets/churned): full phone numbers in",
        "# table/markdown/xlsx too, without --unmask. The report and other tables stay masked.",
        *_section("dispatch", DispatchConfig(), {}),
        "",
        "# The 盟市 in their official order, as every table and chart lists them (a region not",
        "# named comes after, by name). The default is Inner Mongolia's 12:",
        "# [regions]",
        f"# order = {json.dumps(list(OFFICIAL_ORDER), ensure_ascii=False)}",
        "",
    ]
    return "\n".join(out)
