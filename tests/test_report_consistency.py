"""One number everywhere (SPEC §15; issue 25, item 6): every number the monthly report's HTML,
workbook and Markdown show equals the JSON of the command that computes it, within the
display rounding — on the sample province and on a second generated province (seed 11) whose
thresholds breach at region level.

The report is read as people see it (tests/report_reader.py): tables by their visible titles
and header labels, labels mapped back to ids with the project's own label tables
(chanops.present.labels, the KPI catalog's zh names, the channel catalog). A failure names
the province, the surface, the figure, the value shown and the command's value.

Not yet covered (listed so a reader knows what no assertion holds):
- the SVG charts (sparklines, trend and bar charts): their end labels repeat table figures;
- the completeness table's 预期 column (a sentence; its 实际 column and status are held);
- which rows the report picks (top 20 / top 10 / top 3 movers): the figures of the rows it
  shows are held, not the choice of rows.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chanops.channels import DEFAULT_CHANNELS
from chanops.cli import app
from chanops.kpi.catalog import BUILTIN_KPIS
from chanops.present.labels import VALUE_LABELS, label
from chanops.store.completeness import WORDS as CHECK_WORDS
from tests.report_reader import (
    Shown,
    Table,
    find_numbers,
    html_alerts,
    html_cards,
    html_meta,
    html_movers,
    html_notes,
    html_tables,
    parse_alert,
    parse_html,
    parse_number,
    read_markdown,
    read_workbook,
    sheet_tables,
)

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "sample_data"
KINDS = ("orders", "contacts", "entries", "valid", "rules", "complaints", "usage", "signals", "customers", "billing")
KPIS = {k.id: k for k in BUILTIN_KPIS}
KPI_BY_NAME = {k.zh: k.id for k in BUILTIN_KPIS}
CHANNEL_BY_NAME = {c.zh: c.code for c in DEFAULT_CHANNELS}
CHANNEL_NAME = {c.code: c.zh for c in DEFAULT_CHANNELS}
STAGE_BY_NAME = {zh: code for code, (zh, _en) in VALUE_LABELS["stage"].items()}
ALL_PRODUCTS = "(all)"  # the total row of a per-product table, shown as 全部

# The second province: regions breach these, the province mostly does not.
SEED11_CONFIG = "[kpis.online_share]\nmin = 0.45\n\n[kpis.outbound_connect_rate]\nmin = 0.30\n"


def L(column_id: str) -> str:  # noqa: N802 — the label a reader sees for an id
    return label(column_id, "zh")


# ---------------------------------------------------------------- the province under test


@dataclass
class Province:
    name: str
    db: Path
    config: Path
    out: Path
    runner: CliRunner = field(default_factory=CliRunner)
    _cache: dict = field(default_factory=dict)

    def run(self, *args: str):
        key = tuple(args)
        if key not in self._cache:
            self._cache[key] = self.runner.invoke(app, [str(a) for a in args])
        return self._cache[key]

    def json(self, *args: str, config: bool = False):
        """stdout of `chanops ARGS --db DB [--config C] --format json`, parsed."""
        extra = ["--config", str(self.config)] if config else []
        result = self.run(*args, "--db", str(self.db), *extra, "--format", "json")
        if config and result.exit_code == 2 and "--config" in result.stderr:
            result = self.run(*args, "--db", str(self.db), "--format", "json")  # a command with no config
        assert result.exit_code in (0, 3), (
            f"[{self.name}] chanops {' '.join(args)} exited {result.exit_code}: {result.stderr}{result.exception!r}"
        )
        return json.loads(result.stdout)

    @property
    def thresholds(self) -> dict[str, dict[str, float]]:
        table = tomllib.loads(self.config.read_text(encoding="utf-8")).get("kpis", {})
        return {k: {s: v[s] for s in ("min", "max") if s in v} for k, v in table.items()}

    # the report, read once
    @property
    def month(self) -> str:
        return re.search(r"(\d{4}-\d{2})", self.html_path.name).group(1)

    @property
    def html_path(self) -> Path:
        return next(self.out.glob("chanops-report-*.html"))

    def surfaces(self):
        if "surfaces" not in self._cache:
            root = parse_html(self.html_path)
            wb = read_workbook(self.html_path.with_suffix(".xlsx"))
            md = read_markdown(self.html_path.with_suffix(".md"))
            tables = html_tables(root) + [t for s in wb.values() for t in sheet_tables(s)] + md.tables
            self._cache["surfaces"] = (root, wb, md, tables)
        return self._cache["surfaces"]

    def tables(self, title: str, surfaces=("html", "xlsx", "md")) -> list[Table]:
        """Every table titled `title` on the given surfaces (xlsx: the sheet of that name)."""
        return [t for t in self.surfaces()[3] if t.title == title and t.surface.split("#")[0].split(":")[0] in surfaces]


def _invoke(runner: CliRunner, *args) -> None:
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, f"chanops {' '.join(map(str, args))}: {result.stderr}{result.exception!r}"


@pytest.fixture(scope="module", params=["sample", "seed11"])
def province(request, tmp_path_factory) -> Province:
    """A warehouse loaded like `make demo` does (every kind), its config, and its monthly
    report — built once per module for each province."""
    base = tmp_path_factory.mktemp(request.param)
    runner = CliRunner()
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(base)  # no ./chanops.toml or $CHANOPS_DB of the developer's
        mp.delenv("CHANOPS_DB", raising=False)
        if request.param == "sample":
            data, config = SAMPLE, SAMPLE / "chanops.toml"
        else:
            data = base / "data"
            _invoke(runner, "sample", "--out", data, "--rows", "30000", "--seed", "11")
            config = base / "chanops.toml"
            config.write_text(SEED11_CONFIG, encoding="utf-8")
        db = base / "wh.duckdb"
        for kind in KINDS:
            # the sample's customers extract is the month-end snapshot and carries no date;
            # a generated one carries its 统计日期 column
            as_of = ("--as-of", "2022-11-30") if kind == "customers" and request.param == "sample" else ()
            _invoke(runner, "load", kind, data / f"{kind}.csv", *as_of, "--db", db)
        out = base / "report"
        _invoke(runner, "report", "monthly", "--db", db, "--config", config, "--out", out)
        yield Province(request.param, db, config, out, runner)


# ---------------------------------------------------------------- comparing


class Checker:
    """Collects every comparison; `done()` fails with all disagreements at once."""

    def __init__(self, province: Province) -> None:
        self.p = province
        self.errors: list[str] = []
        self.count: Counter = Counter()

    def fail(self, surface: str, figure: str, message: str) -> None:
        self.errors.append(f"[{self.p.name}] {surface}: {figure}: {message}")

    def num(self, surface: str, figure: str, shown: Shown | None, expected, command: str, unit: str) -> None:
        """`shown` (in the unit it names) against the command's `expected`, given in `unit`:
        "pct" a fraction, "pp" percentage points, "per_million" per million customers, "num"
        as is. The workbook must store a per-million figure under a format naming the unit;
        HTML and Markdown show it as a plain number beside the KPI's name (百万客户申诉率)."""
        self.count[surface.split("#")[0].split(":")[0]] += 1
        if shown is None:
            self.fail(surface, figure, f"no number shown; {command} = {expected!r}")
            return
        if expected is None or shown.value is None:
            if expected is None and shown.value is None:
                return
            self.fail(surface, figure, f"shown {shown.text!r} ≠ {command} {expected!r}")
            return
        plain_per_million = unit == "per_million" and shown.unit == "num" and not surface.startswith("xlsx")
        if shown.unit != unit and not plain_per_million:
            self.fail(surface, figure, f"shown {shown.text!r} in unit {shown.unit}; {command} = {expected!r} ({unit})")
            return
        if abs(shown.value - float(expected)) > shown.tol + 1e-9 * max(1.0, abs(float(expected))):
            self.fail(surface, figure, f"shown {shown.text!r} ≠ {command} {_fmt(expected, unit)}")

    def text(self, surface: str, figure: str, shown: str, expected: str, command: str) -> None:
        self.count[surface.split("#")[0].split(":")[0]] += 1
        if shown != expected:
            self.fail(surface, figure, f"shown {shown!r} ≠ {command} {expected!r}")

    def done(self) -> None:
        # with -s: how many figures each surface's check compared
        print(f"\n[{self.p.name}] figures compared: {dict(sorted(self.count.items()))}")
        if self.errors:
            pytest.fail(f"{len(self.errors)} figure(s) disagree:\n" + "\n".join(self.errors), pytrace=False)


