"""`--region` and `--product`: each slice's figure at its own grain, only the named rows kept,
and a name in no row refused (SPEC §14)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from . import kpi_fixture


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return kpi_fixture.build(tmp_path_factory.mktemp("slices"))


def rows(result):
    assert result.exit_code == 0, result.stderr
    return list(csv.DictReader(io.StringIO(result.stdout)))


def test_kpi_for_one_region_is_that_regions_ratio(chanops, db):
    """online_share, 2022-11, region A: successes o1 (app), o2 (store, campaign C1: platform),
    o3 (store) — 2 of 3 online."""
    [row] = rows(
        chanops("kpi", "--month", "2022-11", "--metric", "online_share", "--region", "A", "--format", "csv", "--db", db)
    )
    assert (row["region"], row["online_share_num"], row["online_share_den"]) == ("A", "2", "3")


def test_kpi_for_a_product_in_two_regions(chanops, db):
    """P1's November successes: A o1 app, o2 platform; B o4 outbound, o7 hotline — every one
    online: 2/2 in each region. P2 (o3 store, o6 partner_store) is not shown."""
    got = rows(
        chanops(
            "kpi",
            "--month",
            "2022-11",
            "--metric",
            "online_share",
            "--region",
            "A,B",
            "--product",
            "P1",
            "--format",
            "csv",
            "--db",
            db,
        )  # fmt: skip
    )
    assert [(r["region"], r["product"], r["online_share_num"], r["online_share_den"]) for r in got] == [
        ("A", "P1", "2", "2"),
        ("B", "P1", "2", "2"),
    ]


def test_a_product_slice_leaves_out_kpis_without_products(chanops, db):
    """Retention counts customers, who carry no product: asked for, it is refused; among all
    KPIs it is left out with a note."""
    refused = chanops("kpi", "--metric", "user_retention", "--product", "P1", "--db", db)
    assert refused.exit_code == 2 and "cannot be sliced by product" in refused.stderr
    every = chanops("kpi", "--month", "2022-11", "--product", "P1", "--format", "csv", "--db", db)
    assert every.exit_code == 0 and "left out: " in every.stderr and "user_retention" not in every.stdout


def test_a_name_in_no_row_is_refused_with_the_names_there_are(chanops, db):
    result = chanops("kpi", "--month", "2022-11", "--region", "C", "--db", db)
    assert result.exit_code == 1 and "no rows for region C; regions with rows: A, B" in result.stderr


def test_explain_one_product(chanops, db):
    """P1's online share: October o9 (A, app) 1/1; November 4/4 — no change, said in words."""
    result = chanops(
        "explain",
        "online_share",
        "--month",
        "2022-11",
        "--product",
        "P1",
        "--by",
        "region",
        "--format",
        "json",
        "--db",
        db,
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["why"] == [{"why": "P1 线上产能占比 2022-11 为 100.00%，与 2022-10 持平。"}]


def test_narrowed_commands_equal_their_by_region_rows(chanops, db):
    """Narrowing the session to region A gives what the per-region computation gives for A:
    retention and lifecycle against their own --by region rows; the funnel against its
    campaign C1, whose every contact is in A (WH1's are all in B)."""

    def csv_rows(*args):
        return rows(chanops(*args, "--format", "csv", "--db", db))

    [retention] = csv_rows("retention", "--month", "2022-11", "--region", "A")
    by_region = {r["region"]: r for r in csv_rows("retention", "--month", "2022-11", "--by", "region")}
    assert retention == {k: v for k, v in by_region["A"].items() if k != "region"}

    lifecycle = csv_rows("lifecycle", "--month", "2022-11", "--region", "A")
    lifecycle_by_region = [
        {k: v for k, v in r.items() if k != "region"}
        for r in csv_rows("lifecycle", "--month", "2022-11", "--by", "region")
        if r["region"] == "A"
    ]
    assert lifecycle == lifecycle_by_region and lifecycle

    funnel = csv_rows("funnel", "--month", "2022-11", "--region", "A")
    assert funnel == [r for r in csv_rows("funnel", "--month", "2022-11") if r["campaign_id"] == "C1"]


def test_commands_whose_rows_carry_no_dimension_refuse_it(chanops, db):
    quota = chanops("quota", "--month", "2022-11", "--region", "A", "--db", db)
    assert quota.exit_code == 2 and "quota cannot be sliced by region" in quota.stderr
    lifecycle = chanops("lifecycle", "--month", "2022-11", "--product", "P1", "--db", db)
    assert lifecycle.exit_code == 2 and "--product" in lifecycle.stderr


@pytest.fixture(scope="module")
def points_db(tmp_path_factory):
    """The points fixture, plus e15: G6 (赤峰) claims 13800000005's 视频彩铃 on the 9th, which G3
    (包头) claimed first on the 5th (e07)."""
    from . import points_fixture

    e15 = "e15,2022-11-09 10:00:00,G6,杨洋,人民路营业厅,赤峰,赤峰营业部,13800000005,视频彩铃\n"
    tables = {**points_fixture.TABLES, "entries": points_fixture.ENTRIES + e15}
    return points_fixture.build(tmp_path_factory.mktemp("points-slices"), tables)


def test_a_claim_contested_from_another_region_stays_contested(chanops, points_db):
    """赤峰's claims: e13 and e14 手机报 valid (2 points each), e15 contested — held by G3 of 包头,
    whose claim the slice leaves out but still judges against. G6: 3 claims, 2 valid, match
    rate 2/3, earned 4.00; statement net 4.00 − 1.49 adjustment = 2.51."""
    claims = rows(
        chanops("points", "match", "--month", "2022-11", "--region", "赤峰", "--format", "csv", "--db", points_db)
    )
    assert [(c["entry_id"], c["status"], c["held_by"]) for c in claims] == [
        ("e13", "valid", ""),
        ("e14", "valid", ""),
        ("e15", "contested", "G3"),
    ]
    [g6] = rows(
        chanops(
            "points",
            "summary",
            "--month",
            "2022-11",
            "--by",
            "staff",
            "--region",
            "赤峰",
            "--format",
            "csv",
            "--db",
            points_db,
        )  # fmt: skip
    )
    assert (g6["staff_id"], g6["claims"], g6["valid"], g6["contested"], g6["earned"]) == ("G6", "3", "2", "1", "4.00")
    assert float(g6["match_rate"]) == pytest.approx(2 / 3)
    [statement] = rows(
        chanops("points", "statement", "--month", "2022-11", "--region", "赤峰", "--format", "csv", "--db", points_db)
    )
    assert (statement["staff_id"], statement["net"]) == ("G6", "2.51")


def test_points_for_one_product_and_one_staff(chanops, points_db):
    """视频彩铃 claims of November: e02 G1 valid, e03 G1 duplicate, e07 G3 valid, e08 G1 and
    e15 G6 contested. For G1: e02, e03, e08."""
    claims = rows(
        chanops(
            "points",
            "match",
            "--month",
            "2022-11",
            "--product",
            "视频彩铃",
            "--staff",
            "G1",
            "--format",
            "csv",
            "--db",
            points_db,
        )  # fmt: skip
    )
    assert [(c["entry_id"], c["status"]) for c in claims] == [
        ("e02", "valid"),
        ("e03", "duplicate"),
        ("e08", "contested"),
    ]


def test_plan_slices_what_it_shows_by_product_and_refuses_a_region(db, tmp_path):
    """The plan's rows carry their campaign's product, not a region: --region is refused before
    the plan is read; --product with --out is refused (the dispatch files are the whole plan's)."""
    from chanops import load_config
    from chanops.errors import UsageError
    from chanops.slices import Slices
    from chanops.store.warehouse import connect
    from chanops.tasks import run_task
    from chanops.tasks.plan import PlanTaskRequest

    con = connect(db, read_only=True)
    try:
        with pytest.raises(UsageError, match="plan cannot be sliced by region"):
            run_task("plan", con, load_config(None), PlanTaskRequest(tmp_path / "p.toml", slices=Slices(("A",))))
        request = PlanTaskRequest(tmp_path / "p.toml", out=tmp_path / "d", slices=Slices(products=("P1",)))
        with pytest.raises(UsageError, match="--out writes the whole plan"):
            run_task("plan", con, load_config(None), request)
    finally:
        con.close()
