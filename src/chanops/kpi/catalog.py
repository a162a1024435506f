"""The KPI catalog (SPEC §4), declared as data.

A KPI is a ratio of two measures. A measure names a source (a view over the
warehouse with the standard dimension columns), an aggregate (`count`,
`count_distinct` of a column, `sum` of a column) and an optional SQL condition over
the source's columns. Conditions are plain ANSI SQL (`=`, `IN`, `AND`, `IS NOT
NULL`, CASE), so the same declarations can be compiled for another engine. Users
add KPIs, or thresholds for built-ins, under `[kpis.ID]` in chanops.toml.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from chanops.errors import ConfigError
from chanops.kpi.where import check_where

AGGREGATES = ("count", "count_distinct", "sum")
# The unit a KPI's value is in (SPEC §4 "Units travel with the KPI"): every surface renders
# from it. share: a fraction shown as % (its change in percentage points, pp); per_million:
# a rate per million customers; amount: yuan; number: a plain number. A change is in the
# value's own unit except for a share, whose change is in pp.
UNITS = ("share", "per_million", "amount", "number")
CHANGE_UNITS = {"share": "pp", "per_million": "per_million", "amount": "amount", "number": "number"}
# `format` in chanops.toml before units were declared: still accepted, mapped to a unit
FORMATS = {"pct": "share", "number": "number"}
SCALES = {"per_million": 1_000_000.0}  # the default scale of a unit (value = scale × num / den)

# Dimensions each source's rows carry (SPEC §4). Orders are sliced by channel,
# contacts by touchpoint: both are the `channel` dimension. usage and complaints
# carry the customer's region (looked up in customers by msisdn).
SOURCE_DIMENSIONS: dict[str, tuple[str, ...]] = {
    "orders": ("region", "channel", "product", "campaign_id"),
    "contacts": ("region", "channel", "product", "campaign_id", "wave"),
    "usage": ("region", "channel"),
    "complaints": ("region", "channel"),
    "customers": ("region",),
    "retention": ("region",),
}
# Columns a condition or an aggregate may use, per source (besides the dimensions).
SOURCE_COLUMNS: dict[str, tuple[str, ...]] = {
    "orders": (
        "msisdn",
        "status",
        "success",
        "platform",
        "online",
        "electronic",
        "outbound",
        "fee",
        "fail_reason",
        "conflict_product",
    ),
    "contacts": ("msisdn", "reached", "outbound", "online", "electronic"),
    # active: the user is a customer active at the end of the event's month
    "usage": ("msisdn", "electronic", "online", "action", "active"),
    "complaints": ("msisdn", "category", "staff_id"),
    "customers": ("msisdn", "brand"),
    "retention": ("msisdn", "retained", "revenue", "base_revenue"),
}
DIMENSIONS = ("region", "channel", "product", "campaign_id", "wave")


@dataclass(frozen=True)
class Measure:
    source: str
    agg: str = "count"
    column: str | None = None  # for count_distinct and sum
    where: str | None = None
    zh: str = ""
    en: str = ""

    def words(self, lang: str) -> str:
        text = self.zh if lang == "zh" else self.en
        if text:
            return text
        what = {"count": "rows", "count_distinct": f"distinct {self.column}", "sum": f"sum of {self.column}"}[self.agg]
        return f"{what} of {self.source}" + (f" where {self.where}" if self.where else "")


@dataclass(frozen=True)
class Kpi:
    id: str
    zh: str
    en: str
    numerator: Measure
    denominator: Measure
    unit: str = "share"  # one of UNITS: what the value is in, and so what its change is in
    scale: float = 1.0  # value = scale × numerator / denominator (per-million rates)
    min: float | None = None  # alert when the value falls below
    max: float | None = None  # alert when the value rises above
    builtin: bool = True
    better: str = "higher"  # which way is good news: a report colours changes by it

    @property
    def good_when_higher(self) -> bool:
        return self.better == "higher"

    @property
    def change_unit(self) -> str:
        """The unit of a change of this KPI: pp for a share, else the KPI's own unit."""
        return CHANGE_UNITS[self.unit]

    @property
    def format(self) -> str:
        """The older two-way split: pct for a share, number for everything else."""
        return "pct" if self.unit == "share" else "number"

    @property
    def dimensions(self) -> tuple[str, ...]:
        """Dimensions both the numerator and the denominator rows carry."""
        theirs = set(SOURCE_DIMENSIONS[self.denominator.source])
        return tuple(d for d in SOURCE_DIMENSIONS[self.numerator.source] if d in theirs)