def _fmt(value, unit: str) -> str:
    value = float(value)
    if unit == "pct":
        return f"{value:.6f} ({value * 100:.4f}%)"
    if unit == "pp":
        return f"{value:+.4f}pp"
    return f"{value:.4f}"


def kpi_unit(kpi_id: str) -> str:
    """The unit a KPI's value is compared in, from the catalog's unit (SPEC §4: units are data):
    a share as a fraction, a per-million rate in its own unit."""
    return {"share": "pct", "per_million": "per_million"}.get(KPIS[kpi_id].unit, "num")


def change_unit(kpi_id: str) -> str:
    """A share's change in percentage points, a per-million rate's in its own unit."""
    return {"share": "pp", "per_million": "per_million"}.get(KPIS[kpi_id].unit, "num")


def shown_change(kpi_id: str, change, value, previous):
    """The command's change in the unit the report must show it (SPEC §4: percentage points for
    a rate, the KPI's own unit for a per-million rate). A JSON change of a rate given as a
    fraction (value − previous) is turned into pp; one already in pp is kept."""
    if change is None or KPIS[kpi_id].unit != "share":
        return change
    return _rate_change_pp(change, value, previous)


def _rate_change_pp(change, value, previous):
    """A rate's change in pp: a JSON change already in pp (= 100 × (value − previous)) is kept,
    one given as a fraction is scaled."""
    if value is not None and previous is not None and abs(change - 100 * (value - previous)) <= 1e-6:
        return change
    return 100 * change


def by(rows: list[dict], *keys: str) -> dict:
    return {tuple(r[k] for k in keys) if len(keys) > 1 else r[keys[0]]: r for r in rows}


def mask(msisdn: str) -> str:
    return f"{msisdn[:3]}****{msisdn[-4:]}"


def cells_of(table: Table, row) -> dict:
    return dict(zip(table.headers, row, strict=False))


def need_tables(c: Checker, p: Province, title: str, surfaces=("html", "xlsx")) -> list[Table]:
    found = p.tables(title, surfaces)
    for s in surfaces:
        if not any(t.surface.startswith(s) for t in found):
            c.fail(s, title, "table not found")
    return found


# ---------------------------------------------------------------- headline


def test_headline_matches_kpi_compare(province: Province) -> None:
    """The headline KPI cards (HTML), the 核心指标 table (Markdown), the 核心指标 sheet and the
    cover's KPI table (workbook): value, previous month and change of every KPI equal
    `kpi --month M --compare prev`, the change in pp for rates and in the KPI's own unit for
    百万客户申诉率; the limit shown equals the config's threshold."""
    p, c = province, Checker(province)
    cmd = "kpi --compare prev"
    row = p.json("kpi", "--month", p.month, "--compare", "prev", config=True)[0]
    thresholds = p.thresholds

    def expect(kpi_id):
        value, prev = row.get(kpi_id), row.get(f"{kpi_id}_prev")
        return value, prev, shown_change(kpi_id, row.get(f"{kpi_id}_change"), value, prev)

    root, wb, md, _ = p.surfaces()
    cards = html_cards(root)
    if not cards:
        c.fail("html", "核心指标", "no KPI cards")
    for card in cards:
        kpi_id = card.kpi or KPI_BY_NAME.get(card.name)
        if kpi_id not in KPIS:
            c.fail("html", f"card {card.name}", "not a catalog KPI")
            continue
        value, _prev, change = expect(kpi_id)
        c.num("html", f"card {card.name} value", card.value, value, cmd, kpi_unit(kpi_id))
        c.num("html", f"card {card.name} change", card.change, change, cmd, change_unit(kpi_id))
        limits = find_numbers(card.limit_text)
        for side, word in (("min", "下限"), ("max", "上限")):
            if word in card.limit_text or side in thresholds.get(kpi_id, {}):
                c.num(
                    "html",
                    f"card {card.name} {word}",
                    limits[0] if limits else None,
                    thresholds.get(kpi_id, {}).get(side),
                    "config threshold",
                    kpi_unit(kpi_id),
                )

    for table in need_tables(c, p, L("headline"), ("xlsx", "md")) + p.tables(L("cover"), ("xlsx",)):
        is_md = table.surface == "md"
        value_h, prev_h = ("本月", "上月") if is_md else (L("value"), L("previous"))
        for cells_row in table.rows:
            cells = cells_of(table, cells_row)
            name = cells[L("kpi")].text
            kpi_id = KPI_BY_NAME.get(name)
            if kpi_id is None:
                c.fail(table.surface, f"{table.title}/{name}", "not a catalog KPI name")
                continue
            value, prev, change = expect(kpi_id)
            f = f"{table.title}/{name}"
            c.num(table.surface, f"{f}/{value_h}", cells[value_h].shown, value, cmd, kpi_unit(kpi_id))
            c.num(table.surface, f"{f}/{prev_h}", cells[prev_h].shown, prev, cmd, kpi_unit(kpi_id))
            c.num(table.surface, f"{f}/{L('change')}", cells[L("change")].shown, change, cmd, change_unit(kpi_id))
            limits = thresholds.get(kpi_id, {})
            if is_md:
                text = cells["考核线"].text
                shown = find_numbers(text)
                if limits or text:
                    side = "min" if "≥" in text or "min" in limits else "max"
                    c.num(
                        "md",
                        f"{f}/考核线",
                        shown[0] if shown else None,
                        limits.get(side),
                        "config threshold",
                        kpi_unit(kpi_id),
                    )
            else:
                for side in ("min", "max"):
                    c.num(
                        table.surface,
                        f"{f}/{L(side)}",
                        cells[L(side)].shown,
                        limits.get(side),
                        "config threshold",
                        kpi_unit(kpi_id),
                    )
    c.done()


