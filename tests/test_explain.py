"""`chanops explain`: the exact shift-share split of SPEC §14, worked by hand, and the
property that makes it worth reading — the rows always sum to the change."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chanops.kpi.explain import OVERLAP, Side, shift_share

from . import kpi_fixture


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return kpi_fixture.build(tmp_path_factory.mktemp("explain"))


def by_segment(split):
    return {e.segment: e for e in split.effects}


def test_mix_and_rate_effects_worked_by_hand():
    """Base: A 30/100 (0.3), B 10/100 (0.1): R0 = 40/200 = 0.2. Month: A 40/100 (0.4),
    B 30/300 (0.1), C 5/100 new: R1 = 75/500 = 0.15; change −0.05.
    w0 = A .5, B .5; w1 = A .2, B .6, C .2.
    A: mix (0.2 − 0.5)(0.3 − 0.2) = −0.03, rate 0.2(0.4 − 0.3) = +0.02, total −0.01.
    B: mix (0.6 − 0.5)(0.1 − 0.2) = −0.01, rate 0.6(0.1 − 0.1) = 0, total −0.01.
    C (absent in the base, r0 = R0 = 0.2): mix 0.2 · 0 = 0, rate 0.2(0.05 − 0.2) = −0.03.
    Ranked: C (−0.03, 60% of the change), then A and B (−0.01 each, 20%)."""
    base = Side("2022-10", 40, 200, {"A": (30, 100), "B": (10, 100)})
    month = Side("2022-11", 75, 500, {"A": (40, 100), "B": (30, 300), "C": (5, 100)})
    split = shift_share(base, month)
    assert split.r0 == pytest.approx(0.2) and split.r1 == pytest.approx(0.15)
    assert [e.segment for e in split.effects] == ["C", "A", "B"]
    a, b, c = (by_segment(split)[s] for s in "ABC")
    assert (a.w0, a.w1, a.r0, a.r1) == pytest.approx((0.5, 0.2, 0.3, 0.4))
    assert (a.mix, a.rate, a.total) == pytest.approx((-0.03, 0.02, -0.01))
    assert (b.mix, b.rate, b.total) == pytest.approx((-0.01, 0.0, -0.01))
    assert c.r0 is None and (c.mix, c.rate, c.total) == pytest.approx((0.0, -0.03, -0.03))
    assert (c.share_of_change, a.share_of_change) == pytest.approx((0.6, 0.2))
    assert not split.overlapping


def test_overlapping_segments_get_an_overlap_row_so_the_rows_still_sum():
    """Users in both segments: base 20 of 100 users (0.2), segments A 15/60, B 10/60; month
    28/100 (0.28), A 20/60, B 15/60. w = 0.6 everywhere, so mixes are 0; rates
    A 0.6(1/3 − 1/4) = +0.05, B 0.6(1/4 − 1/6) = +0.05: 0.10 placed, but the change is
    +0.08 — the overlap row holds −0.02."""
    split = shift_share(
        Side("b", 20, 100, {"A": (15, 60), "B": (10, 60)}),
        Side("m", 28, 100, {"A": (20, 60), "B": (15, 60)}),
    )
    rows = by_segment(split)
    assert rows["A"].rate == pytest.approx(0.05) and rows["B"].rate == pytest.approx(0.05)
    assert split.effects[-1].segment == OVERLAP and rows[OVERLAP].total == pytest.approx(-0.02)
    assert sum(e.total for e in split.effects) == pytest.approx(split.change)


segments = st.dictionaries(
    st.sampled_from("ABCDEFG"),
    st.tuples(st.integers(0, 500), st.integers(1, 500)).map(lambda nd: (min(nd), nd[1])),
    min_size=1,
)


@settings(max_examples=300, deadline=None)
@given(base=segments, month=segments, scale=st.sampled_from([1.0, 1_000_000.0]))
def test_effects_always_sum_to_the_change_exactly(base, month, scale):
    """Disjoint segments (the totals are their sums): no overlap row is ever needed — the
    arithmetic is exact, so Σ mix + rate is R1 − R0 to the last bit — and the float totals
    sum to the change within rounding."""

    def side(label, parts):
        return Side(label, sum(n for n, _ in parts.values()), sum(d for _, d in parts.values()), parts)

    split = shift_share(side("b", base), side("m", month), scale)
    assert not split.overlapping
    exact = Fraction(sum(n for n, _ in month.values()), sum(d for _, d in month.values())) - Fraction(
        sum(n for n, _ in base.values()), sum(d for _, d in base.values())
    )
    assert split.change == pytest.approx(float(exact * Fraction(scale)), abs=1e-9)
    assert sum(e.total for e in split.effects) == pytest.approx(split.change, abs=1e-9)
    assert sum(e.mix + e.rate for e in split.effects) == pytest.approx(split.change, abs=1e-9)


def test_explain_by_region_on_the_fixture(chanops, db):
    """online_share (kpi_fixture): October's one success, o9 (A, app), is online: R0 = 1.
    November's six successes: A o1 app (online), o2 store with campaign C1 (platform),
    o3 store; B o4 outbound, o6 partner_store, o7 hotline — 4 of 6 online, R1 = 2/3.
    A: w0 1, w1 1/2, r0 1, r1 2/3 → mix 0, rate 1/2 (2/3 − 1) = −1/6.
    B: absent in October (r0 = R0 = 1): mix 0, rate 1/2 (2/3 − 1) = −1/6.
    The rows sum to −1/3; each carries half of it."""
    result = chanops("explain", "online_share", "--month", "2022-11", "--by", "region", "--format", "json", "--db", db)
    assert result.exit_code == 0, result.stderr
    sections = json.loads(result.stdout)
    rows = sections["explain online_share 2022-11 vs 2022-10"]
    assert [r["region"] for r in rows] == ["(all)", "A", "B"]
    whole, a, b = rows
    assert (whole["r0"], whole["r1"], whole["total"]) == pytest.approx((1.0, 2 / 3, -1 / 3))
    assert (a["w0"], a["w1"], a["r0"], a["r1"], a["mix"], a["rate"]) == pytest.approx((1, 0.5, 1, 2 / 3, 0, -1 / 6))
    assert b["w0"] == 0 and b["r0"] is None and b["rate"] == pytest.approx(-1 / 6)
    assert [r["share_of_change"] for r in rows] == pytest.approx([1.0, 0.5, 0.5])
    [why] = sections["why"]
    assert why["why"] == (
        "线上产能占比 2022-11 为 66.67%，比 2022-10（100.00%）下降 33.33pp；按地市看，主要因为 "
        "A（-16.67pp，自身比率 100.00% → 66.67%）、B（-16.67pp，新出现）。"
    )


def test_a_regions_gap_to_the_province(chanops, db):
    """Region A against the province in 2022-11, by channel. Province successes: app 1 (online
    1), store 2 (o2 platform, o3 not: 1/2), outbound 1 (1), partner_store 1 (0), hotline 1 (1):
    R0 = 4/6. A: app 1 (1), store 2 (1/2): R1 = 2/3 — no gap, yet its mix differs:
    app (1/3 − 1/6)(1 − 2/3) = +1/18, store (2/3 − 1/3)(1/2 − 2/3) = −1/18,
    outbound and hotline (0 − 1/6)(1 − 2/3) = −1/18 each, partner_store (0 − 1/6)(0 − 2/3) = +1/9."""
    result = chanops(
        "explain", "online_share", "--month", "2022-11", "--vs", "province", "--region", "A", "--by", "channel",
        "--format", "json", "--lang", "en", "--db", db,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    sections = json.loads(result.stdout)
    rows = {r["channel"]: r for r in sections["explain online_share 2022-11 A vs province"]}
    assert rows["(all)"]["total"] == pytest.approx(0)
    expected = {"app": 1 / 18, "store": -1 / 18, "outbound": -1 / 18, "hotline": -1 / 18, "partner_store": 1 / 9}
    assert {c: rows[c]["mix"] for c in expected} == pytest.approx(expected)
    assert sections["why"][0]["why"] == "A Online share of orders was 66.67% in 2022-11, level with the province."


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["online_share", "--vs", "province"], "give --region R"),
        (["online_share", "--vs", "2022-12", "--month", "2022-11"], "must be before 2022-11"),
        (["online_share", "--vs", "lastyear"], "--vs must be prev, yoy, province or a month"),
        (["online_share", "--by", "wave"], "cannot be split by wave"),
        (["user_retention", "--by", "channel"], "cannot be split by channel"),
        (["online_share", "--region", "A,B"], "one --region at a time"),
        (["no_such_kpi"], "unknown KPI 'no_such_kpi'"),
    ],
)
def test_usage_errors_are_one_line_exit_2(chanops, db, args, message):
    result = chanops("explain", *args, "--db", db)
    assert result.exit_code == 2 and message in result.stderr and len(result.stderr.splitlines()) == 1


def test_a_base_without_data_is_refused_by_name(chanops, db):
    """The fixture has no 2021-11: a year-on-year explain has nothing to compare with."""
    result = chanops("explain", "online_share", "--month", "2022-11", "--vs", "yoy", "--db", db)
    assert result.exit_code == 1 and "no figure for 2021-11" in result.stderr


def test_every_kpi_splits_by_every_dimension_it_carries(chanops, db):
    """Whatever the KPI and the dimension, the rows below (all) sum to its total."""
    from chanops.config import load_config

    for kpi in load_config(None).kpis.values():
        for dim in kpi.dimensions:
            result = chanops("explain", kpi.id, "--month", "2022-11", "--by", dim, "--format", "json", "--db", db)
            if result.exit_code == 1:  # a KPI with no October figure in the fixture
                assert "no figure for 2022-10" in result.stderr, (kpi.id, result.stderr)
                continue
            assert result.exit_code == 0, (kpi.id, dim, result.stderr)
            whole, *rows = next(iter(json.loads(result.stdout).values()))
            assert sum(r["total"] for r in rows) == pytest.approx(whole["total"], abs=1e-12), (kpi.id, dim)