def _m(source, agg="count", column=None, where=None, zh="", en="") -> Measure:
    return Measure(source, agg, column, where, zh, en)


SUCCESS_ORDERS = _m("orders", where="success", zh="成功办理笔数", en="successful orders")
ACTIVE_CUSTOMERS = _m("customers", "count_distinct", "msisdn", zh="月末在网客户数", en="customers active at month end")
CONNECTED_USERS = _m(
    "contacts",
    "count_distinct",
    "msisdn",
    "outbound AND reached",
    zh="呼通用户数（去重）",
    en="distinct users with a connected outbound call",
)

BUILTIN_KPIS: tuple[Kpi, ...] = (
    Kpi(
        "online_share",
        "线上产能占比",
        "Online share of orders",
        _m(
            "orders",
            where="success AND (platform OR online)",
            zh="平台成功办理笔数 + 线上渠道成功办理笔数（每笔只计一次）",
            en="successful orders from a platform campaign or an online channel (each once)",
        ),
        SUCCESS_ORDERS,
    ),
    Kpi(
        "platform_success_rate",
        "数智集中运营平台运营成功率",
        "Platform success rate",
        _m("orders", where="success AND platform", zh="平台成功办理笔数", en="successful platform-campaign orders"),
        _m(
            "contacts",
            "count_distinct",
            "msisdn",
            "reached",
            zh="成功接触用户数（去重）",
            en="distinct users with a reached contact",
        ),
    ),
    Kpi(
        "outbound_connect_rate",
        "呼通率",
        "Outbound connect rate",
        CONNECTED_USERS,
        _m(
            "contacts",
            "count_distinct",
            "msisdn",
            "outbound",
            zh="外呼用户数（去重）",
            en="distinct users called outbound",
        ),
    ),
    Kpi(
        "outbound_success_rate",
        "在线集中运营成功率",
        "Outbound success rate",
        _m("orders", where="success AND outbound", zh="外呼成功办理笔数", en="successful outbound orders"),
        CONNECTED_USERS,
    ),
    Kpi(
        "order_success_rate",
        "办理成功率",
        "Order success rate",
        SUCCESS_ORDERS,
        _m("orders", zh="办理笔数", en="all orders"),
    ),
    Kpi(
        "e_channel_share",
        "电子渠道办理量占比",
        "E-channel share of orders",
        _m(
            "orders",
            where="success AND electronic",
            zh="电子渠道成功办理笔数",
            en="successful orders on an electronic channel",
        ),
        SUCCESS_ORDERS,
    ),
    Kpi(
        "e_channel_penetration",
        "电子渠道客户普及率",
        "E-channel penetration",
        # SPEC §4: a share of the customer base counts only its members (numerator ⊆ denominator)
        _m(
            "usage",
            "count_distinct",
            "msisdn",
            "electronic AND active",
            zh="月末在网客户中使用电子渠道的客户数（去重）",
            en="customers active at month end who used an electronic channel",
        ),
        ACTIVE_CUSTOMERS,
    ),
    Kpi(
        "complaint_rate_per_million",
        "百万客户申诉率",
        "Complaints per million customers",
        _m("complaints", zh="投诉件数", en="complaints"),
        ACTIVE_CUSTOMERS,
        unit="per_million",
        scale=1_000_000,
        better="lower",
    ),
    Kpi(
        "user_retention",
        "用户保有率",
        "User retention",
        _m(
            "retention",
            where="retained",
            zh="基期客户中月末仍在网的客户数",
            en="base customers still active at month end",
        ),
        _m("retention", zh="基期月末在网客户数", en="customers active at the end of the base month"),
    ),
    Kpi(
        "revenue_retention",
        "收入保有率",
        "Revenue retention",
        _m(
            "retention",
            "sum",
            "revenue",
            zh="基期客户本月出账收入",
            en="this month's billing revenue of base customers",
        ),
        _m("retention", "sum", "base_revenue", zh="基期客户基期出账收入", en="their billing revenue in the base month"),
    ),
)