def test_top_movers_match_kpi_compare(province: Province) -> None:
    """The 变化最大 lines of the Markdown and of the HTML ('收入保有率: 99.88% → 96.07% (-3.81pp,
    变差)'): the same KPIs in both, and previous, value and change of each equal `kpi --compare
    prev`."""
    p, c = province, Checker(province)
    row = p.json("kpi", "--month", p.month, "--compare", "prev", config=True)[0]
    root, _, md, _ = p.surfaces()
    by_surface = {"md": md.bullets("变化最大"), "html": html_movers(root)}
    for surface, lines in by_surface.items():
        assert lines, f"[{p.name}] {surface}: 变化最大 lists no KPI"
    if [line.split(":")[0] for line in by_surface["md"]] != [line.split(":")[0] for line in by_surface["html"]]:
        c.fail("html", "变化最大", f"{by_surface['html']} ≠ the Markdown's {by_surface['md']}")
    for surface, lines in by_surface.items():
        for line in lines:
            name = line.split(":")[0].strip()
            kpi_id = KPI_BY_NAME.get(name)
            numbers = find_numbers(line.split(":", 1)[1])
            if kpi_id is None or len(numbers) < 3:
                c.fail(surface, f"变化最大 {line!r}", "not 'KPI: previous → value (change, …)'")
                continue
            value, prev = row.get(kpi_id), row.get(f"{kpi_id}_prev")
            change = shown_change(kpi_id, row.get(f"{kpi_id}_change"), value, prev)
            command = "kpi --compare prev"
            c.num(surface, f"变化最大/{name}/上月", numbers[0], prev, command, kpi_unit(kpi_id))
            c.num(surface, f"变化最大/{name}/本月", numbers[1], value, command, kpi_unit(kpi_id))
            c.num(surface, f"变化最大/{name}/变化", numbers[2], change, command, change_unit(kpi_id))
    c.done()


# ---------------------------------------------------------------- KPI tables


def test_trend_matches_kpi_range(province: Province) -> None:
    """The 近六个月趋势 table (HTML, workbook): every KPI of every month equals
    `kpi --from FIRST --to M` for that month."""
    p, c = province, Checker(province)
    tables = need_tables(c, p, L("trend"))
    months = sorted({r[0].text for t in tables for r in t.rows})
    rows = by(p.json("kpi", "--from", months[0], "--to", p.month, config=True), "month") if months else {}
    for table in tables:
        for row in table.rows:
            cells = cells_of(table, row)
            month = cells[L("month")].text
            for header, cell in cells.items():
                if header == L("month"):
                    continue
                kpi_id = KPI_BY_NAME.get(header)
                if kpi_id is None:
                    c.fail(table.surface, f"{table.title}/{header}", "column is not a catalog KPI")
                    continue
                c.num(
                    table.surface,
                    f"{table.title}/{month}/{header}",
                    cell.shown,
                    rows.get(month, {}).get(kpi_id),
                    "kpi --from --to",
                    kpi_unit(kpi_id),
                )
    c.done()


def test_region_table_matches_kpi_by_region(province: Province) -> None:
    """The 分盟市 table (HTML, workbook): every KPI of every 盟市 equals
    `kpi --month M --by region`."""
    p, c = province, Checker(province)
    rows = by(p.json("kpi", "--month", p.month, "--by", "region", config=True), "region")
    for table in need_tables(c, p, L("by_region")):
        shown_regions = {r[0].text for r in table.rows}
        if shown_regions != set(rows):
            c.fail(table.surface, table.title, f"regions shown {sorted(shown_regions)} ≠ command {sorted(rows)}")
        for row in table.rows:
            cells = cells_of(table, row)
            region = cells[L("region")].text
            for header, cell in cells.items():
                if header == L("region"):
                    continue
                kpi_id = KPI_BY_NAME.get(header)
                if kpi_id is None:
                    c.fail(table.surface, f"{table.title}/{header}", "column is not a catalog KPI")
                    continue
                c.num(
                    table.surface,
                    f"{table.title}/{region}/{header}",
                    cell.shown,
                    rows.get(region, {}).get(kpi_id),
                    "kpi --by region",
                    kpi_unit(kpi_id),
                )
    c.done()


def test_retention_matches_retention_and_kpi(province: Province) -> None:
    """The 保有率 table (HTML, workbook): base month, base customers, retained, base revenue
    and revenue of each 盟市 equal `retention --by region`; its two rates equal the
    user_retention / revenue_retention of `kpi --by region`."""
    p, c = province, Checker(province)
    ret = by(p.json("retention", "--month", p.month, "--by", "region"), "region")
    kpi = by(p.json("kpi", "--month", p.month, "--by", "region", config=True), "region")
    for table in need_tables(c, p, L("retention")):
        for row in table.rows:
            cells = cells_of(table, row)
            region = cells[L("region")].text
            r, k = ret.get(region, {}), kpi.get(region, {})
            f = f"{table.title}/{region}"
            c.text(
                table.surface,
                f"{f}/{L('base_month')}",
                cells[L("base_month")].text,
                str(r.get("base_month")),
                "retention --by region",
            )
            for col in ("base_customers", "retained", "base_revenue", "revenue"):
                c.num(table.surface, f"{f}/{L(col)}", cells[L(col)].shown, r.get(col), "retention --by region", "num")
            for col in ("user_retention", "revenue_retention"):
                c.num(table.surface, f"{f}/{L(col)}", cells[L(col)].shown, k.get(col), "kpi --by region", "pct")
    c.done()


def test_touchpoint_matches_kpi_by_channel(province: Province) -> None:
    """The 分触点 table (HTML, workbook) shows the channels of `kpi --by channel --metric
    order_success_rate`, and of each its attempts, successes and success rate equal the
    command's denominator, numerator and value."""
    p, c = province, Checker(province)
    cmd = "kpi --by channel --metric order_success_rate"
    rows = by(
        p.json("kpi", "--month", p.month, "--by", "channel", "--metric", "order_success_rate", config=True), "channel"
    )
    for table in need_tables(c, p, L("by_touchpoint")):
        shown = {CHANNEL_BY_NAME.get(r[0].text, r[0].text) for r in table.rows}
        if shown != set(rows):
            c.fail(table.surface, table.title, f"channels shown {sorted(shown)} ≠ command {sorted(rows)}")
        for row in table.rows:
            cells = cells_of(table, row)
            name = cells[L("channel")].text
            r = rows.get(CHANNEL_BY_NAME.get(name, name), {})
            f = f"{table.title}/{name}"
            c.num(
                table.surface,
                f"{f}/{L('attempts')}",
                cells[L("attempts")].shown,
                r.get("order_success_rate_den"),
                cmd,
                "num",
            )
            c.num(
                table.surface,
                f"{f}/{L('successes')}",
                cells[L("successes")].shown,
                r.get("order_success_rate_num"),
                cmd,
                "num",
            )
            c.num(
                table.surface,
                f"{f}/{L('success_rate')}",
                cells[L("success_rate")].shown,
                r.get("order_success_rate"),
                cmd,
                "pct",
            )
    c.done()


