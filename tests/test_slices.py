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
