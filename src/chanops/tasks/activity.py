"""`funnel`, `quota`, `failures`: campaigns, touchpoint quotas and why orders fail."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from chanops.present.output import Section
from chanops.slices import Slices
from chanops.tasks.result import Alert, TaskResult

if TYPE_CHECKING:
    from chanops.analysis.failures import FailuresRequest
    from chanops.config import Config

FUNNEL_RATES = ("reach_rate", "conversion_rate", "wave_share")


@dataclass(frozen=True)
class FunnelRequest:
    month: str | None = None
    campaign: str | None = None
    slices: Slices = Slices()  # --region/--product (chanops/slices.py)


def run_funnel(session, config: Config, request: FunnelRequest) -> TaskResult:
    """SPEC §4 campaign funnel: per campaign and wave, users contacted, reached, converted."""
    from chanops.analysis.funnel import by_wave, campaign_funnel

    month, frame = campaign_funnel(session, request.month, request.campaign, config.funnel)
    waves = by_wave(frame)
    return TaskResult(
        [
            Section(frame, f"funnel {month}", percent=FUNNEL_RATES),
            Section(waves, f"funnel by wave {month}", percent=FUNNEL_RATES),
        ],
        value=(month, frame, waves),
    )


@dataclass(frozen=True)
class QuotaRequest:
    month: str | None = None
    lang: str = "zh"
    slices: Slices = Slices()  # --region/--product (chanops/slices.py)


def run_quota(session, config: Config, request: QuotaRequest) -> TaskResult:
    """Contacts per touchpoint against the month's quota (配额管理); a touchpoint over it is an alert."""
    from chanops.analysis.quota import over_quota, touchpoint_quotas

    month, frame = touchpoint_quotas(session, config, request.month, request.lang)
    notes = (
        []
        if config.quota.for_month(month)
        else [f"no [quota] for {month} in the config; showing contacts per touchpoint only"]
    )
    alerts = [Alert("quota", line, line, line) for line in over_quota(frame)]
    return TaskResult(
        # the touchpoint column reads as its name for people: `label` is for programs
        [Section(frame, f"quota {month}", percent=("utilization",), machine_only=("label",))],
        notes=notes,
        alerts=alerts,
        breach_summary=f"{len(alerts)} touchpoint(s) over quota in {month}",
        value=(month, frame),
    )


def run_failures(session, config: Config, request: FailuresRequest) -> TaskResult:
    """SPEC §5: success rate and trend per product, reasons, mutual-exclusion pairs."""
    from chanops.analysis.failures import run_failures as analyse

    analysis = analyse(session, config, request)
    return TaskResult(
        [
            Section(
                analysis.by_product, "by_product", percent=("success_rate", "prev_success_rate"), points=("change",)
            ),
            Section(analysis.by_reason, "by_reason", percent=("share",)),
            Section(analysis.conflict_pairs, "conflict_pairs"),
            Section(analysis.conflict_share, "conflict_share", percent=("conflict_share",)),
        ],
        value=analysis,
    )
