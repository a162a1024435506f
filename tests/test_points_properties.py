"""Invariants of the reconciliation, whatever the claims (hypothesis)."""

from __future__ import annotations

import shutil
import tempfile
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chanops.points import reconcile as points

from . import points_fixture

claim = st.tuples(
    st.sampled_from(["A", "B", "C"]), st.integers(1, 4), st.sampled_from(["视频彩铃", "手机报"]), st.integers(-48, 768)
)  # hours from 2022-11-01: some fall outside the month
valid_pairs = st.sets(st.tuples(st.integers(1, 4), st.sampled_from(["视频彩铃", "手机报", "宽带"])))
complaint = st.tuples(st.sampled_from(["A", "B", "C"]), st.integers(0, 700))


def build(claims, valid, complaints) -> Path:
    start = datetime(2022, 11, 1)
    entries = ["entry_id,entry_time,staff_id,store,region,msisdn,product"]
    for i, (staff, user, product, hours) in enumerate(claims):
        entries.append(
            f"x{i:03d},{start + timedelta(hours=hours):%Y-%m-%d %H:%M:%S},{staff},S,R,1380000000{user},{product}"
        )
    rows = ["month,msisdn,product,fee"] + [f"2022-11,1380000000{u},{p},{5 + u}.35" for u, p in sorted(valid)]
    kinds = ["complaint_id,complaint_time,staff_id"] + [
        f"k{i},{start + timedelta(hours=h):%Y-%m-%d %H:%M:%S},{s}" for i, (s, h) in enumerate(complaints)
    ]
    directory = Path(tempfile.mkdtemp(prefix="chanops-points-prop-"))
    tables = {"rules": points_fixture.RULES, "entries": "\n".join(entries) + "\n"}
    if valid:
        tables["valid"] = "\n".join(rows) + "\n"
    if complaints:
        tables["complaints"] = "\n".join(kinds) + "\n"
    return points_fixture.build(directory, tables, adjustments=[])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    claims=st.lists(claim, min_size=1, max_size=25),
    valid=valid_pairs,
    complaints=st.lists(complaint, max_size=4),
    budget=st.integers(0, 4000),
)
def test_statuses_payouts_and_reruns(claims, valid, complaints, budget):
    db = build(claims, valid, complaints)
    con = duckdb.connect(str(db), read_only=True)
    try:
        in_month = sum(1 for *_rest, hours in claims if 0 <= hours < 720)
        if in_month == 0:
            return
        matched = points.match(con, "2022-11").to_pylist()
        budget_amount = Decimal(budget) / 100
        first = points.statement(con, "2022-11", points.PointsConfig(), budget_amount)
        again = points.statement(con, "2022-11", points.PointsConfig(), budget_amount)
    finally:
        con.close()
        shutil.rmtree(db.parent, ignore_errors=True)
    # every claim of the month appears once, with exactly one status
    assert len(matched) == in_month
    assert all(r["status"] in points.STATUSES for r in matched)
    primaries = {}
    for r in matched:
        if r["status"] in ("valid", "invalid", "no_rule"):
            primaries[(r["msisdn"], r["product"])] = primaries.get((r["msisdn"], r["product"]), 0) + 1
        else:
            assert r["held_by"] is not None
    assert set(primaries.values()) == {1}
    rows = first.to_pylist()
    assert sum(r["claims"] for r in rows) == in_month
    positive = sum(r["net"] for r in rows if r["net"] > 0)
    paid = sum(r["payout"] for r in rows)
    assert paid <= max(budget_amount, positive)
    assert paid == (budget_amount if positive > budget_amount else positive)
    assert all(r["payout"] >= 0 and (r["net"] > 0 or r["payout"] == 0) for r in rows)
    assert first.equals(again)
