"""The report is composed of the commands' results: one match rate, one alert list, every part
in its place, a partial warehouse reported as far as it goes.

From points_fixture (November): 11 claims — valid e02, e04, e05, e07, e13, e14 (6), no_rule e06
(1), duplicate e03, contested e08, invalid e09, e10. SPEC §6.5 match rate = (valid + no_rule) /
claims = 7/11 = 63.64% (valid / claims would be 6/11 = 54.55%); by region 包头 5/9 = 55.56%
(e02–e10), 赤峰 2/2 = 100.00% (e13, e14): the province lies between its regions.

From kpi_fixture (November): platform orders o1, o2 (region A, campaign C1); users with a
reached contact: A 01 (c1, c2) and 02 (c4), B 04 (c7) and 05 (c8). 数智集中运营平台运营成功率 =
2/4 = 50.00% for the province, A 2/2 = 100.00%, B 0/2 = 0.00%: with `min = 0.4` only region B
breaches.
"""

from __future__ import annotations

import json

import pytest

from . import kpi_fixture, points_fixture
from .conftest import write_text


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    tables = {**kpi_fixture.TABLES, **points_fixture.TABLES}
    return points_fixture.build(tmp_path_factory.mktemp("composed"), tables)


def _report(chanops, db, out, *extra):
    result = chanops("report", "monthly", "--month", "2022-11", "--out", out, "--db", db, *extra)
    assert result.exit_code in (0, 3), result.stderr
    markdown = (out / "chanops-report-2022-11.md").read_text(encoding="utf-8")
    html = (out / "chanops-report-2022-11.html").read_text(encoding="utf-8")
    return result, markdown, html


def test_the_points_line_is_the_summary_commands_match_rate(chanops, db, tmp_path):
    """63.64% in the report's points line, in `points summary`'s whole-month row, and between
    its regions' 55.56% and 100.00%."""
    _result, markdown, html = _report(chanops, db, tmp_path / "out")
    assert "录入 11 笔，匹配率 63.64%" in markdown and "录入 11 笔，匹配率 63.64%" in html
    summary = chanops("points", "summary", "--month", "2022-11", "--by", "region", "--db", db, "--format", "json")
    assert summary.exit_code == 0, summary.stderr
    sections = json.loads(summary.stdout)
    [total] = sections["total 2022-11"]
    assert (total["claims"], total["valid"], total["no_rule"]) == (11, 6, 1)
    assert total["match_rate"] == pytest.approx(7 / 11)
    rates = {r["region"]: r["match_rate"] for r in sections["summary by region 2022-11"]}
    assert rates == pytest.approx({"包头": 5 / 9, "赤峰": 1.0})


def test_check_fails_on_a_region_alone_and_the_report_lists_it(chanops, db, tmp_path):
    """Only region B breaches (0.00% < 40%): the report lists that one alert, and --check
    exits 3 on it — the exit code and the list are the same list. (The fixture is a sliver of a
    month, so the completeness tests are switched off: `[check] kinds = []`.)"""
    config = write_text(tmp_path / "chanops.toml", "[check]\nkinds = []\n[kpis.platform_success_rate]\nmin = 0.4\n")
    result, markdown, html = _report(chanops, db, tmp_path / "out", "--config", config, "--check")
    alert, why = markdown.split("## 阈值告警", 1)[1].split("##", 1)[0].strip().splitlines()
    assert alert == "- 数智集中运营平台运营成功率 B 0.00%，低于下限 40.00%"
    # under it, explain's sentence for B's gap to the province
    assert why.startswith("  - 原因：B 数智集中运营平台运营成功率 2022-11 为 0.00%，比全区（50.00%）低 50.00pp；")
    assert "全省指标均在考核线以内；1 项分盟市指标未达标" in html
    assert result.exit_code == 3
    assert "breach: platform_success_rate 2022-11 region=B: 0.00% below min 40.00%" in result.stderr
    assert result.stderr.endswith("0 completeness test(s) and 1 KPI value(s) breached; the report is written\n")
    quiet = chanops("report", "monthly", "--month", "2022-11", "--out", tmp_path / "o2", "--db", db, "--config", config)
    assert quiet.exit_code == 0, quiet.stderr  # without --check the report is just written