# ---------------------------------------------------------------- funnel, failures


def test_funnel_matches_funnel_command(province: Province) -> None:
    """The 营销漏斗 table (HTML, workbook) equals the "funnel M" section of `funnel --month M`
    row by row (campaign, wave); the 分波次漏斗 table equals its "funnel by wave M" section row
    by row; the Markdown's funnel line equals the sums of the by-wave rows (its reach rate,
    when shown, their summed reached over summed contacted)."""
    p, c = province, Checker(province)
    data = p.json("funnel", "--month", p.month)
    rows = data.get(f"funnel {p.month}", [])
    wave_rows = data.get(f"funnel by wave {p.month}", [])
    if not rows or not wave_rows:
        c.fail("json", "funnel", f"sections {sorted(data)}: no 'funnel {p.month}' / 'funnel by wave {p.month}' rows")
    keyed = by(rows, "campaign_id", "wave")
    counts = ("contacted", "reached", "converted", "cumulative_converted")
    rates = ("reach_rate", "conversion_rate", "wave_share")
    for table in need_tables(c, p, L("funnel")):
        if len(table.rows) != len(rows):
            c.fail(table.surface, table.title, f"{len(table.rows)} rows shown, command has {len(rows)}")
        for row in table.rows:
            cells = cells_of(table, row)
            key = (cells[L("campaign_id")].text, cells[L("wave")].text)
            r = keyed.get(key, {})
            for col in counts + rates:
                c.num(
                    table.surface,
                    f"{table.title}/{'/'.join(key)}/{L(col)}",
                    cells[L(col)].shown,
                    r.get(col),
                    "funnel",
                    "num" if col in counts else "pct",
                )
    waves = by(wave_rows, "wave")
    for table in need_tables(c, p, L("funnel_by_wave")):
        shown = [cells_of(table, r)[L("wave")].text for r in table.rows]
        if sorted(shown) != sorted(str(w) for w in waves):
            c.fail(table.surface, table.title, f"waves shown {shown} ≠ command {list(waves)}")
        for row in table.rows:
            cells = cells_of(table, row)
            wave = cells[L("wave")].text
            w = waves.get(wave, {})
            for col in table.headers:
                col_id = next((k for k in w if L(k) == col), None)
                if col == L("wave"):
                    continue
                if col_id is None:
                    c.fail(table.surface, f"{table.title}/{col}", "column is not in the command's by-wave section")
                    continue
                c.num(
                    table.surface,
                    f"{table.title}/{wave}/{col}",
                    cells[col].shown,
                    w.get(col_id),
                    "funnel (by wave)",
                    "pct" if col_id.endswith(("rate", "share")) else "num",
                )
    _, _, md, _ = p.surfaces()
    line = next(iter(md.bullets("多波次营销漏斗")), "")
    m = re.fullmatch(r"营销接触 (\S+) 人次，触达 ([^（，]+)(?:（(\S+)）)?，转化 (\S+)", line)
    if m is None:
        c.fail("md", f"多波次营销漏斗 {line!r}", "not '营销接触 N 人次，触达 N[（R%）]，转化 N'")
    else:
        contacted, reached, converted = (sum(r[k] for r in wave_rows) for k in ("contacted", "reached", "converted"))
        expected = [(1, contacted, "num"), (2, reached, "num"), (4, converted, "num")]
        if m.group(3) is not None:
            expected.append((3, reached / contacted if contacted else None, "pct"))
        for group, value, unit in expected:
            c.num(
                "md",
                f"多波次营销漏斗 line, number {group}",
                parse_number(m.group(group)),
                value,
                "funnel (Σ by wave)",
                unit,
            )
    c.done()


