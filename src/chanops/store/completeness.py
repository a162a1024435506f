"""Is the month complete enough to report? (SPEC §13, `chanops check`)

What a cron job must know before it sends anything, tested on the warehouse:
  kind_loaded    each kind the report needs has rows for M (rules: one in force in M;
                 customers: any snapshot);
  volume         rows of each monthly kind in M against the median of its previous 3
                 months with data (breach below `low` or above `high` times it);
  region_volume  the same per region for orders and contacts; a region that had rows
                 before and has none in M has vanished — a breach;
  empty_days     days of M without any order, or any contact;
  reject_share   bad rows rejected by the loads that wrote M's rows, over the rows they
                 read (duplicates are not bad data).
One row per test: the figure as a number (a count, or a share), the detail behind it
(share of the median, the days, rows read), expectation, pass or breach.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING

from chanops.engines import as_engine, only_row
from chanops.errors import ConfigError
from chanops.ingest.reject_codes import is_duplicate
from chanops.months import add_months, days_of
from chanops.regions import OFFICIAL_ORDER, region_sort_key
from chanops.schema import KINDS
from chanops.sql import lit

if TYPE_CHECKING:
    import pyarrow as pa

# test ids and statuses as people read them (machine formats keep the ids)
WORDS = {
    "kind_loaded": ("数据已加载", "kind loaded"),
    "volume": ("数据量", "volume"),
    "region_volume": ("分地市数据量", "volume by region"),
    "empty_days": ("无数据日期", "days without data"),
    "reject_share": ("拒绝率", "reject share"),
    "pass": ("通过", "pass"),
    "breach": ("未通过", "BREACH"),
}
REGION_KINDS = ("orders", "contacts")
DAILY_KINDS = ("orders", "contacts")
HISTORY = 3  # months the volume is compared with


@dataclass(frozen=True)
class CheckConfig:
    """`[check]`: which kinds must be loaded, the volume band, the largest reject share."""

    kinds: tuple[str, ...] = tuple(KINDS)
    low: float = 0.5
    high: float = 2.0
    max_reject_share: float = 0.01

    @classmethod
    def from_section(cls, section: dict | None) -> CheckConfig:
        section = dict(section or {})
        known = {f.name for f in fields(cls)}
        unknown = set(section) - known
        if unknown:
            raise ConfigError(
                f"[check]: unknown key(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}"
            )
        kinds = section.pop("kinds", cls.kinds)
        if not isinstance(kinds, (list, tuple)) or any(k not in KINDS for k in kinds):
            raise ConfigError(f"[check] kinds must be a list of kinds from: {', '.join(KINDS)}")
        for key, value in section.items():
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value < float("inf"):
                raise ConfigError(f"[check] {key} must be a non-negative number")
        config = cls(tuple(kinds), **section)
        if config.low > config.high:
            raise ConfigError("[check] low must not be above high")
        return config


@dataclass
class CheckResult:
    month: str
    rows: list[dict] = field(default_factory=list)

    def add(
        self,
        test: str,
        kind: str | None,
        region: str | None,
        figure: float,
        expectation: tuple[str, str],
        ok: bool,
        *,
        unit: str = "count",
        detail: tuple[str, str] | None = None,
    ):
        """One test's row: the figure as a number in `unit` (count, or share for a fraction),
        what explains it in `detail`, and `expectation`, each in Chinese and English."""
        self.rows.append(
            {
                "test": test,
                "kind": kind,
                "region": region,
                "figure": float(figure),
                "unit": unit,
                "detail": detail[1] if detail else None,
                "detail_zh": detail[0] if detail else None,
                "expectation": expectation[1],
                "expectation_zh": expectation[0],
                "status": "pass" if ok else "breach",
            }
        )

    @property
    def breaches(self) -> list[dict]:
        return [r for r in self.rows if r["status"] == "breach"]

    def table(self) -> pa.Table:
        """One row per test; `figure` is a number (a count, or a share when `unit` is share)."""
        import pyarrow as pa

        names = ["test", "kind", "region", "figure", "unit", "detail", "expectation", "status"]
        return pa.table(
            {n: pa.array([r[n] for r in self.rows], pa.float64() if n == "figure" else pa.string()) for n in names}
        )

    def for_people(self, lang: str) -> pa.Table:
        """The table with test names, kinds, details, expectations and statuses in words of `lang`;
        the figures stay numbers."""
        import pyarrow as pa

        index = 0 if lang == "zh" else 1
        table = self.table()
        for name in ("test", "status"):
            words = [WORDS.get(v, (v, v))[index] for v in table[name].to_pylist()]
            table = table.set_column(table.schema.get_field_index(name), name, pa.array(words, pa.string()))
        if lang == "zh":
            for name in ("detail", "expectation"):
                zh = pa.array([r[f"{name}_zh"] for r in self.rows], pa.string())
                table = table.set_column(table.schema.get_field_index(name), name, zh)
            kinds = pa.array([KINDS[k].label if k else None for k in table["kind"].to_pylist()], pa.string())
            table = table.set_column(table.schema.get_field_index("kind"), "kind", kinds)
        return table

    def for_reading(self, lang: str) -> pa.Table:
        """for_people with each figure as text in its unit (3,223 or 0.01%), for tables read on
        a screen, where one column cannot take a number format per row."""
        import pyarrow as pa

        table = self.for_people(lang)
        texts = pa.array([figure_text(r) for r in self.rows], pa.string())
        return table.set_column(table.schema.get_field_index("figure"), "figure", texts).drop_columns(["unit"])

    def breach_lines(self, lang: str = "en") -> list[str]:
        """One line per breach, for stderr (English) or the report (its language)."""
        lines = []
        for r in self.breaches:
            kind = KINDS[r["kind"]].label if r["kind"] and lang == "zh" else r["kind"]
            where = " ".join(x for x in (kind, r["region"]) if x)
            if lang == "zh":
                detail = f"，{r['detail_zh']}" if r["detail_zh"] else ""
                lines.append(f"{WORDS[r['test']][0]} {where}：{figure_text(r)}{detail}（预期：{r['expectation_zh']}）")
            else:
                detail = f" ({r['detail']})" if r["detail"] else ""
                lines.append(f"{r['test']} {where}: {figure_text(r)}{detail} (expected {r['expectation']})")
        return lines


def figure_text(row: dict) -> str:
    """A test's figure as people read it: a count with thousands separators, a share in %."""
    return f"{row['figure']:.2%}" if row["unit"] == "share" else f"{row['figure']:,.0f}"


