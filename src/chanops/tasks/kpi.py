"""`kpi` and `kpi list`: the catalog evaluated for months and slices, and the catalog itself."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from chanops.present.output import Section
from chanops.tasks.result import Alert, TaskResult

if TYPE_CHECKING:
    from chanops.channels import Channel
    from chanops.config import Config
    from chanops.kpi.evaluate import Breach, KpiRequest, KpiResult


def breach_alert(breach: Breach, channels: Mapping[str, Channel] | None = None) -> Alert:
    """The breach as an alert: ids on the line for logs, and for people the channel's name
    where the slice is a channel code (政企直销, not direct_sales)."""

    def worded(lang: str) -> str:
        where = tuple(
            (d, getattr(channels[v], lang) if d == "channel" and channels and v in channels else v)
            for d, v in breach.where
        )
        return replace(breach, where=where).words(lang)

    return Alert("kpi", breach.line(), worded("zh"), worded("en"), breach.kpi.id, breach.where)


def kpi_alerts(result: KpiResult, channels: Mapping[str, Channel] | None = None) -> list[Alert]:
    return [breach_alert(b, channels) for b in result.breached]


def kpi_section(result: KpiResult, title: str = "kpi") -> Section:
    """The wide frame pipelines get; people get one row per KPI (kpi/view.py) unless they ask
    for `--layout wide`."""
    from chanops.kpi.view import kpi_names, kpi_units, long_section

    return Section(
        result.frame,
        title,
        units=kpi_units(result.kpis),
        long=lambda: long_section(result),
        keys=("month", *result.dims),
        names=kpi_names(result.kpis),
    )


def run_kpi(session, config: Config, request: KpiRequest) -> TaskResult:
    """SPEC §4: every asked KPI per month and slice, with numerator and denominator."""
    from chanops.kpi.evaluate import run_kpis

    result = run_kpis(session, config, request)
    alerts = kpi_alerts(result, config.channels)
    return TaskResult(
        [kpi_section(result)],
        notes=list(result.notes),
        alerts=alerts,
        breach_summary=f"{len(alerts)} KPI value(s) outside their thresholds",
        value=result,
    )


@dataclass(frozen=True)
class KpiListRequest:
    lang: str = "zh"


def run_kpi_list(session, config: Config, request: KpiListRequest) -> TaskResult:
    """The catalog: ids, labels, definitions in words, dimensions, thresholds."""
    import polars as pl

    frame = pl.DataFrame(
        [
            {
                "id": k.id,
                "zh": k.zh,
                "en": k.en,
                "numerator": k.numerator.words(request.lang) + (f" × {k.scale:,.0f}" if k.scale != 1 else ""),
                "denominator": k.denominator.words(request.lang),
                "dimensions": ",".join(k.dimensions),
                "unit": k.unit,
                "min": k.min,
                "max": k.max,
            }
            for k in config.kpis.values()
        ],
        schema_overrides={"min": pl.Float64, "max": pl.Float64},
    )
    return TaskResult([Section(frame, "kpis")], value=frame)
