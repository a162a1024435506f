"""The data contract (SPEC §2, §2.1): canonical tables, their typed columns, the
Chinese header aliases the extracts use, and each kind's grain (key) and load mode.
Kept as data so loaders, DDL and docs are all generated from this one table.

Load modes — how a load treats rows already in the warehouse:
  event      a row whose key is already loaded (or repeated in the file) is a duplicate;
             `--replace` replaces the months the file covers (of its time column)
  monthly    the same, the key includes the `month` column; `--replace` replaces months
  reference  rules: overlapping validity for a product is rejected; `--replace`
             replaces the products the file lists
  snapshot   customers: a newer extract updates a customer; the earlier state is kept
             with the dates it was in force (`_valid_from`, `_valid_to`)
"""

from __future__ import annotations

from dataclasses import dataclass

from chanops.sql import in_months, lit

# Logical types of SPEC §2 and the DuckDB type each is stored as.
# `month` is stored as 'YYYY-MM' text: it sorts and compares correctly and is what
# analysts type on the command line.
SQL_TYPES = {
    "str": "VARCHAR",
    "msisdn": "VARCHAR",
    "status": "VARCHAR",
    "channel": "VARCHAR",
    "ts": "TIMESTAMP",
    "date": "DATE",
    "month": "VARCHAR",
    "int": "BIGINT",
    "dec": "DECIMAL(18,2)",
    # A reward rate is not money: 12.5% must survive loading, so six places.
    "ratio": "DECIMAL(18,6)",
    "bool": "BOOLEAN",
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    default: str | None = None  # SQL literal used when the column is absent or empty


MODES = ("event", "monthly", "reference", "snapshot")


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # the grain: a row whose key is already loaded is a duplicate
    mode: str  # one of MODES
    time_column: str  # the months a row belongs to (`db info`, `--replace`, export)
    # entries may come without entry_id: the key is then made from these values, never
    # from the file's bytes or line positions, so a re-sent file makes the same ids
    key_from: tuple[str, ...] = ()

    @property
    def generated_key(self) -> bool:
        return bool(self.key_from)

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def required(self) -> list[str]:
        """Columns a file must have (a generated key may be absent)."""
        return [
            c.name
            for c in self.columns
            if c.required and c.default is None and not (self.key_from and c.name in self.key)
        ]

    def in_months(self, first: str, last: str | None = None) -> str:
        """Condition: a row of this kind belongs to months first..last (a range test, so row
        groups are skipped by their min/max)."""
        column = self.column(self.time_column)
        if column.type == "month":
            return f"{column.name} BETWEEN {lit(first)} AND {lit(last or first)}"
        return in_months(column.name, first, last)

    @property
    def month_sql(self) -> str:
        """Expression giving the 'YYYY-MM' a row belongs to."""
        column = self.column(self.time_column)
        return column.name if column.type == "month" else f"strftime({column.name}, '%Y-%m')"


def _c(name, type_, required=False, aliases="", default=None) -> Column:
    return Column(name, type_, required, tuple(a for a in aliases.split() if a), default)


KINDS: dict[str, Kind] = {
    k.name: k
    for k in [
        Kind(
            "orders",
            "业务办理记录",
            (
                _c("order_id", "str", True, "订单编号 订单号 流水号 订单ID"),
                _c("order_time", "ts", True, "办理时间 受理时间 订单时间"),
                _c("msisdn", "msisdn", True, "手机号码 用户号码 服务号码 手机号"),
                _c("region", "str", True, "地市 盟市 区域 地区"),
                _c("channel", "channel", True, "渠道 办理渠道 触点 渠道编码"),
                _c("product", "str", True, "产品 业务 业务名称 产品名称"),
                _c("status", "status", True, "办理结果 状态 办理状态"),
                _c("fail_reason", "str", False, "失败原因"),
                _c("conflict_product", "str", False, "互斥产品"),
                _c("campaign_id", "str", False, "活动编号 活动ID 营销活动编号"),
                _c("fee", "dec", False, "资费 金额"),
            ),
            key=("order_id",),
            mode="event",
            time_column="order_time",
        ),
        Kind(
            "contacts",
            "触点接触记录",
            (
                _c("contact_id", "str", True, "接触编号 接触ID"),
                _c("contact_time", "ts", True, "接触时间"),
                _c("msisdn", "msisdn", True, "手机号码 用户号码 服务号码"),
                _c("region", "str", True, "地市 盟市 区域"),
                _c("touchpoint", "channel", True, "触点 渠道 触点编码"),
                _c("campaign_id", "str", True, "活动编号 活动ID"),
                _c("product", "str", False, "营销产品 产品 业务名称"),
                _c("wave", "int", False, "波次", default="1"),
                _c("reached", "bool", True, "是否触达 是否呼通 触达"),
            ),
            key=("contact_id",),
            mode="event",
            time_column="contact_time",
        ),
        Kind(
            "entries",
            "营业员录入",
            (
                _c("entry_id", "str", True, "录入编号 录入ID"),
                _c("entry_time", "ts", True, "录入时间"),
                _c("staff_id", "str", True, "工号 营业员工号"),
                _c("staff_name", "str", False, "姓名 营业员姓名"),
                _c("store", "str", True, "营业厅 所属营业厅"),
                _c("region", "str", True, "区域 营业区域 地市"),
                _c("department", "str", False, "营业部"),
                _c("msisdn", "msisdn", True, "手机号码 用户号码"),
                _c("product", "str", True, "业务名称 产品 业务"),
            ),
            key=("entry_id",),
            mode="event",
            time_column="entry_time",
            key_from=("entry_time", "staff_id", "msisdn", "product"),
        ),
        Kind(
            "valid",
            "有效数据",
            (
                _c("month", "month", True, "月份 账期"),
                _c("msisdn", "msisdn", True, "手机号码 用户号码"),
                _c("product", "str", True, "业务名称 产品 业务"),
                _c("fee", "dec", True, "资费 金额"),
            ),
            key=("month", "msisdn", "product"),
            mode="monthly",
            time_column="month",
        ),
        Kind(
            "rules",
            "积分规则",
            (
                _c("product", "str", True, "业务名称 产品 业务"),
                _c("rate", "ratio", False, "奖励比例 比例"),
                _c("points", "dec", False, "积分 固定积分"),
                _c("valid_from", "month", True, "生效月份"),
                _c("valid_to", "month", False, "失效月份"),
            ),
            key=("product", "valid_from"),
            mode="reference",
            time_column="valid_from",
        ),
        Kind(
            "complaints",
            "投诉",
            (
                _c("complaint_id", "str", True, "投诉编号 工单编号"),
                _c("complaint_time", "ts", True, "投诉时间 受理时间"),
                _c("msisdn", "msisdn", False, "手机号码 用户号码"),
                _c("staff_id", "str", False, "工号 营业员工号"),
                _c("channel", "channel", False, "渠道 投诉渠道"),
                _c("category", "str", False, "投诉类型 类型"),
            ),
            key=("complaint_id",),
            mode="event",
            time_column="complaint_time",
        ),
        Kind(
            "usage",
            "电子渠道使用",
            (
                _c("msisdn", "msisdn", True, "手机号码 用户号码"),
                _c("channel", "channel", True, "渠道 使用渠道"),
                _c("event_time", "ts", True, "使用时间 访问时间"),
                _c("action", "str", False, "操作 行为"),
            ),
            key=("msisdn", "channel", "event_time", "action"),
            mode="event",
            time_column="event_time",
        ),
        Kind(
            "signals",
            "潜量数据",
            (
                _c("month", "month", True, "月份 账期"),
                _c("msisdn", "msisdn", True, "手机号码 用户号码"),
                _c("channel", "channel", True, "渠道"),
                _c("signal", "str", True, "指标 潜量指标"),
                _c("value", "dec", False, "值 指标值", default="1"),
            ),
            key=("month", "msisdn", "channel", "signal"),
            mode="monthly",
            time_column="month",
        ),
        Kind(
            "customers",
            "客户资料",
            (
                _c("msisdn", "msisdn", True, "手机号码 用户号码 服务号码"),
                _c("region", "str", True, "地市 盟市 区域"),
                _c("join_date", "date", True, "入网时间 入网日期"),
                _c("churn_date", "date", False, "离网时间 离网日期"),
                _c("brand", "str", False, "品牌"),
            ),
            key=("msisdn",),
            mode="snapshot",
            time_column="join_date",
        ),
        Kind(
            "billing",
            "账单收入",
            (
                _c("month", "month", True, "账期 月份"),
                _c("msisdn", "msisdn", True, "手机号码 用户号码"),
                _c("revenue", "dec", True, "收入 出账收入"),
            ),
            key=("month", "msisdn"),
            mode="monthly",
            time_column="month",
        ),
    ]
}


def kind(name: str) -> Kind:
    """The Kind called `name`; raises KeyError for an unknown one."""
    return KINDS[name]


def table_ddl(k: Kind) -> str:
    """CREATE TABLE for a canonical table. `_load_id` ties each row to the load that wrote it;
    a snapshot kind also keeps the dates each state was in force: from `_valid_from` (NULL: from
    the beginning) until the day before `_valid_to` (NULL: still in force)."""
    cols = [f"{c.name} {SQL_TYPES[c.type]}" for c in k.columns]
    cols.append("_load_id BIGINT NOT NULL")
    if k.mode == "snapshot":
        cols += ["_valid_from DATE", "_valid_to DATE", "_seen DATE[]"]  # _seen: as-of dates that showed it
    return f"CREATE TABLE IF NOT EXISTS {k.name} ({', '.join(cols)})"


def seen_of_old_state(first_shown: str | None = None) -> str:
    """`_seen` of a customer state recorded before states kept it: the as-of of the load that
    wrote it when that is known (`first_shown`, an expression: the lake's ledger has it), else
    where the state starts; a first state, which starts at the beginning, the day before the
    next one, or else 1970-01-01 — earlier than any snapshot to come, as such a state was
    treated when it was loaded. The warehouse migration and the reading of a lake written
    before `_seen` both take it from here."""
    known = f"{first_shown}, " if first_shown else ""
    return f"[coalesce({known}_valid_from, _valid_to - 1, DATE '1970-01-01')]"
