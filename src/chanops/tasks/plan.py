"""`plan PLAN.toml`: check campaign target lists and assign touchpoints before contact (SPEC §12)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from chanops.errors import UsageError
from chanops.present.output import Section
from chanops.slices import Slices, keep_sliced
from chanops.tasks.result import TaskResult

if TYPE_CHECKING:
    from chanops.config import Config


@dataclass(frozen=True)
class PlanTaskRequest:
    plan: Path
    month: str | None = None
    out: Path | None = None  # a directory for the candidate, summary, status and dispatch files
    lang: str = "zh"  # of the evidence
    # --product: the rows of those campaigns' products, out of the whole plan (quotas are shared)
    slices: Slices = Slices()


def run_plan_task(session, config: Config, request: PlanTaskRequest) -> TaskResult:
    """Every candidate's status with its evidence, the assignments per campaign × touchpoint and
    the statuses per campaign; with `out`, the files the dispatch teams take."""
    from chanops.plan.run import PlanRequest, run_plan, write_out

    if request.slices and request.out:
        raise UsageError("--out writes the whole plan's dispatch files; --product only slices what is shown")
    result = run_plan(
        session,
        config,
        PlanRequest(request.plan, request.month, with_candidates=request.out is None, lang=request.lang),
    )
    written = write_out(session, result, request.out) if request.out else []
    statuses = result.statuses
    assigned, over = (sum(statuses.column(s).to_pylist()) for s in ("assigned", "over_quota"))
    total = sum(statuses.column("candidates").to_pylist())
    messages = [
        f"plan {result.month}: {total:,} candidates in {len(result.plan.campaigns)} campaigns; "
        f"{assigned:,} assigned, {over:,} over quota"
    ]
    if written:
        messages.append(f"wrote {len(written)} files to {request.out}: " + ", ".join(p.name for p in written))
    shown = functools.partial(keep_sliced, slices=request.slices)
    sections = [
        Section(shown(result.summary), f"plan {result.month} by campaign and touchpoint"),
        Section(shown(result.statuses), f"plan {result.month} by status"),
    ]
    if result.candidates is not None:
        candidates = shown(result.candidates)
        sections.insert(0, Section(candidates, f"plan {result.month}", percent=("expected_conversion",)))
    notes = [n.removeprefix("note: ") for n in result.notes]
    return TaskResult(sections, notes=notes, messages=messages, value=result)