def test_failures_match_failures_command(province: Province) -> None:
    """The failure tables (HTML, workbook) equal `failures --month M`: 分产品失败原因 its
    by_reason rows, 互斥产品对 its conflict_pairs, 互斥占比 its conflict_share; 失败原因 its
    by_reason rows of product "(all)", reason for reason — and those rows account for every
    failure of the month (Σ failures = by_product "(all)" failures, so the table a reader
    sees is the whole picture); 重点产品线上办理趋势 equals `failures --from --to --product P
    --online`. The Markdown's failure lines hold the same figures."""
    p, c = province, Checker(province)
    data = p.json("failures", "--month", p.month, config=True)
    reasons = by(data["by_reason"], "product", "fail_reason")
    pairs = by(data["conflict_pairs"], "product", "conflict_product")
    share = by(data["conflict_share"], "product")
    overall = by(data["by_product"], "product")[ALL_PRODUCTS]
    all_reasons = {r["fail_reason"]: r for r in data["by_reason"] if r["product"] == ALL_PRODUCTS}
    cmd = "failures"
    explained = sum(r["failures"] for r in all_reasons.values())
    if explained != overall["failures"]:
        c.fail(
            "json",
            f"by_reason product {ALL_PRODUCTS!r}",
            f"{len(all_reasons)} rows with Σfailures {explained}; by_product {ALL_PRODUCTS!r} has "
            f"{overall['failures']} failures (the report's {L('fail_reasons')} table shows these rows)",
        )

    def product_of(text: str) -> str:
        return ALL_PRODUCTS if text == "全部" else text

    for table in need_tables(c, p, L("fail_reasons_by_product")):
        for row in table.rows:
            cells = cells_of(table, row)
            key = (cells[L("product")].text, cells[L("fail_reason")].text)
            r = reasons.get(key, {})
            for col, unit in (("failures", "num"), ("share", "pct")):
                c.num(
                    table.surface, f"{table.title}/{'/'.join(key)}/{L(col)}", cells[L(col)].shown, r.get(col), cmd, unit
                )
    for table in need_tables(c, p, L("fail_reasons")):
        shown = {cells_of(table, r)[L("fail_reason")].text for r in table.rows}
        if shown != set(all_reasons) or len(table.rows) != len(all_reasons):
            c.fail(
                table.surface,
                table.title,
                f"reasons shown {sorted(shown)} ({len(table.rows)} rows) ≠ by_reason {ALL_PRODUCTS!r} "
                f"{sorted(all_reasons)}",
            )
        for row in table.rows:
            cells = cells_of(table, row)
            reason = cells[L("fail_reason")].text
            r = all_reasons.get(reason, {})
            for col, unit in (("failures", "num"), ("share", "pct")):
                c.num(
                    table.surface,
                    f"{table.title}/{reason}/{L(col)}",
                    cells[L(col)].shown,
                    r.get(col),
                    cmd + f" (by_reason {ALL_PRODUCTS})",
                    unit,
                )
    for table in need_tables(c, p, L("conflict_pairs")):
        for row in table.rows:
            cells = cells_of(table, row)
            key = (cells[L("product")].text, cells[L("conflict_product")].text)
            r = pairs.get(key, {})
            for col in ("failed_orders", "users", "rank_by_orders", "rank_by_users"):
                c.num(
                    table.surface,
                    f"{table.title}/{'/'.join(key)}/{L(col)}",
                    cells[L(col)].shown,
                    r.get(col),
                    cmd,
                    "num",
                )
    for table in need_tables(c, p, L("conflict_share")):
        for row in table.rows:
            cells = cells_of(table, row)
            product = product_of(cells[L("product")].text)
            r = share.get(product, {})
            for col, unit in (("failures", "num"), ("conflict_failures", "num"), ("conflict_share", "pct")):
                c.num(table.surface, f"{table.title}/{product}/{L(col)}", cells[L(col)].shown, r.get(col), cmd, unit)
    trend_rows = {}
    for table in need_tables(c, p, L("focus_trend")):
        months = sorted(r[0].text for r in table.rows)
        products = {cells_of(table, r)[L("product")].text for r in table.rows}
        for product in products:
            if (months[0], product) not in trend_rows:
                got = p.json(
                    "failures", "--from", months[0], "--to", p.month, "--product", product, "--online", config=True
                )
                trend_rows.update({(r["month"], r["product"]): r for r in got["by_product"]})
        for row in table.rows:
            cells = cells_of(table, row)
            key = (cells[L("month")].text, cells[L("product")].text)
            r = trend_rows.get(key, {})
            f = f"{table.title}/{'/'.join(key)}"
            for col, unit in (
                ("attempts", "num"),
                ("failures", "num"),
                ("success_rate", "pct"),
                ("prev_success_rate", "pct"),
            ):
                c.num(table.surface, f"{f}/{L(col)}", cells[L(col)].shown, r.get(col), cmd + " --online", unit)
            change = r.get("change")
            c.num(
                table.surface,
                f"{f}/{L('change')}",
                cells[L("change")].shown,
                None if change is None else _rate_change_pp(change, r.get("success_rate"), r.get("prev_success_rate")),
                cmd + " --online",
                "pp",
            )

    _, _, md, _ = p.surfaces()
    lines = md.bullets("办理失败分析")
    top = max(all_reasons.values(), key=lambda r: r["failures"], default=None)
    for line in lines:
        numbers = find_numbers(line)
        if line.startswith("办理"):
            expected = [(overall["attempts"], "num"), (overall["failures"], "num")]
            m = re.search(r"首要原因：(\S+)（", line)
            if top is not None or m:
                c.text(
                    "md",
                    "办理失败分析/首要原因",
                    m.group(1) if m else "(not shown)",
                    str(top["fail_reason"]) if top else "(none)",
                    cmd + f" (by_reason {ALL_PRODUCTS}, most failures)",
                )
                expected.append((top["share"] if top else None, "pct"))
            if len(numbers) != len(expected):
                c.fail("md", f"办理失败分析 {line!r}", f"{len(numbers)} numbers shown, expected {len(expected)}")
            for shown, (value, unit) in zip(numbers, expected, strict=False):
                c.num("md", f"办理失败分析 {line!r}", shown, value, cmd, unit)
        elif line.startswith("最多的互斥"):
            m = re.search(r"：(.+?) ↔ (.+?)（", line)
            first = next((r for r in data["conflict_pairs"] if r["rank_by_orders"] == 1), {})
            c.text(
                "md",
                "办理失败分析/最多的互斥",
                f"{m.group(1)} ↔ {m.group(2)}" if m else line,
                f"{first.get('product')} ↔ {first.get('conflict_product')}",
                cmd,
            )
            c.num(
                "md", f"办理失败分析 {line!r}", numbers[-1] if numbers else None, first.get("failed_orders"), cmd, "num"
            )
        else:
            product = line.split(" ")[0]
            r = trend_rows.get((p.month, product), {})
            change = r.get("change")
            expected = (
                r.get("prev_success_rate"),
                r.get("success_rate"),
                None if change is None else _rate_change_pp(change, r.get("success_rate"), r.get("prev_success_rate")),
            )
            numbers = [n for n in numbers if n.unit != "num"]
            for shown, value, unit in zip(numbers, expected, ("pct", "pct", "pp"), strict=False):
                c.num("md", f"办理失败分析 {line!r}", shown, value, cmd + " --online", unit)
    c.done()


# ---------------------------------------------------------------- points


POINT_COUNTS = ("claims", "valid", "invalid", "duplicate", "contested", "no_rule")


def test_points_tables_match_points_commands(province: Province) -> None:
    """积分排名前20 (HTML, workbook) equals `points statement` per staff; 分区域 and 分营业厅
    equal the "summary by region|store M" section of `points summary --by region|store` row
    by row (match rate = (valid + no_rule) / claims, SPEC §6.5); 全省积分合计 equals its
    "total M" section — which is the sum of the per-region rows."""
    p, c = province, Checker(province)
    statement = by(p.json("points", "statement", "--month", p.month, config=True), "staff_id")
    for table in need_tables(c, p, L("points_top20")):
        for row in table.rows:
            cells = cells_of(table, row)
            staff = cells[L("staff_id")].text
            r = statement.get(staff, {})
            c.text(
                table.surface,
                f"{table.title}/{staff}/{L('staff_name')}",
                cells[L("staff_name")].text,
                str(r.get("staff_name")),
                "points statement",
            )
            for col in ("rank", "valid", "earned", "deductions", "net", "payout"):
                c.num(
                    table.surface,
                    f"{table.title}/{staff}/{L(col)}",
                    cells[L(col)].shown,
                    r.get(col),
                    "points statement",
                    "num",
                )
    totals = {}
    for dim, title in (("region", "points_by_region"), ("store", "points_by_store")):
        summary = points_summary(p, dim)
        rows = by(summary[f"summary by {dim} {p.month}"], dim)
        totals[dim] = summary[f"total {p.month}"]
        for table in need_tables(c, p, L(title)):
            if {cells_of(table, r)[L(dim)].text for r in table.rows} != set(rows):
                c.fail(table.surface, table.title, f"{len(table.rows)} rows shown ≠ the command's {sorted(rows)}")
            for row in table.rows:
                cells = cells_of(table, row)
                key = cells[L(dim)].text
                _points_counts(c, table, f"{table.title}/{key}", cells, rows.get(key, {}), f"points summary --by {dim}")
    [total] = totals["region"] or [{}]
    if totals["store"] != totals["region"]:
        c.fail(
            "json", f"points summary total {p.month}", f"--by region {totals['region']} ≠ --by store {totals['store']}"
        )
    regions = points_summary(p, "region")[f"summary by region {p.month}"]
    for col in (*POINT_COUNTS, "earned"):
        summed = sum(float(r[col]) for r in regions)
        if abs(summed - float(total.get(col, 0))) > 1e-6:
            c.fail("json", f"points summary total {p.month}/{col}", f"{total.get(col)} ≠ Σ by region {summed}")
    for table in need_tables(c, p, L("points_total")):
        if len(table.rows) != 1:
            c.fail(table.surface, table.title, f"{len(table.rows)} rows shown, the total is one")
        for row in table.rows:
            _points_counts(c, table, table.title, cells_of(table, row), total, f"points summary (total {p.month})")
    c.done()


