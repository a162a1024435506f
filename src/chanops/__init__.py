"""chanops — channel-operations analytics for mobile operators.

The library gives what the commands give; each command is one of these calls:

    import chanops
    config = chanops.load_config("chanops.toml")
    with chanops.open_warehouse("chanops.duckdb", read_only=True) as con:
        result = chanops.run_kpis(con, config, chanops.KpiRequest(month="2022-11", compare="prev"))
        report = chanops.build_report(con, config, chanops.ReportRequest(month="2022-11"))
    with chanops.open_warehouse("chanops.duckdb", read_only=False) as con:
        run = chanops.run_statement(con, config, chanops.PointsRequest("2022-11", budget=None))

Names are imported on first use, so `chanops --help` does not pay for DuckDB and Polars.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_EXPORTS = {
    "Config": "chanops.config",
    "load_config": "chanops.config",
    "open_warehouse": "chanops.store.warehouse",
    "LoadOptions": "chanops.ingest.loader",
    "load_files": "chanops.ingest.loader",
    "KpiRequest": "chanops.kpi.evaluate",
    "KpiResult": "chanops.kpi.evaluate",
    "run_kpis": "chanops.kpi.evaluate",
    "PointsRequest": "chanops.points.runs",
    "PointsRun": "chanops.points.runs",
    "run_statement": "chanops.points.runs",
    "FailuresRequest": "chanops.analysis.failures",
    "run_failures": "chanops.analysis.failures",
    "ReportRequest": "chanops.report",
    "build_report": "chanops.report",
    "ChanopsError": "chanops.errors",
}

__all__ = [*_EXPORTS, "__version__"]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'chanops' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
