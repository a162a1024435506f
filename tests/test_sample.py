"""`chanops sample`: deterministic, consistent, loadable, and at the seed's KPI levels."""

from __future__ import annotations

from pathlib import Path

import pytest

from chanops.ingest.sample import SampleSpec, generate_sample
from chanops.schema import KINDS

from .conftest import query

SAMPLE_DATA = Path(__file__).resolve().parent.parent / "sample_data"


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    a = generate_sample(SampleSpec(out=tmp_path / "a", rows=600, seed=7))
    b = generate_sample(SampleSpec(out=tmp_path / "b", rows=600, seed=7))
    c = generate_sample(SampleSpec(out=tmp_path / "c", rows=600, seed=8))
    assert set(a) == {*KINDS, "plan", "config", "targets/MK2212-01", "targets/MK2212-02", "targets/MK2212-03"}
    assert all(a[k].read_bytes() == b[k].read_bytes() for k in a)
    assert a["orders"].read_bytes() != c["orders"].read_bytes()


def test_gb18030_csv_and_parquet_load(chanops, tmp_path, db):
    gb = generate_sample(SampleSpec(out=tmp_path / "gb", rows=600, encoding="gb18030"))
    with pytest.raises(UnicodeDecodeError):
        gb["orders"].read_bytes().decode("utf-8")
    # the plan's target lists too: their header in GB18030 (two bytes a character, not UTF-8's three)
    header = "手机号码,模型得分\n".encode("gb18030")
    for campaign in ("MK2212-01", "MK2212-02", "MK2212-03"):
        assert gb[f"targets/{campaign}"].read_bytes().startswith(header), campaign
    pq = generate_sample(SampleSpec(out=tmp_path / "pq", rows=600, format="parquet", seed=2))
    for kind in ("orders", "customers"):
        result = chanops("load", kind, gb[kind], "--db", db, "--as-of", "2022-11-30")
        assert result.exit_code == 0, result.stderr
        assert "(gb18030)" in result.stderr
    result = chanops("load", "contacts", pq["contacts"], "--db", db)
    assert result.exit_code == 0, result.stderr


def test_bundled_sample_loads_every_kind_under_the_reject_threshold(chanops, db):
    for kind in KINDS:
        result = chanops("load", kind, SAMPLE_DATA / f"{kind}.csv", "--db", db, "--as-of", "2022-11-30")
        assert result.exit_code == 0, result.stderr
    per_kind = dict(query(db, "SELECT kind, rows_rejected::DOUBLE / rows_read FROM _loads"))
    assert set(per_kind) == set(KINDS)
    assert max(per_kind.values()) < 0.01
    assert per_kind["orders"] > 0  # a few dirty rows, so the demo shows quarantine

    # KPI levels in the range seed 000 reports for 2022-11 (definitions of SPEC §4).
    [(online, platform, connect, outbound)] = query(
        db,
        """
        WITH o AS (SELECT * FROM orders WHERE strftime(order_time, '%Y-%m') = '2022-11'),
             c AS (SELECT * FROM contacts WHERE strftime(contact_time, '%Y-%m') = '2022-11')
        SELECT (SELECT count(*) FILTER (status = 'success' AND (campaign_id IS NOT NULL OR channel IN
                    ('outbound','hotline','app','wechat','sms','web','ussd','internet','partner_online')))
                / count(*) FILTER (status = 'success') FROM o),
               (SELECT count(*) FILTER (status = 'success' AND campaign_id IS NOT NULL) FROM o)
                / (SELECT count(DISTINCT msisdn) FILTER (reached) FROM c),
               (SELECT count(DISTINCT msisdn) FILTER (reached) / count(DISTINCT msisdn) FROM c
                 WHERE touchpoint = 'outbound'),
               (SELECT count(*) FILTER (status = 'success' AND channel = 'outbound') FROM o)
                / (SELECT count(DISTINCT msisdn) FILTER (reached) FROM c WHERE touchpoint = 'outbound')""",
    )
    assert 0.38 < online < 0.52
    assert 0.008 < platform < 0.025
    assert 0.25 < connect < 0.35
    assert 0.25 < outbound < 0.37


def test_sample_covers_six_months_ending_end_month(tmp_path, db, chanops):
    files = generate_sample(SampleSpec(out=tmp_path / "s", rows=600, end_month="2023-02"))
    for kind in ("orders", "contacts", "billing"):
        assert chanops("load", kind, files[kind], "--db", db).exit_code == 0
    months = query(
        db,
        """SELECT DISTINCT strftime(order_time, '%Y-%m') FROM orders
                          UNION SELECT DISTINCT strftime(contact_time, '%Y-%m') FROM contacts
                          UNION SELECT DISTINCT month FROM billing ORDER BY 1""",
    )
    assert [m for (m,) in months] == ["2022-09", "2022-10", "2022-11", "2022-12", "2023-01", "2023-02"]


def test_sample_rejects_bad_options(chanops, tmp_path):
    bad_month = chanops("sample", "--out", tmp_path / "x", "--end-month", "2022-13")
    assert bad_month.exit_code == 2
    assert bad_month.stderr == "chanops: error: --end-month must be YYYY-MM, got '2022-13'\n"
    bad_format = chanops("sample", "--out", tmp_path / "x", "--format", "xlsx")
    assert bad_format.exit_code == 2