def test_a_warehouse_with_orders_only_reports_what_it_has(chanops, tmp_path):
    """Orders loaded, nothing else: the report is written (it crashed on a missing KPI column),
    the order KPIs are there (online share 4/6 = 66.67%), every part without data says which
    extracts are missing, and --check fails on the completeness breaches."""
    (tmp_path / "w").mkdir()
    db = kpi_fixture.build(tmp_path / "w", {"orders": kpi_fixture.ORDERS})
    result, markdown, html = _report(chanops, db, tmp_path / "out", "--check")
    assert result.exit_code == 3
    assert "| 线上产能占比 | 66.67% |" in markdown
    for line in (
        "新业务积分：未加载营业员录入、有效数据、积分规则",
        "电子渠道偏好：未加载电子渠道使用、客户资料",
        "保有与生命周期：未加载客户资料、账单收入",
        "多波次营销漏斗：未加载触点接触记录",
    ):
        assert line in markdown and line in html, line
    left_out = "数智集中运营平台运营成功率未计算：未加载触点接触记录"
    assert left_out in markdown and left_out in html and left_out in result.stderr


def test_a_part_without_its_rules_says_so_where_it_would_be(chanops, tmp_path):
    """Rules deleted: the points part is not silently gone, it says 积分规则 are not loaded."""
    tables = {**kpi_fixture.TABLES, **points_fixture.TABLES}
    del tables["rules"]
    (tmp_path / "w").mkdir()
    db = kpi_fixture.build(tmp_path / "w", tables)
    _result, markdown, html = _report(chanops, db, tmp_path / "out")
    assert "- 新业务积分：未加载积分规则" in markdown
    assert '<section id="points"><h2>新业务积分</h2><p class="note">新业务积分：未加载积分规则</p>' in html


def test_the_why_under_an_alert_is_explains_sentence(chanops, db, tmp_path):
    """The sentence under region B's alert, in the Markdown, the HTML and the workbook's cover,
    is the one `chanops explain platform_success_rate --vs province --region B` prints."""
    import openpyxl

    config = write_text(tmp_path / "chanops.toml", "[check]\nkinds = []\n[kpis.platform_success_rate]\nmin = 0.4\n")
    _, markdown, html = _report(chanops, db, tmp_path / "out", "--config", config)
    explained = chanops(
        "explain", "platform_success_rate", "--month", "2022-11", "--vs", "province", "--region", "B",
        "--format", "json", "--db", db,
    )  # fmt: skip
    assert explained.exit_code == 0, explained.stderr
    [sentence] = [row["why"] for row in json.loads(explained.stdout)["why"]]
    assert f"  - 原因：{sentence}" in markdown.splitlines()
    assert f'<p class="why">原因：{sentence}</p>' in html
    cover = openpyxl.load_workbook(tmp_path / "out" / "chanops-report-2022-11.xlsx").worksheets[0]
    assert f"  原因：{sentence}" in [c.value for row in cover.iter_rows() for c in row]


def test_a_regions_own_report(chanops, db, tmp_path):
    """`--region A`: the title names A, the cards are `kpi --region A` (platform success 2/2 =
    100.00%, above the 40% line, so no alert: B's breach is not A's), and the region ranking
    stays for where A stands."""
    config = write_text(tmp_path / "chanops.toml", "[check]\nkinds = []\n[kpis.platform_success_rate]\nmin = 0.4\n")
    result, markdown, html = _report(chanops, db, tmp_path / "out", "--config", config, "--region", "A", "--check")
    assert result.exit_code == 0, result.stderr
    assert markdown.startswith("# 渠道运营月报 2022-11 · A\n")
    assert "| 数智集中运营平台运营成功率 | 100.00% |" in markdown
    assert "## 阈值告警" not in markdown
    kpi = chanops(
        "kpi",
        "--month",
        "2022-11",
        "--region",
        "A",
        "--metric",
        "platform_success_rate",
        "--format",
        "json",
        "--db",
        db,
    )
    [row] = json.loads(kpi.stdout)
    assert row["platform_success_rate"] == 1.0
    assert 'id="region"' in html
    two = chanops("report", "monthly", "--out", tmp_path / "o2", "--region", "A,B", "--db", db)
    assert two.exit_code == 2 and "one 盟市" in two.stderr