def points_summary(p: Province, dim: str) -> dict[str, list[dict]]:
    """`points summary --by DIM` JSON: {"summary by DIM M": rows, "total M": [one row]}."""
    return p.json("points", "summary", "--month", p.month, "--by", dim, config=True)


def _points_counts(c: Checker, table: Table, figure: str, cells: dict, r: dict, cmd: str) -> None:
    for col in (*POINT_COUNTS, "earned"):
        c.num(table.surface, f"{figure}/{L(col)}", cells[L(col)].shown, r.get(col), cmd, "num")
    c.num(table.surface, f"{figure}/{L('match_rate')}", cells[L("match_rate")].shown, r.get("match_rate"), cmd, "pct")


def test_points_line_matches_points_commands(province: Province) -> None:
    """The points line (HTML note, Markdown bullet): staff, net, payout and claims equal the
    totals of `points statement`; 匹配率 equals the match_rate of the "total M" section of
    `points summary` ((valid + no_rule) / claims, SPEC §6.5); unclaimed equals the rows of
    `points unclaimed`."""
    p, c = province, Checker(province)
    statement = p.json("points", "statement", "--month", p.month, config=True)
    [total] = points_summary(p, "region")[f"total {p.month}"] or [{}]
    unclaimed = p.json("points", "unclaimed", "--month", p.month, config=True)
    claims, matched = total.get("claims"), total.get("valid", 0) + total.get("no_rule", 0)
    if claims and abs(total.get("match_rate") - matched / claims) > 1e-9:
        c.fail("json", "points summary total/match_rate", f"{total.get('match_rate')} ≠ (valid + no_rule) / claims")
    expected = {
        r"(\S+) 名营业员": (len(statement), "num", "points statement (rows)"),
        r"净积分 (\S+?)[，；]": (sum(float(r["net"]) for r in statement), "num", "points statement (Σnet)"),
        r"奖励 (\S+?)[，；]": (sum(float(r["payout"]) for r in statement), "num", "points statement (Σpayout)"),
        r"录入 (\S+) 笔": (sum(r["claims"] for r in statement), "num", "points statement (Σclaims)"),
        r"匹配率 (\S+?)[，；]": (total.get("match_rate"), "pct", f"points summary (total {p.month}: match_rate)"),
        r"未被认领的有效记录 (\S+) 条": (len(unclaimed), "num", "points unclaimed (rows)"),
    }
    root, _, md, _ = p.surfaces()
    lines = [("html", t) for t in html_notes(root).get("points", [])] + [("md", t) for t in md.bullets("新业务积分")]
    for surface in ("html", "md"):
        if not any(s == surface for s, _ in lines):
            c.fail(surface, "新业务积分", "no points line")
    for surface, line in lines:
        for pattern, (value, unit, cmd) in expected.items():
            m = re.search(pattern, line)
            name = pattern.split(" ")[0].replace("(\\S+)", "").strip() or pattern
            c.num(surface, f"新业务积分 line: {name}", parse_number(m.group(1)) if m else None, value, cmd, unit)
    c.done()


# ---------------------------------------------------------------- preference, lifecycle


def test_prefer_matches_prefer_commands(province: Province) -> None:
    """分电子渠道 (HTML, workbook) equals `prefer summary` per channel, every column named by its
    window (users_month, active_users_month, customers_month_end, penetration, *_window) —
    and penetration counts only customers active at month end (active_users_month /
    customers_month_end, numerator ⊆ base, SPEC §4); the promotion-target
    table ('手机营业厅推广目标前10') equals `prefer targets --channel app` row by row (rank,
    masked number, region, scores, best other channel, churned)."""
    p, c = province, Checker(province)
    summary = by(p.json("prefer", "summary", "--month", p.month, config=True), "channel")
    for code, r in summary.items():
        active, users, base = r.get("active_users_month"), r.get("users_month"), r.get("customers_month_end")
        if active is None or users is None or base is None or active > min(users, base):
            c.fail(
                "json", f"prefer summary/{code}", f"active_users_month {active} not within users {users}, base {base}"
            )
        elif base and abs(r.get("penetration") - active / base) > 1e-9:
            c.fail("json", f"prefer summary/{code}/penetration", f"{r.get('penetration')} ≠ {active} / {base}")
    columns = (
        "users_month",
        "active_users_month",
        "customers_month_end",
        "penetration",
        "high_window",
        "medium_window",
        "low_window",
        "churned_window",
    )
    for table in need_tables(c, p, L("channels")):
        extra = set(table.headers) - {L(col) for col in (*columns, "channel")}
        if extra:
            c.fail(table.surface, table.title, f"columns {sorted(extra)} are not prefer summary's")
        for row in table.rows:
            cells = cells_of(table, row)
            name = cells[L("channel")].text
            r = summary.get(CHANNEL_BY_NAME.get(name, name), {})
            for col in columns:
                c.num(
                    table.surface,
                    f"{table.title}/{name}/{L(col)}",
                    cells[L(col)].shown,
                    r.get(col),
                    "prefer summary",
                    "pct" if col == "penetration" else "num",
                )
    for channel in {t.title.removesuffix("推广目标前10") for t in p.surfaces()[3] if t.title.endswith("推广目标前10")}:
        code = CHANNEL_BY_NAME.get(channel, channel)
        targets = by(p.json("prefer", "targets", "--month", p.month, "--channel", code, config=True), "rank")
        for table in need_tables(c, p, f"{channel}推广目标前10"):
            for row in table.rows:
                cells = cells_of(table, row)
                rank = int(cells[L("rank")].value)
                r = targets.get(rank, {})
                f = f"{table.title}/{rank}"
                cmd = f"prefer targets --channel {code}"
                c.text(
                    table.surface, f"{f}/{L('msisdn')}", cells[L("msisdn")].text, mask(str(r.get("msisdn", ""))), cmd
                )
                c.text(table.surface, f"{f}/{L('region')}", cells[L("region")].text, str(r.get("region")), cmd)
                c.text(
                    table.surface,
                    f"{f}/{L('best_other_channel')}",
                    cells[L("best_other_channel")].text,
                    CHANNEL_NAME.get(r.get("best_other_channel"), str(r.get("best_other_channel"))),
                    cmd,
                )
                c.text(
                    table.surface,
                    f"{f}/{L('churned_from_channel')}",
                    cells[L("churned_from_channel")].text,
                    {True: "是", False: "否"}.get(r.get("churned_from_channel"), "?"),
                    cmd,
                )
                for col in ("latent_score", "best_other_score"):
                    c.num(table.surface, f"{f}/{L(col)}", cells[L(col)].shown, r.get(col), cmd, "num")
    c.done()


