"""One evaluation per report: every (KPI, month, slice) a report shows — cards, trend, 盟市,
touchpoints, retention, the why lines' splits — is evaluated once, and the figures shared
between them are the ones each would get on its own. Counted on the evaluator, not timed."""

from __future__ import annotations

import duckdb
import pytest

import chanops.kpi.evaluate as kpi_evaluate
from chanops.config import Config
from chanops.engines import DuckDBEngine
from chanops.kpi.evaluate import KpiRequest, run_kpis
from chanops.report import ReportRequest, build_report
from chanops.tasks.explain import ExplainRequest, run_explain
from chanops.tasks.figures import KpiFigures

from . import kpi_fixture


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return kpi_fixture.build(tmp_path_factory.mktemp("evaluations"), kpi_fixture.TABLES)


@pytest.fixture
def con(db):
    connection = duckdb.connect(str(db), read_only=True)
    yield DuckDBEngine(connection)  # a region's report narrows the session's tables
    connection.close()


@pytest.fixture
def evaluated(monkeypatch) -> list[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]]:
    """Every statement the KPI evaluator runs: (KPIs, months incl. compared ones, dims)."""
    statements = []
    evaluate = kpi_evaluate.evaluate

    def counted(con, catalog, channels, months, dims=(), metric_ids=None, base=None, compare=None, **options):
        result = evaluate(con, catalog, channels, months, dims, metric_ids, base=base, compare=compare, **options)
        shift = kpi_evaluate.COMPARE_SHIFT.get(compare or "")
        compared = {kpi_evaluate.add_months(m, shift) for m in months} if shift else set()
        statements.append((tuple(k.id for k in result.kpis), tuple(sorted({*months, *compared})), tuple(result.dims)))
        return result

    monkeypatch.setattr(kpi_evaluate, "evaluate", counted)
    return statements


def cells(statements) -> list[tuple[str, str, frozenset[str]]]:
    return [(kpi, month, frozenset(dims)) for kpis, months, dims in statements for kpi in kpis for month in months]


@pytest.mark.parametrize("region", [None, "A"])
def test_each_kpi_month_and_slice_is_evaluated_once(con, evaluated, region):
    """The province report and region A's: no (KPI, month, slice) in two statements, though
    the why lines ask for the same figures many times (each alert's split by every dimension,
    the cards' months again). Before, the fixture's province report ran 19 statements, 9 of
    their (KPI, month, slice) cells in more than one; region A's ran 11, 10 cells repeated."""
    report = build_report(con, Config(), ReportRequest("2022-11", region=region))
    assert report.why  # the why lines ran: their figures are among the counted
    every = cells(evaluated)
    repeated = sorted({c for c in every if every.count(c) > 1}, key=str)
    assert repeated == []


def test_why_lines_are_the_explain_commands_sentences(con):
    """A sentence from the report's shared figures is the one `chanops explain` gives alone."""
    config = Config()
    report = build_report(con, config, ReportRequest("2022-11"))
    assert report.why
    for alert in report.kpi_alerts:
        if alert.line in report.why:
            where = dict(alert.where)
            if "region" in where and len(where) == 1:
                request = ExplainRequest(alert.subject, "2022-11", "province", region=where["region"])
            else:
                request = ExplainRequest(
                    alert.subject, "2022-11", "prev", region=where.get("region"), channel=where.get("channel")
                )
            assert report.why[alert.line] == run_explain(con, config, request).value.sentence
    for card in report.movers:
        alone = run_explain(con, config, ExplainRequest(card.kpi.id, "2022-11", "prev")).value.sentence
        assert report.why[f"mover:{card.kpi.id}"] == alone


def test_figures_evaluate_only_what_no_kept_result_answers(con, evaluated):
    """Online share by region (kpi_fixture): November A 2/3 (o1, o2 by campaign of the three
    successes o1-o3), B 2/3 (o4 outbound, o7 hotline of o4, o6, o7); October A 1/1 (o9 by app),
    B no orders. November's are kept from the 盟市 result of every KPI, which also holds a row
    of no 盟市 (complaint k3 carries no number) where online share is 0 over 0 — as a shared
    statement's extra slice is, and no split counts it. Asking October and November evaluates
    October alone, in one statement."""
    config = Config()
    figures = KpiFigures(con, config)
    figures.keep(run_kpis(con, config, KpiRequest(month="2022-11", dims=("region",))), ["2022-11"])
    evaluated.clear()
    rows, _notes = figures.rows("online_share", ["2022-10", "2022-11"], ["region"])
    assert evaluated == [(("online_share",), ("2022-10",), ("region",))]
    found = {(r["month"], r["region"]): (r["online_share_num"], r["online_share_den"]) for r in rows}
    assert found == {
        ("2022-10", "A"): (1, 1),
        ("2022-11", "A"): (2, 3),
        ("2022-11", "B"): (2, 3),
        ("2022-11", None): (0, 0),
    }
    figures.rows("online_share", ["2022-10"], ["region"])  # asked again: answered, not evaluated
    assert len(evaluated) == 1


def test_kpis_asked_alike_share_one_statement(con, evaluated):
    """Online share and the outbound connect rate by touchpoint for October and November,
    asked up front: one statement, each KPI's figures its own evaluation's. Outbound connect
    rate (kpi_fixture): November called 04, 05, 12, 13 and connected 04 (c7) and 05 (c8), 2/4;
    October connected 14 (c11), 1/1."""
    config = Config()
    figures = KpiFigures(con, config)
    months = ["2022-10", "2022-11"]
    for kpi in ("online_share", "outbound_connect_rate"):
        figures.need(kpi, months, ["channel"])
    shared = {kpi: figures.rows(kpi, months, ["channel"])[0] for kpi in ("online_share", "outbound_connect_rate")}
    assert len(evaluated) == 1 and set(evaluated[0][0]) == {"online_share", "outbound_connect_rate"}

    def figures_of(kpi, rows):
        num, den = f"{kpi}_num", f"{kpi}_den"
        return {(r["month"], r["channel"]): (r[num], r[den]) for r in rows if r[den]}

    connect = figures_of("outbound_connect_rate", shared["outbound_connect_rate"])
    assert connect[("2022-11", "outbound")] == (2, 4) and connect[("2022-10", "outbound")] == (1, 1)
    for kpi, rows in shared.items():
        alone = kpi_evaluate.evaluate(con, config.kpis, config.channels, months, ["channel"], [kpi])
        assert figures_of(kpi, rows) == figures_of(kpi, alone.frame.to_pylist())