def _rows_in(con, kind: str, month: str) -> int:
    """Rows a reference or snapshot kind has for the month (the monthly and event kinds are
    counted off their tally)."""
    if kind == "rules":
        m = lit(month)
        return int(
            only_row(
                con, f"SELECT count(*) FROM rules WHERE valid_from <= {m} AND (valid_to IS NULL OR valid_to >= {m})"
            )[0]
        )
    if kind == "customers":
        return int(only_row(con, "SELECT count(DISTINCT msisdn) FROM customers")[0])
    return int(only_row(con, f"SELECT count(*) FROM {kind} WHERE {KINDS[kind].in_months(month)}")[0])


def _median(values: list[int]) -> float | None:
    ordered = sorted(values)
    if not ordered:
        return None
    mid = len(ordered) // 2
    return float(ordered[mid]) if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


@dataclass
class _Tally:
    """A monthly or event kind's rows over M and the HISTORY months before it, from one scan:
    per (month, region), the days of M with rows, the loads that wrote M's rows."""

    per_month: dict[tuple[str, str | None], int]  # (month, region or None) → rows
    days: set[str]  # 'YYYY-MM-DD' of M with rows (event kinds)
    loads: set[int]  # load ids of M's rows

    def rows(self, month: str, region: str | None = None, by_region: bool = False) -> int:
        if by_region:
            return self.per_month.get((month, region), 0)
        return sum(n for (m, _r), n in self.per_month.items() if m == month)

    def regions(self) -> set[str]:
        return {r for (_m, r) in self.per_month if r is not None}


def _tally(con, kind: str, month: str) -> _Tally:
    """One scan of the kind over M and the HISTORY months before it, grouped by day (event
    kinds) or month, region (orders, contacts) and load. A row's day is a date, not text:
    formatting every row's time was most of what the check cost on a large month."""
    k = KINDS[kind]
    column = k.column(k.time_column)
    when = column.name if column.type == "month" else f"CAST({column.name} AS DATE)"
    region = "region" if kind in REGION_KINDS else "CAST(NULL AS VARCHAR)"
    rows = as_engine(con).table(
        f"SELECT {when} AS w, {region} AS r, _load_id AS l, count(*) AS n FROM {kind} "
        f"WHERE {k.in_months(add_months(month, -HISTORY), month)} GROUP BY 1, 2, 3"
    )
    per_month: dict[tuple[str, str | None], int] = {}
    days: set[str] = set()
    loads: set[int] = set()
    for when_, region_, load, n in zip(*(rows.column(c).to_pylist() for c in ("w", "r", "l", "n")), strict=True):
        text = str(when_)  # a date's 'YYYY-MM-DD', or a monthly kind's 'YYYY-MM'
        key = (text[:7], region_)
        per_month[key] = per_month.get(key, 0) + int(n)
        if text[:7] == month:
            if len(text) > 7:
                days.add(text)
            if load is not None:
                loads.add(int(load))
    return _Tally(per_month, days, loads)