def test_lifecycle_matches_lifecycle_command(province: Province) -> None:
    """生命周期 (HTML, workbook) equals `lifecycle --month M` per stage; every customer of the
    at-risk list equals their row of `lifecycle --stage at_risk --list` (masked number,
    region, join date, revenue, prior mean)."""
    p, c = province, Checker(province)
    stages = by(p.json("lifecycle", "--month", p.month), "stage")
    for table in need_tables(c, p, L("lifecycle")):
        for row in table.rows:
            cells = cells_of(table, row)
            name = cells[L("stage")].text
            r = stages.get(STAGE_BY_NAME.get(name, name), {})
            for col in ("customers", "revenue", "share"):
                c.num(
                    table.surface,
                    f"{table.title}/{name}/{L(col)}",
                    cells[L(col)].shown,
                    r.get(col),
                    "lifecycle",
                    "pct" if col == "share" else "num",
                )
    at_risk = p.json("lifecycle", "--month", p.month, "--stage", "at_risk", "--list")
    keyed = defaultdict(list)
    for r in at_risk:
        keyed[(mask(r["msisdn"]), r["region"], str(r["join_date"])[:10])].append(r)
    for table in need_tables(c, p, L("at_risk_top10")):
        for row in table.rows:
            cells = cells_of(table, row)
            key = (cells[L("msisdn")].text, cells[L("region")].text, cells[L("join_date")].text)
            found = keyed.get(key, [])
            if len(found) != 1:
                c.fail(table.surface, f"{table.title}/{'/'.join(key)}", f"{len(found)} rows of the at-risk list match")
                continue
            for col in ("revenue", "prior_mean"):
                c.num(
                    table.surface,
                    f"{table.title}/{key[0]}/{L(col)}",
                    cells[L(col)].shown,
                    found[0][col],
                    "lifecycle --stage at_risk --list",
                    "num",
                )
    c.done()


def test_completeness_matches_check(province: Province) -> None:
    """The completeness table (HTML, workbook): its 实际 figures are those of `check --month M`
    row for row (test, kind, region) — counts as numbers, the reject share as a percentage, and
    in the workbook stored as numbers — its 说明 column is there, and as many rows pass (通过)
    as the command's rows with status pass."""
    p, c = province, Checker(province)
    rows = p.json("check", "--month", p.month, config=True)
    passes = sum(r["status"] == "pass" for r in rows)
    tables = [t for t in p.surfaces()[3] if L("figure") in t.headers and L("test") in t.headers and t.surface != "md"]
    for surface in ("html", "xlsx"):
        if not any(t.surface.startswith(surface) for t in tables):
            c.fail(surface, L("completeness"), "table not found")
    expected = Counter((r["test"], r["figure"], r["unit"]) for r in rows)
    test_ids = {zh: test for test, (zh, _en) in CHECK_WORDS.items()}
    for table in tables:
        if L("detail") not in table.headers:
            c.fail(table.surface, f"{table.title}/{L('detail')}", "no detail column")
        shown = Counter()
        for r in table.rows:
            cells = cells_of(table, r)
            figure = cells[L("figure")].shown
            if figure is None or figure.value is None:
                c.fail(table.surface, f"{table.title}/{L('figure')}", f"{cells[L('figure')].text!r} is no number")
                continue
            test = test_ids.get(cells[L("test")].text, cells[L("test")].text)
            unit = "share" if figure.unit == "pct" else "count"
            match = [k for k in expected if k[0] == test and k[2] == unit and abs(k[1] - figure.value) <= figure.tol]
            if not match:
                c.fail(table.surface, f"{table.title}/{L('figure')}", f"{test} {figure.text!r} is no figure of check")
                continue
            shown[match[0]] += 1
        c.count[table.surface.split("#")[0].split(":")[0]] += len(table.rows)
        # the HTML also shows the breached tests alone: those rows are matched one by one above
        if len(table.rows) == len(rows) and shown != expected:
            c.fail(table.surface, f"{table.title}/{L('figure')}", "the figures are not check's, one for one")
        shown_pass = sum(cells_of(table, r)[L("status")].text == "通过" for r in table.rows)
        if len(table.rows) == len(rows):
            c.num(
                table.surface,
                f"{table.title}/通过",
                Shown(str(shown_pass), shown_pass, "num", 0.5),
                passes,
                "check (status = pass)",
                "num",
            )
    c.done()


# ---------------------------------------------------------------- alerts and exit codes


# The slices whose KPI values the report shows beside the province's (SPEC §4: "an alert is
# any KPI value (province or any slice shown) beyond its threshold"): the 盟市 (分盟市 and
# 保有率 tables) and the touchpoints (分触点: order_success_rate by channel).
SLICES = (
    (None, ()),
    ("region", ("--by", "region")),
    ("channel", ("--by", "channel", "--metric", "order_success_rate")),
)
RETENTION_KPIS = ("user_retention", "revenue_retention")


def _slice_name(dim: str | None, value) -> str | None:
    """A slice as an alert names it: a 盟市 as is, a channel in words, the province None."""
    if dim is None:
        return None
    return CHANNEL_NAME.get(value, str(value)) if dim == "channel" else str(value)


def _breaches(p: Province) -> tuple[dict, dict]:
    """({(kpi id, slice in words or None): dimension} of every threshold breach that `kpi
    --check`, `kpi --by region --check` and `kpi --by channel --metric order_success_rate
    --check` report, {same key: value} from their JSON). Each command's stderr names exactly
    the breaches its JSON gives against the thresholds, and it exits 3 exactly when it has one."""
    values: dict = {}
    found: dict = {}
    for dim, extra in SLICES:
        args = ("kpi", "--month", p.month, *extra)
        mine = set()
        for r in p.json(*args, "--check", config=True):
            name = _slice_name(dim, r.get(dim)) if dim else None
            for kpi_id, limits in p.thresholds.items():
                if kpi_id not in r:
                    continue
                key = (kpi_id, name)
                v = values[key] = r[kpi_id]
                if v is not None and (
                    ("min" in limits and v < limits["min"]) or ("max" in limits and v > limits["max"])
                ):
                    mine.add(key)
                    found[key] = dim
        result = p.run(*args, "--check", "--db", str(p.db), "--config", str(p.config), "--format", "json")
        said = {
            (m.group(1), _slice_name(m.group(2), m.group(3)) if m.group(2) else None)
            for m in re.finditer(r"breach: (\S+) \S+(?: (\w+)=(\S+?))?:", result.stderr)
        }
        if said != mine:
            pytest.fail(
                f"[{p.name}] chanops {' '.join(args)} --check names breaches {sorted(said, key=str)}, "
                f"its JSON against the thresholds gives {sorted(mine, key=str)}"
            )
        assert result.exit_code == (3 if mine else 0), (
            f"[{p.name}] chanops {' '.join(args)} --check exited {result.exit_code} with {len(mine)} breach(es)"
        )
    return found, values