def _measure_from_config(kpi_id: str, side: str, table) -> Measure:
    where = f"[kpis.{kpi_id}] {side}"
    if not isinstance(table, dict):
        raise ConfigError(f'{where} must be a table like {{ source = "orders", agg = "count", where = "..." }}')
    source = table.get("source")
    if source not in SOURCE_DIMENSIONS:
        raise ConfigError(f"{where}: source must be one of {', '.join(SOURCE_DIMENSIONS)}, got {source!r}")
    agg = table.get("agg", "count")
    if agg not in AGGREGATES:
        raise ConfigError(f"{where}: agg must be one of {', '.join(AGGREGATES)}, got {agg!r}")
    column = table.get("column")
    if agg != "count":
        allowed = SOURCE_DIMENSIONS[source] + SOURCE_COLUMNS[source]
        if column not in allowed:
            raise ConfigError(f"{where}: {agg} needs column = one of {', '.join(allowed)}")
    condition = table.get("where")
    if condition is not None:
        check_where(condition, ("month", *SOURCE_DIMENSIONS[source], *SOURCE_COLUMNS[source]), f"{where} where")
    return Measure(source, agg, column, condition, table.get("zh", ""), table.get("en", ""))


def _threshold(kpi_id: str, fields: dict, name: str) -> float | None:
    value = fields.get(name)
    if value is not None and not isinstance(value, (int, float)):
        raise ConfigError(f"[kpis.{kpi_id}] {name} must be a number")
    return value


def _unit(kpi_id: str, fields: dict) -> str:
    """`unit = "share"|"per_million"|"amount"|"number"`, or the older `format = "pct"|"number"`."""
    unit = fields.get("unit")
    if unit is not None and unit not in UNITS:
        raise ConfigError(f"[kpis.{kpi_id}] unit must be one of {', '.join(UNITS)}, got {unit!r}")
    fmt = fields.get("format")
    if fmt is not None and fmt not in FORMATS:
        raise ConfigError(f"[kpis.{kpi_id}] format must be pct or number (or say unit = one of {', '.join(UNITS)})")
    if unit is not None and fmt is not None and FORMATS[fmt] != ("share" if unit == "share" else "number"):
        raise ConfigError(f"[kpis.{kpi_id}] unit = {unit!r} contradicts format = {fmt!r}; keep unit only")
    return unit or FORMATS[fmt or "pct"]


def build_kpi_catalog(section: dict | None) -> dict[str, Kpi]:
    """Built-ins with `[kpis.ID]` from config applied: thresholds and labels on a built-in,
    or a whole new KPI (numerator and denominator tables)."""
    catalog = {k.id: k for k in BUILTIN_KPIS}
    for kpi_id, fields in (section or {}).items():
        if not isinstance(fields, dict):
            raise ConfigError(f"[kpis.{kpi_id}] must be a table")
        known = {"zh", "en", "numerator", "denominator", "unit", "format", "scale", "min", "max", "better"}
        unknown = set(fields) - known
        if unknown:
            raise ConfigError(f"[kpis.{kpi_id}]: unknown field(s) {', '.join(sorted(unknown))}")
        unit = _unit(kpi_id, fields)
        if fields.get("better", "higher") not in ("higher", "lower"):
            raise ConfigError(f"[kpis.{kpi_id}] better must be higher or lower")
        base = catalog.get(kpi_id)
        if base is not None:
            if "numerator" in fields or "denominator" in fields:
                raise ConfigError(f"[kpis.{kpi_id}] is built in (SPEC §4); define a new id instead of redefining it")
            catalog[kpi_id] = replace(
                base,
                zh=fields.get("zh", base.zh),
                en=fields.get("en", base.en),
                min=_threshold(kpi_id, fields, "min") if "min" in fields else base.min,
                max=_threshold(kpi_id, fields, "max") if "max" in fields else base.max,
                better=fields.get("better", base.better),
            )
            continue
        if "numerator" not in fields or "denominator" not in fields:
            raise ConfigError(f"[kpis.{kpi_id}] needs numerator and denominator tables")
        catalog[kpi_id] = Kpi(
            id=kpi_id,
            zh=fields.get("zh", kpi_id),
            en=fields.get("en", kpi_id),
            numerator=_measure_from_config(kpi_id, "numerator", fields["numerator"]),
            denominator=_measure_from_config(kpi_id, "denominator", fields["denominator"]),
            unit=unit,
            scale=float(fields.get("scale", SCALES.get(unit, 1.0))),
            min=_threshold(kpi_id, fields, "min"),
            max=_threshold(kpi_id, fields, "max"),
            builtin=False,
            better=fields.get("better", "higher"),
        )
    return catalog
