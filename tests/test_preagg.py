"""KPI pre-aggregates (kpi/preagg.py): the same figures as the raw query at every standard slice,
kept current by loads, read only when current.

Worked by hand on kpi_fixture (2022-11), distinct users called outbound (c6–c10; c11 is
October, c12 December):
- province: 04 (c6, c7), 05 (c8), 12 (c9), 13 (c10) = 4;
- by wave: wave 1 c6 (04), c8 (05), c9 (12), c10 (13) = 4; wave 2 c7 (04) = 1.
The waves sum to 5, not 4 (04 was called in both): so each slice is stored at its own grain,
and the province's connect rate is 2 connected (04 in c7, 05 in c8) / 4 = 0.5, not 2 / 5.
By region, users called outbound: B 04 05 12 13 = 4, connected 04 05 = 2 → 0.5; A has no
outbound call, so its connect rate is blank (0 / 0).
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import pytest

from chanops.channels import build_catalog
from chanops.config import load_config
from chanops.kpi import evaluate as evaluate_module
from chanops.kpi import preagg as preagg_module
from chanops.kpi.catalog import build_kpi_catalog
from chanops.kpi.evaluate import evaluate
from chanops.kpi.preagg import STANDARD_SLICES, fingerprint, refresh
from chanops.store.preagg_state import COMPARE_SHIFTS

from . import kpi_fixture

CATALOG = build_kpi_catalog(None)
CHANNELS = build_catalog(None)
MONTHS = ["2022-06", "2022-07", "2022-08", "2022-09", "2022-10", "2022-11"]


def raw_and_served(con, monkeypatch, months, dims, compare=None, catalog=CATALOG, **kw):
    """(served as it would be, forced raw): the KPI results both ways."""
    served = evaluate(con, catalog, CHANNELS, months, list(dims), compare=compare, **kw)
    with monkeypatch.context() as patch:
        patch.setattr(evaluate_module, "served", lambda *a, **k: None)
        raw = evaluate(con, catalog, CHANNELS, months, list(dims), compare=compare, **kw)
    assert raw.served_from == "raw"
    return served, raw


def assert_equal_everywhere(db: Path, monkeypatch, months=MONTHS) -> None:
    """Every catalog KPI at every standard slice, alone and compared: served from the
    pre-aggregates, and equal to the raw query (values, numerators, denominators, types, order)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        for dims in STANDARD_SLICES:
            for compare in (None, "prev", "yoy"):
                served, raw = raw_and_served(con, monkeypatch, months, dims, compare)
                assert served.served_from == "preagg", (dims, compare)
                assert served.frame.schema == raw.frame.schema, (dims, compare)
                assert served.frame.equals(raw.frame), (dims, compare)
                assert served.notes == raw.notes
    finally:
        con.close()


