"""`prefer scores|targets|churned|summary`, `retention`, `lifecycle`: customers and their channels."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from chanops.present.output import Section
from chanops.slices import Slices
from chanops.tasks.result import TaskResult

if TYPE_CHECKING:
    from chanops.config import Config

RETENTION_RATES = ("user_retention", "revenue_retention")


def _month(session, month: str | None) -> str:
    """The month asked for, or the latest with data."""
    from chanops.store.coverage import resolve_months

    [the_month] = resolve_months(session, month)
    return the_month


@dataclass(frozen=True)
class ScoresRequest:
    month: str | None = None
    channel: str | None = None
    tier: str | None = None
    min_score: float | None = None
    slices: Slices = Slices()  # --region/--product (chanops/slices.py)


def run_scores(session, config: Config, request: ScoresRequest) -> TaskResult:
    """SPEC §7: the preference score per (msisdn, electronic channel), with each component."""
    from chanops.analysis import prefer

    month = _month(session, request.month)
    table = prefer.scores(
        session, month, config.prefer, config.channels, request.channel, request.tier, request.min_score
    )
    return TaskResult([Section(table, f"scores {month}")], value=table)


@dataclass(frozen=True)
class TargetsRequest:
    channel: str
    month: str | None = None
    top: int | None = None
    slices: Slices = Slices()  # --region/--product (chanops/slices.py)


def run_targets(session, config: Config, request: TargetsRequest) -> TaskResult:
    """SPEC §7 promotion targets: active customers not using the channel, best prospects first."""
    from chanops.analysis import prefer

    month = _month(session, request.month)
    table = prefer.targets(session, month, request.channel, config.prefer, config.channels, request.top)
    return TaskResult([Section(table, f"targets {request.channel} {month}", dispatch=True)], value=table)


@dataclass(frozen=True)
class ChurnedRequest:
    channel: str
    month: str | None = None
    slices: Slices = Slices()  # --region/--product (chanops/slices.py)


def run_churned(session, config: Config, request: ChurnedRequest) -> TaskResult:
    """SPEC §7 流失客户: users of the channel before the window who stopped using it."""
    from chanops.analysis import prefer

    month = _month(session, request.month)
    table = prefer.churned(session, month, request.channel, config.prefer, config.channels)
    return TaskResult([Section(table, f"churned {request.channel} {month}", dispatch=True)], value=table)


@dataclass(frozen=True)
class PreferSummaryRequest:
    month: str | None = None
    lang: str = "zh"  # of the note saying which months each column counts
    slices: Slices = Slices()  # --region/--product (chanops/slices.py)


def run_prefer_summary(session, config: Config, request: PreferSummaryRequest) -> TaskResult:
    """Per electronic channel: users, penetration, tiers, churned users — each column over its
    own window, which the note names."""
    from chanops.analysis import prefer

    month = _month(session, request.month)
    table = prefer.summary(session, month, config.prefer, config.channels)
    notes = [prefer.window_note(month, config.prefer, request.lang)]
    table, uncovered = prefer.without_uncovered_base(session, month, table, request.lang)
    if uncovered:
        notes.append(uncovered)
    return TaskResult([Section(table, f"channels {month}", percent=("penetration",))], notes=notes, value=table)


@dataclass(frozen=True)
class RetentionRequest:
    month: str | None = None
    base: str | None = None
    dims: tuple[str, ...] = ()
    slices: Slices = Slices()  # --region/--product (chanops/slices.py)


def run_retention(session, config: Config, request: RetentionRequest) -> TaskResult:
    """用户保有率 and 收入保有率 against a base month: the catalog's two KPIs, named for people."""
    from chanops.analysis.retention import retention_with_notes

    month, table, notes = retention_with_notes(session, config, request.month, request.base, list(request.dims))
    return TaskResult([Section(table, f"retention {month}", percent=RETENTION_RATES)], notes=notes, value=table)


@dataclass(frozen=True)
class LifecycleRequest:
    month: str | None = None
    by_region: bool = False
    stage: str | None = None
    as_list: bool = False
    slices: Slices = Slices()  # --region/--product (chanops/slices.py)


def run_lifecycle(session, config: Config, request: LifecycleRequest) -> TaskResult:
    """SPEC §8: customers and revenue per lifecycle stage, or the customers of one stage."""
    from chanops.analysis.lifecycle import check_stage, lifecycle_view

    check_stage(request.stage)
    month = _month(session, request.month)
    table = lifecycle_view(session, month, request.by_region, request.stage, request.as_list, config.regions)
    title = f"{request.stage} {month}" if request.as_list else f"lifecycle {month}"
    return TaskResult([Section(table, title, percent=("share",), dispatch=request.as_list)], value=table)
