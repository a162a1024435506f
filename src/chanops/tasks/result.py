"""What every task returns: the sections every renderer draws, the notes and messages for
stderr, and the alerts a `--check` fails on — one object, so the terminal, the files and the
report show the same figures and the exit code comes from the same list the report prints."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chanops.present.output import Section


@dataclass(frozen=True)
class Alert:
    """One figure beyond what is allowed: a KPI past its threshold, a touchpoint over its quota,
    a completeness test breached. `line` is for stderr and logs (ids, stable for grep); `zh`
    and `en` are for people."""

    kind: str  # kpi | quota | completeness
    line: str
    zh: str
    en: str
    subject: str = ""  # what it is about: a KPI id, a touchpoint, a test
    where: tuple[tuple[str, str], ...] = ()  # the slice, (dimension, value) pairs; () for the province

    def words(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass
class TaskResult:
    """A command's answer. `value` is the library object behind the sections (a KpiResult, a
    PlanResult, a Report …) for callers that compose results, as the report does."""

    sections: list[Section]
    notes: list[str] = field(default_factory=list)  # caveats about the figures: "note: …" on stderr
    messages: list[str] = field(default_factory=list)  # what was done: "recorded run 3", "wrote …"
    alerts: list[Alert] = field(default_factory=list)
    breach_summary: str = ""  # the one error line when --check fails on the alerts
    value: Any = None

    def exit_code(self, check: bool) -> int:
        """SPEC §9: 3 when --check was asked and any alert is listed, else 0."""
        return 3 if check and self.alerts else 0