def stamps(db: Path) -> dict[tuple[str, str, str, str], int]:
    """(month, slice, source, measure) → the refresh that computed it."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("SELECT month, slice, source, measure, refresh_id FROM _preagg_current").fetchall()
    finally:
        con.close()
    return {tuple(r[:4]): r[4] for r in rows}


def recomputed(before: dict, after: dict) -> set[tuple[str, str]]:
    """(month, source) of every aggregate computed again (or new) between two stamps."""
    return {(key[0], key[2]) for key, stamp in after.items() if before.get(key) != stamp}


def test_hand_worked_fixture_is_served_at_each_slices_own_grain(tmp_path, monkeypatch):
    db = kpi_fixture.build(tmp_path)
    con = duckdb.connect(str(db))
    refresh(con, CATALOG, CHANNELS)
    called = fingerprint(CATALOG["outbound_connect_rate"].denominator, CHANNELS)
    stored = con.execute(
        """SELECT slice, wave, value FROM _preagg
           WHERE month = '2022-11' AND source = 'contacts' AND slice IN ('', 'wave') AND measure = ?
           ORDER BY slice, wave""",
        [called],
    ).fetchall()
    served, raw = raw_and_served(con, monkeypatch, ["2022-11"], ())
    assert served.served_from == "preagg" and served.frame.equals(raw.frame)
    row = served.frame.to_pylist()[0]
    assert (row["outbound_connect_rate_num"], row["outbound_connect_rate_den"]) == (2, 4)
    by_wave, raw_wave = raw_and_served(con, monkeypatch, ["2022-11"], ("wave",), metric_ids=["outbound_connect_rate"])
    assert by_wave.frame.equals(raw_wave.frame)
    by_region, raw_region = raw_and_served(con, monkeypatch, ["2022-11"], ("region",))
    assert by_region.served_from == "preagg" and by_region.frame.equals(raw_region.frame)
    rates = {
        r["region"]: (r["outbound_connect_rate_num"], r["outbound_connect_rate_den"])
        for r in by_region.frame.to_pylist()
    }
    assert rates == {"A": (0, 0), "B": (2, 4), None: (0, 0)}  # None: complaint k3 has no msisdn, so no region
    assert [r["outbound_connect_rate"] for r in by_region.frame.to_pylist()] == [None, 0.5, None]
    con.close()
    assert stored == [("", None, "4"), ("wave", "1", "4"), ("wave", "2", "1")]


@pytest.fixture(scope="module")
def province(tmp_path_factory) -> Path:
    """A generated province (`chanops sample --rows 1500`), every kind loaded through the CLI,
    so each load refreshed what it touched."""
    from typer.testing import CliRunner

    from chanops.cli import app

    work = tmp_path_factory.mktemp("province")
    runner = CliRunner()
    result = runner.invoke(app, ["sample", "--out", str(work / "data"), "--rows", "1500", "--seed", "7"])
    assert result.exit_code == 0, result.stderr
    db = work / "wh.duckdb"
    for kind in ("orders", "contacts", "usage", "complaints", "billing", "customers"):
        as_of = ["--as-of", "2022-11-30"] if kind == "customers" else []
        result = runner.invoke(app, ["load", kind, str(work / "data" / f"{kind}.csv"), "--db", str(db), *as_of])
        assert result.exit_code == 0, result.stderr
    return db


@pytest.fixture
def copy(province, tmp_path) -> Path:
    db = tmp_path / "wh.duckdb"
    shutil.copyfile(province, db)
    return db


def test_generated_province_equals_raw_at_every_slice(province, monkeypatch):
    assert_equal_everywhere(province, monkeypatch)


def test_loads_keep_the_months_they_wrote_and_their_comparison_months(province):
    con = duckdb.connect(str(province), read_only=True)
    kept = {m for (m,) in con.execute("SELECT month FROM _preagg_months").fetchall()}
    con.close()
    from chanops.months import add_months

    # the six months, the one before the first (prev) and the same six a year earlier (yoy)
    assert kept == set(MONTHS) | {add_months(m, s) for m in MONTHS for s in COMPARE_SHIFTS}


def rows_of(path: Path) -> tuple[list[str], list[list[str]]]:
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        return header, list(reader)


def write_rows(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_replace_recomputes_only_the_replaced_months_orders(province, copy, tmp_path, chanops, monkeypatch):
    header, rows = rows_of(province.parent / "data" / "orders.csv")
    time_col = 1
    september = [r for r in rows if r[time_col].startswith("2022-09")][::2]  # half of September's orders
    before = stamps(copy)
    result = chanops("load", "orders", write_rows(tmp_path / "o.csv", header, september), "--db", copy, "--replace")
    assert result.exit_code == 0, result.stderr
    assert recomputed(before, stamps(copy)) == {("2022-09", "orders")}
    assert_equal_everywhere(copy, monkeypatch)


def test_second_orders_file_recomputes_its_month(province, copy, tmp_path, chanops, monkeypatch):
    header, rows = rows_of(province.parent / "data" / "orders.csv")
    more = [["X" + r[0], *r[1:]] for r in rows if r[1].startswith("2022-11")][:200]  # new order ids
    before = stamps(copy)
    result = chanops("load", "orders", write_rows(tmp_path / "more.csv", header, more), "--db", copy)
    assert result.exit_code == 0, result.stderr
    assert recomputed(before, stamps(copy)) == {("2022-11", "orders")}
    assert_equal_everywhere(copy, monkeypatch)


def test_no_refresh_leaves_the_months_stale_and_read_raw_until_db_refresh(
    province, copy, tmp_path, chanops, monkeypatch
):
    """`load --no-refresh` of 200 new November orders: November's orders aggregates are no longer
    current (they do not count the new orders), so November is read raw — with the new orders —
    until `db refresh` computes exactly that (month, source) again; then it is served and equal."""
    header, rows = rows_of(province.parent / "data" / "orders.csv")
    more = [["X" + r[0], *r[1:]] for r in rows if r[1].startswith("2022-11")][:200]
    before = stamps(copy)
    result = chanops("load", "orders", write_rows(tmp_path / "more.csv", header, more), "--db", copy, "--no-refresh")
    assert result.exit_code == 0, result.stderr
    stale = stamps(copy)
    assert {(k[0], k[2]) for k in before.keys() - stale.keys()} == {("2022-11", "orders")}
    con = duckdb.connect(str(copy), read_only=True)
    try:
        served, raw = raw_and_served(con, monkeypatch, ["2022-11"], ())
        assert served.served_from == "raw" and served.frame.equals(raw.frame)
    finally:
        con.close()
    assert chanops("db", "refresh", "--db", copy).exit_code == 0
    assert recomputed(stale, stamps(copy)) == {("2022-11", "orders")}
    assert_equal_everywhere(copy, monkeypatch)


def test_refused_correction_and_dry_run_change_nothing(province, copy, tmp_path, chanops):
    header, rows = rows_of(province.parent / "data" / "orders.csv")
    changed = [[*r[:6], "失败" if r[6] == "成功" else "成功", *r[7:]] for r in rows[:5]]
    path = write_rows(tmp_path / "fix.csv", header, changed)
    before = stamps(copy)
    assert chanops("load", "orders", path, "--db", copy).exit_code == 1  # a correction needs --replace
    assert chanops("load", "orders", path, "--db", copy, "--replace", "--dry-run").exit_code == 0
    assert stamps(copy) == before


def test_customer_snapshots_recompute_customer_sources_only(province, copy, tmp_path, chanops, monkeypatch):
    """A newer snapshot, then an older one loaded late: the customer-based sources (customers,
    retention, usage and complaints, whose region is the customer's) in every month; orders and
    contacts, which carry their own region, never."""
    header, rows = rows_of(province.parent / "data" / "customers.csv")
    regions = sorted({r[1] for r in rows})
    moved = [
        [r[0], regions[(regions.index(r[1]) + 1) % len(regions)], *r[2:]] if i % 3 == 0 else r
        for i, r in enumerate(rows)
    ]
    before = stamps(copy)
    newer = write_rows(tmp_path / "newer.csv", header, moved)
    assert chanops("load", "customers", newer, "--db", copy, "--as-of", "2022-12-31").exit_code == 0
    after_newer = stamps(copy)
    touched = recomputed(before, after_newer)
    assert {source for _m, source in touched} == {"customers", "retention", "usage", "complaints"}
    assert_equal_everywhere(copy, monkeypatch)
    older = write_rows(tmp_path / "older.csv", header, [r for i, r in enumerate(moved) if i % 5])
    assert chanops("load", "customers", older, "--db", copy, "--as-of", "2022-08-31").exit_code == 0
    assert {source for _m, source in recomputed(after_newer, stamps(copy))} <= {
        "customers",
        "retention",
        "usage",
        "complaints",
    }
    assert_equal_everywhere(copy, monkeypatch)


def test_billing_recomputes_retention_in_its_month_and_the_next(province, copy, tmp_path, chanops):
    header, rows = rows_of(province.parent / "data" / "billing.csv")
    august = [r for r in rows if r[0] == "2022-08"][::2]
    before = stamps(copy)
    assert (
        chanops("load", "billing", write_rows(tmp_path / "b.csv", header, august), "--db", copy, "--replace").exit_code
        == 0
    )
    assert recomputed(before, stamps(copy)) == {("2022-08", "retention"), ("2022-09", "retention")}


def test_what_the_pre_aggregates_do_not_cover_is_read_raw(province, monkeypatch):
    """A KPI added to the config after the loads (its `where` never materialized), a slice not
    kept, another base month: the raw query, with the same figures."""
    user = build_kpi_catalog(
        {
            "big_orders": {
                "numerator": {"source": "orders", "where": "success AND fee >= 100"},
                "denominator": {"source": "orders", "where": "success"},
            }
        }
    )
    con = duckdb.connect(str(province), read_only=True)
    try:
        served, raw = raw_and_served(con, monkeypatch, ["2022-11"], ("region",), catalog=user)
        assert served.served_from == "raw" and served.frame.equals(raw.frame)
        kept_only, _ = raw_and_served(con, monkeypatch, ["2022-11"], ("region",), metric_ids=["online_share"])
        assert kept_only.served_from == "preagg"
        served, raw = raw_and_served(con, monkeypatch, ["2022-11"], ("channel", "product"))
        assert served.served_from == "raw" and served.frame.equals(raw.frame)
        served, raw = raw_and_served(con, monkeypatch, ["2022-11"], (), base="2022-08")
        assert served.served_from == "raw" and served.frame.equals(raw.frame)
    finally:
        con.close()


def test_db_refresh_materializes_a_new_catalog(copy, tmp_path, chanops, monkeypatch):
    config = tmp_path / "chanops.toml"
    config.write_text(
        '[kpis.big_orders]\nnumerator = { source = "orders", where = "success AND fee >= 100" }\n'
        'denominator = { source = "orders", where = "success" }\n',
        encoding="utf-8",
    )
    result = chanops("db", "refresh", "--db", copy, "--config", config)
    assert result.exit_code == 0, result.stderr
    catalog = load_config(config).kpis
    con = duckdb.connect(str(copy), read_only=True)
    try:
        served, raw = raw_and_served(con, monkeypatch, ["2022-11"], ("region",), catalog=catalog)
        assert served.served_from == "preagg" and served.frame.equals(raw.frame)
    finally:
        con.close()


def test_kpi_json_is_byte_identical_served_or_raw(tmp_path, chanops):
    """The bundled sample, the whole catalog at every standard slice and compare option."""
    sample = Path(__file__).resolve().parents[1] / "sample_data"
    db = tmp_path / "wh.duckdb"
    for kind in ("orders", "contacts", "usage", "complaints", "billing", "customers"):
        as_of = ["--as-of", "2022-11-30"] if kind == "customers" else []
        assert chanops("load", kind, sample / f"{kind}.csv", "--db", db, *as_of).exit_code == 0
    raw_db = tmp_path / "raw.duckdb"
    shutil.copyfile(db, raw_db)
    con = duckdb.connect(str(raw_db))
    con.execute("DELETE FROM _preagg_current")
    con.close()
    for dims in STANDARD_SLICES:
        by = ["--by", ",".join(dims)] if dims else []
        for compare in ([], ["--compare", "prev"], ["--compare", "yoy"]):
            args = ["kpi", "--month", "2022-11", *by, *compare, "--format", "json"]
            served, raw = chanops(*args, "--db", db), chanops(*args, "--db", raw_db)
            assert served.exit_code == raw.exit_code == 0, served.stderr
            assert served.stdout == raw.stdout and served.stderr == raw.stderr, (dims, compare)


def test_explain_reads_the_pre_aggregates(province, chanops, monkeypatch):
    """explain evaluates the KPI for the month and its base month at the slice: both served."""
    answers = []
    real = evaluate_module.served

    def spy(*args, **kwargs):
        frame = real(*args, **kwargs)
        answers.append(frame is not None)
        return frame

    monkeypatch.setattr(evaluate_module, "served", spy)
    result = chanops("explain", "online_share", "--month", "2022-11", "--by", "region", "--db", province)
    assert result.exit_code == 0, result.stderr
    assert answers and all(answers)


def test_refresh_leaves_the_connections_insertion_order_setting_as_it_was(tmp_path, monkeypatch):
    """refresh turns insertion-order preservation off for its own statements only: a caller
    that kept it on (DuckDB's default) still has it on after, one that turned it off keeps it
    off, and a refresh that fails half-way rolls back and still restores it."""
    db = kpi_fixture.build(tmp_path)
    con = duckdb.connect(str(db))
    try:
        refresh(con, CATALOG, CHANNELS)
        assert con.execute("SELECT current_setting('preserve_insertion_order')").fetchone() == (True,)
        con.execute("SET preserve_insertion_order = false")
        con.execute("DELETE FROM _preagg_current")
        refresh(con, CATALOG, CHANNELS)
        assert con.execute("SELECT current_setting('preserve_insertion_order')").fetchone() == (False,)

        def fail(*_args, **_kwargs):
            raise RuntimeError("disk full")

        con.execute("SET preserve_insertion_order = true")
        con.execute("DELETE FROM _preagg_current")
        monkeypatch.setattr(preagg_module, "_compute", fail)
        with pytest.raises(RuntimeError):
            refresh(con, CATALOG, CHANNELS)
        assert con.execute("SELECT current_setting('preserve_insertion_order')").fetchone() == (True,)
        assert con.execute("SELECT count(*) FROM _preagg_current").fetchone() == (0,)
    finally:
        con.close()