def _report_breaches(p: Province) -> tuple[dict, dict]:
    """The breaches the report must list: the province's, the 盟市' of the KPIs the report shows
    by 盟市 (the 分盟市 table's columns and the retention rates) and the touchpoints'."""
    found, values = _breaches(p)
    shown_by_region = set(RETENTION_KPIS) | {
        KPI_BY_NAME[h] for t in p.tables(L("by_region"), ("html",)) for h in t.headers if h in KPI_BY_NAME
    }
    return {k: d for k, d in found.items() if d != "region" or k[0] in shown_by_region}, values


def _alert_lines(note: str) -> list[str]:
    """'未达标：A；B' → [A, B]."""
    return [part for part in note.split("：", 1)[-1].split("；") if part]


def test_alerts_equal_kpi_check_breaches(province: Province) -> None:
    """Every alert list of the report (HTML alert box, the 分盟市 and 分触点 notes, the workbook
    cover, the Markdown's 阈值告警) is exactly its share of the threshold breaches of `kpi
    --check` (the province), `kpi --by region --check` (the 盟市, the KPIs the report shows by
    盟市) and `kpi --by channel --metric order_success_rate --check` (the touchpoints, named in
    words); each alert's value equals the command's value and its limit the config's
    threshold; the counts in the HTML header (province / 盟市 / touchpoint) and on the cover
    equal the number of breaches."""
    p, c = province, Checker(province)
    breaches, values = _report_breaches(p)
    thresholds = p.thresholds
    root, wb, md, _ = p.surfaces()
    cover = next((s for name, s in wb.items() if name == L("cover")), None)
    notes = html_notes(root)
    lists = {
        "html alert box": (html_alerts(root), None),
        "html 分盟市 note": (
            [a for n in notes.get("region", []) if n.startswith("未达标") for a in _alert_lines(n)],
            "region",
        ),
        "html 分触点 note": (
            [a for n in notes.get("touchpoint", []) if n.startswith("未达标") for a in _alert_lines(n)],
            "channel",
        ),
        "xlsx cover": ([ln for ln in (cover.lines() if cover else []) if ln.startswith("·")], None),
        "md 阈值告警": (md.bullets("阈值告警"), None),
    }
    for surface, (lines, only) in lists.items():
        expected = {k for k, d in breaches.items() if only is None or d == only}
        shown = set()
        for line in lines:
            alert = parse_alert(line)
            if alert is None:
                c.fail(surface, line, "not an alert line 'KPI [盟市|触点] value，低于下限|高于上限 limit'")
                continue
            kpi_id = KPI_BY_NAME.get(alert.kpi_name)
            if kpi_id not in KPIS:
                c.fail(surface, line, f"{alert.kpi_name!r} is not a catalog KPI")
                continue
            key = (kpi_id, alert.slice)
            shown.add(key)
            c.num(surface, f"alert {line!r} value", alert.value, values.get(key), "kpi --check", kpi_unit(kpi_id))
            c.num(
                surface,
                f"alert {line!r} limit",
                alert.limit,
                thresholds.get(kpi_id, {}).get(alert.side),
                "config threshold",
                kpi_unit(kpi_id),
            )
        if len(lines) != len(shown):
            c.fail(surface, "alert list", f"{len(lines)} lines for {len(shown)} distinct alerts")
        if shown != expected:
            c.fail(
                surface,
                "alert list",
                f"lists {sorted(shown, key=str)}; kpi --check breaches {sorted(expected, key=str)}",
            )
    meta = html_meta(root)
    counted = Counter(breaches.values())
    for dim, pattern in (
        (None, r"(\d+) 项全省指标"),
        ("region", r"(\d+) 项分盟市指标未达标"),
        ("channel", r"(\d+) 项分触点指标未达标"),
    ):
        m = re.search(pattern, meta)
        if m is None and dim is None and "全省指标均在考核线以内" not in meta:
            c.fail("html", f"header {meta!r}", "says nothing of the province's KPIs")
        c.num(
            "html",
            f"header {meta!r} /{pattern}/",
            parse_number(m.group(1)) if m else Shown(meta, 0, "num", 0.5),
            counted[dim],
            f"kpi{' --by ' + dim if dim else ''} --check (breaches)",
            "num",
        )
    if cover is not None:
        m = next((re.search(r"阈值告警：(\d+) 项", ln) for ln in cover.lines() if ln.startswith("阈值告警")), None)
        c.num(
            "xlsx",
            "cover 阈值告警：N 项",
            parse_number(m.group(1)) if m else Shown("(none)", 0, "num", 0.5),
            len(breaches),
            "kpi --check, --by region --check, --by channel --check (breaches)",
            "num",
        )
    else:
        c.fail("xlsx", L("cover"), "no cover sheet")
    if p.name == "seed11":
        assert counted["region"], "[seed11] the second province must breach at region level"
    c.done()


def test_report_check_exits_3_exactly_when_alerts_are_listed(province: Province, tmp_path: Path) -> None:
    """`report monthly --check` exits 3 exactly when the report lists an alert — a KPI alert of
    the HTML alert box or a breached completeness test (SPEC §4: the report's alert list and
    its exit code come from one list), else 0."""
    p = province
    root = p.surfaces()[0]
    completeness = [t for t in html_tables(root) if L("figure") in t.headers and L("test") in t.headers]
    every_test = max(completeness, key=lambda t: len(t.rows)) if completeness else None
    breached = sum(cells_of(every_test, r)[L("status")].text != "通过" for r in every_test.rows) if every_test else 0
    listed = len(html_alerts(root)) + breached
    result = p.run("report", "monthly", "--db", str(p.db), "--config", str(p.config), "--out", str(tmp_path), "--check")
    expected = 3 if listed else 0
    assert result.exit_code == expected, (
        f"[{p.name}] report monthly --check exited {result.exit_code}, but the report lists {listed} alert(s) "
        f"({breached} completeness breach(es); expected exit {expected})"
    )


# ---------------------------------------------------------------- nothing unchecked

CHECKED_TITLES = {
    L(t)
    for t in (
        "headline",
        "cover",
        "trend",
        "by_region",
        "retention",
        "by_touchpoint",
        "funnel",
        "funnel_by_wave",
        "fail_reasons",
        "fail_reasons_by_product",
        "conflict_pairs",
        "conflict_share",
        "focus_trend",
        "points_top20",
        "points_by_region",
        "points_by_store",
        "points_total",
        "channels",
        "lifecycle",
        "at_risk_top10",
        "completeness",
    )
}


def test_every_table_is_held_by_a_check(province: Province) -> None:
    """Every table the report shows, on every surface, is one this harness holds to a command
    (so a new table cannot appear unchecked)."""
    p = province
    unknown = []
    for t in p.surfaces()[3]:
        held = (
            t.title in CHECKED_TITLES
            or t.title.endswith("推广目标前10")
            or (L("figure") in t.headers and L("test") in t.headers)  # completeness, under any title
        )
        if not held:
            unknown.append(f"{t.surface}: {t.title!r} {t.headers}")
    assert not unknown, f"[{p.name}] tables no consistency check holds:\n" + "\n".join(unknown)