def _volume(result: CheckResult, test: str, kind: str, region: str | None, now: int, history: list[int], cfg) -> None:
    median = _median([n for n in history if n > 0])
    if median is None:
        result.add(test, kind, region, now, ("无历史月份可比", "no earlier month to compare with"), True)
        return
    ratio = now / median
    expectation = (
        f"前三个月中位数 {median:,.0f} 的 {cfg.low:g}–{cfg.high:g} 倍",
        f"{cfg.low:g}–{cfg.high:g} × median {median:,.0f} of the previous months",
    )
    detail = (f"为中位数的 {ratio:.0%}", f"{ratio:.0%} of the median")
    result.add(test, kind, region, now, expectation, cfg.low <= ratio <= cfg.high, detail=detail)


def check_month(
    con, month: str, config: CheckConfig | None = None, regions: Sequence[str] = OFFICIAL_ORDER
) -> CheckResult:
    """Every test of the month, in a fixed order: kinds, volumes, regions (in `regions` order),
    days, rejects. Each monthly or event kind is read once (its tally); reference and snapshot
    kinds are counted on their own."""
    cfg = config or CheckConfig()
    result = CheckResult(month)
    history_months = [add_months(month, -i) for i in range(HISTORY, 0, -1)]
    tallies = {kind: _tally(con, kind, month) for kind in cfg.kinds if KINDS[kind].mode in ("event", "monthly")}
    for kind in cfg.kinds:
        rows = tallies[kind].rows(month) if kind in tallies else _rows_in(con, kind, month)
        result.add("kind_loaded", kind, None, rows, ("本月有数据", "> 0 rows for the month"), rows > 0)
    for kind, tally in tallies.items():
        history = [tally.rows(m) for m in history_months]
        _volume(result, "volume", kind, None, tally.rows(month), history, cfg)
    for kind in (k for k in REGION_KINDS if k in tallies):
        tally = tallies[kind]
        for region in sorted(tally.regions(), key=region_sort_key(regions)):
            now = tally.rows(month, region, by_region=True)
            history = [tally.rows(m, region, by_region=True) for m in history_months]
            if now == 0:
                vanished = ("有数据，与前几个月一样（本月消失）", "rows, as in the previous months (vanished)")
                result.add("region_volume", kind, region, 0, vanished, False)
                continue
            _volume(result, "region_volume", kind, region, now, history, cfg)
    for kind in (k for k in DAILY_KINDS if k in tallies):
        days = [d for d in days_of(month) if d not in tallies[kind].days]
        listed, more = days[:5], len(days) > 5
        shown = ("、".join(listed) + ("…" if more else ""), ", ".join(listed) + (" …" if more else ""))
        result.add(
            "empty_days",
            kind,
            None,
            len(days),
            ("每天都有数据", "every day of the month has rows"),
            not days,
            detail=shown if days else None,
        )
    if tallies:
        loads = sorted(set().union(*(t.loads for t in tallies.values())))
        read, bad = 0, 0
        if loads:
            ids = ", ".join(str(i) for i in loads)
            read, bad = only_row(
                con,
                f"""SELECT coalesce(sum(rows_read), 0),
                           (SELECT count(*) FROM _rejects WHERE load_id IN ({ids}) AND NOT {is_duplicate("code")})
                    FROM _loads WHERE load_id IN ({ids})""",
            )
        share = bad / read if read else 0.0
        result.add(
            "reject_share",
            None,
            None,
            share,
            (f"≤ {cfg.max_reject_share:.2%}",) * 2,
            share <= cfg.max_reject_share,
            unit="share",
            detail=(f"读入 {read:,} 行，拒绝 {bad:,} 行", f"{bad:,} of {read:,} rows read"),
        )
    return result
