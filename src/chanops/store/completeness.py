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
One row per test: figure, expectation, pass or breach.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import pyarrow as pa

from chanops.engines import as_engine, only_row
from chanops.errors import ConfigError
from chanops.ingest.reject_codes import is_duplicate
from chanops.months import add_months, days_of
from chanops.schema import KINDS
from chanops.sql import lit

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

    def add(self, test: str, kind: str | None, region: str | None, figure, expectation: tuple[str, str], ok: bool):
        """One test's row; `expectation` in Chinese and English."""
        self.rows.append(
            {
                "test": test,
                "kind": kind,
                "region": region,
                "figure": None if figure is None else str(figure),
                "expectation": expectation[1],
                "expectation_zh": expectation[0],
                "status": "pass" if ok else "breach",
            }
        )

    @property
    def breaches(self) -> list[dict]:
        return [r for r in self.rows if r["status"] == "breach"]

    def table(self) -> pa.Table:
        names = ["test", "kind", "region", "figure", "expectation", "status"]
        return pa.table({n: pa.array([r[n] for r in self.rows], pa.string()) for n in names})

    def for_people(self, lang: str) -> pa.Table:
        """The table with test names and statuses in words of `lang`."""
        index = 0 if lang == "zh" else 1
        table = self.table()
        for name in ("test", "status"):
            words = [WORDS.get(v, (v, v))[index] for v in table[name].to_pylist()]
            table = table.set_column(table.schema.get_field_index(name), name, pa.array(words, pa.string()))
        if lang == "zh":
            zh = pa.array([r["expectation_zh"] for r in self.rows], pa.string())
            table = table.set_column(table.schema.get_field_index("expectation"), "expectation", zh)
            kinds = pa.array([KINDS[k].label if k else None for k in table["kind"].to_pylist()], pa.string())
            table = table.set_column(table.schema.get_field_index("kind"), "kind", kinds)
        return table

    def breach_lines(self, lang: str = "en") -> list[str]:
        """One line per breach, for stderr (English) or the report (its language)."""
        lines = []
        for r in self.breaches:
            where = " ".join(x for x in (r["kind"], r["region"]) if x)
            if lang == "zh":
                lines.append(f"{WORDS[r['test']][0]} {where}：{r['figure']}（预期：{r['expectation_zh']}）")
            else:
                lines.append(f"{r['test']} {where}: {r['figure']} (expected {r['expectation']})")
        return lines


def _rows_in(con, kind: str, month: str) -> int:
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


def _per_month(con, kind: str, month: str, by_region: bool) -> dict[tuple[str, str | None], int]:
    """Rows per (month, region) over M and the HISTORY months before it."""
    k = KINDS[kind]
    first = add_months(month, -HISTORY)
    region = "region" if by_region else "NULL"
    rows = as_engine(con).table(
        f"SELECT {k.month_sql} AS m, {region} AS r, count(*) AS n FROM {kind} "
        f"WHERE {KINDS[kind].in_months(first, month)} GROUP BY 1, 2"
    )
    return {(row["m"], row["r"]): int(row["n"]) for row in rows.to_pylist()}


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
    result.add(test, kind, region, f"{now:,} ({ratio:.0%})", expectation, cfg.low <= ratio <= cfg.high)


def check_month(con, month: str, config: CheckConfig | None = None) -> CheckResult:
    """Every test of the month, in a fixed order: kinds, volumes, regions, days, rejects."""
    cfg = config or CheckConfig()
    result = CheckResult(month)
    history_months = [add_months(month, -i) for i in range(HISTORY, 0, -1)]
    for kind in cfg.kinds:
        rows = _rows_in(con, kind, month)
        result.add("kind_loaded", kind, None, f"{rows:,}", ("本月有数据", "> 0 rows for the month"), rows > 0)
    for kind in cfg.kinds:
        if KINDS[kind].mode not in ("event", "monthly"):
            continue
        counts = _per_month(con, kind, month, by_region=False)
        _volume(
            result,
            "volume",
            kind,
            None,
            counts.get((month, None), 0),
            [counts.get((m, None), 0) for m in history_months],
            cfg,
        )
    for kind in (k for k in REGION_KINDS if k in cfg.kinds):
        counts = _per_month(con, kind, month, by_region=True)
        regions = sorted({r for (_m, r) in counts if r is not None})
        for region in regions:
            now = counts.get((month, region), 0)
            history = [counts.get((m, region), 0) for m in history_months]
            if now == 0:
                vanished = ("有数据，与前几个月一样（本月消失）", "rows, as in the previous months (vanished)")
                result.add("region_volume", kind, region, "0", vanished, False)
                continue
            _volume(result, "region_volume", kind, region, now, history, cfg)
    for kind in (k for k in DAILY_KINDS if k in cfg.kinds):
        column = KINDS[kind].time_column
        present = as_engine(con).table(
            f"SELECT DISTINCT strftime({column}, '%Y-%m-%d') AS d FROM {kind} WHERE {KINDS[kind].in_months(month)}"
        )
        days = [d for d in days_of(month) if d not in set(present.column("d").to_pylist())]
        shown = ", ".join(days[:5]) + (" …" if len(days) > 5 else "")
        result.add(
            "empty_days",
            kind,
            None,
            f"{len(days)}" + (f" ({shown})" if days else ""),
            ("每天都有数据", "every day of the month has rows"),
            not days,
        )
    loads = " UNION ".join(
        f"SELECT DISTINCT _load_id FROM {kind} WHERE {KINDS[kind].in_months(month)}"
        for kind in cfg.kinds
        if KINDS[kind].mode in ("event", "monthly")
    )
    if loads:
        read, bad = only_row(
            con,
            f"""SELECT coalesce(sum(rows_read), 0),
                       (SELECT count(*) FROM _rejects
                        WHERE load_id IN ({loads}) AND NOT {is_duplicate("code")})
                FROM _loads WHERE load_id IN ({loads})""",
        )
        share = bad / read if read else 0.0
        result.add(
            "reject_share",
            None,
            None,
            f"{share:.2%} ({bad:,} of {read:,})",
            (f"≤ {cfg.max_reject_share:.2%}",) * 2,
            share <= cfg.max_reject_share,
        )
    return result
