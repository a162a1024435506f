"""chanops.toml, parsed and validated once into one `Config` every library call takes.

`--config PATH`, else ./chanops.toml if present, else the built-in defaults. Sections:
[channels.CODE] (catalog), [columns.KIND] (header mapping "header in file" =
"canonical column"), [kpis.ID] (thresholds, labels, new KPIs), [quota] (contacts per
touchpoint per month), [points] (complaint deductions), [prefer] (score weights),
[report] (the product the monthly report follows), [check] (data completeness), [plan]
(campaign-planning windows and tier weights), [funnel] (how outbound orders are attributed),
[dispatch] (full numbers in dispatch lists), [regions] (the 盟市 in their official order).
A mistake in any of them is a ConfigError naming the file and the key, raised when
the file is read — never halfway through a command.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass, field, fields
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from chanops.channels import Channel, build_catalog
from chanops.errors import ConfigError
from chanops.kpi.catalog import Kpi, build_kpi_catalog
from chanops.regions import OFFICIAL_ORDER, region_order
from chanops.schema import KINDS
from chanops.store.completeness import CheckConfig

DEFAULT_CONFIG_NAME = "chanops.toml"
DEFAULT_MAX_REJECT_RATE = 0.01  # a load rejecting more than 1% of a file is rolled back


def _refuse_unknown_keys(name: str, section: dict, known: list[str]) -> None:
    unknown = set(section) - set(known)
    if unknown:
        raise ConfigError(f"[{name}]: unknown key(s) {', '.join(sorted(unknown))}; known: {', '.join(known)}")


@dataclass(frozen=True)
class QuotaConfig:
    """`[quota]`: plain keys hold every month's quota per touchpoint; a `[quota."YYYY-MM"]`
    table overrides them for that month."""

    every_month: dict[str, int] = field(default_factory=dict)
    by_month: dict[str, dict[str, int]] = field(default_factory=dict)

    def for_month(self, month: str) -> dict[str, int]:
        return {**self.every_month, **self.by_month.get(month, {})}

    @classmethod
    def from_section(cls, section: dict | None, channels: dict[str, Channel]) -> QuotaConfig:
        section = section or {}

        def checked(where: str, table: dict) -> dict[str, int]:
            for code, value in table.items():
                if code not in channels:
                    raise ConfigError(f"{where} {code}: not a channel code ({', '.join(channels)})")
                if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                    raise ConfigError(f"{where} {code}: quota must be a whole number of contacts, got {value!r}")
            return dict(table)

        every = checked("[quota]", {k: v for k, v in section.items() if not isinstance(v, dict)})
        months = {m: checked(f'[quota."{m}"]', t) for m, t in section.items() if isinstance(t, dict)}
        return cls(every, months)


@dataclass(frozen=True)
class PointsConfig:
    """`[points]`: complaint_deduction (default 2 points per complaint), a
    [points.category_deduction] table giving other amounts for some complaint categories, and
    payout_excel: `points payout` writes Excel's CSV (UTF-8 with BOM, CRLF) on stdout too, as
    `-o FILE.csv` always does."""

    complaint_deduction: Decimal = Decimal("2")
    category_deduction: dict[str, Decimal] = field(default_factory=dict)
    payout_excel: bool = False

    @classmethod
    def from_section(cls, section: dict | None) -> PointsConfig:
        section = section or {}
        unknown = set(section) - {"complaint_deduction", "category_deduction", "payout_excel"}
        if unknown:
            raise ConfigError(f"[points]: unknown key(s) {', '.join(sorted(unknown))}")
        try:
            default = Decimal(str(section.get("complaint_deduction", cls.complaint_deduction)))
            by_category = {str(k): Decimal(str(v)) for k, v in section.get("category_deduction", {}).items()}
        except (InvalidOperation, AttributeError):
            raise ConfigError("[points] complaint_deduction and category_deduction must be numbers") from None
        if not all(v.is_finite() for v in (default, *by_category.values())):
            raise ConfigError("[points] deductions must be finite numbers")
        excel = section.get("payout_excel", False)
        if not isinstance(excel, bool):
            raise ConfigError("[points] payout_excel must be true or false")
        return cls(default, by_category, excel)

    def fingerprint(self) -> str:
        text = json.dumps(
            {
                "complaint_deduction": str(self.complaint_deduction),
                "category_deduction": {k: str(v) for k, v in sorted(self.category_deduction.items())},
            },
            sort_keys=True,
            ensure_ascii=False,
        )
        return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class PreferConfig:
    """`[prefer]`: the preference score's weights, window and tier cut-offs."""

    window: int = 3
    usage_weight: float = 50
    usage_cap: int = 10
    latent_weight: float = 20
    frequency_weight: float = 30
    complaint_weight: float = 20
    high: float = 60
    medium: float = 30

    @classmethod
    def from_section(cls, section: dict | None) -> PreferConfig:
        section = section or {}
        _refuse_unknown_keys("prefer", section, sorted(f.name for f in fields(cls)))
        for key, value in section.items():
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0 or value != value:
                raise ConfigError(f"[prefer] {key} must be a non-negative number")
        config = cls(**section)
        if config.window < 1 or config.usage_cap < 1 or int(config.window) != config.window:
            raise ConfigError("[prefer] window and usage_cap must be whole numbers ≥ 1")
        if config.medium > config.high:
            raise ConfigError("[prefer] medium must not be above high")
        return config


@dataclass(frozen=True)
class PlanConfig:
    """`[plan]`: the look-back windows of `chanops plan`'s checks and how a customer's
    preference tier for an electronic touchpoint scales its expected conversion (a customer
    with no score for the channel keeps the touchpoint's own rate: weight `tier_none`)."""

    already_has_months: int = 3  # a successful order of the product this recently: already_has
    holding_months: int = 12  # a successful order this recently: the customer holds the product
    conflict_months: int = 6  # failure logs naming a conflict product, this far back
    complaint_days: int = 90  # a complaint this recently: do_not_disturb
    contact_days: int = 7  # reached by any campaign this recently: do_not_disturb
    conversion_months: int = 3  # history of orders per reached contact, by product and touchpoint
    tier_high: float = 1.5
    tier_medium: float = 1.0
    tier_low: float = 0.5
    tier_none: float = 1.0

    @classmethod
    def from_section(cls, section: dict | None) -> PlanConfig:
        section = section or {}
        known = {f.name: f for f in fields(cls)}
        _refuse_unknown_keys("plan", section, list(known))
        for key, value in section.items():
            whole = known[key].type == "int"
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or value != value
                or value < 0
                or value > 1000
                or (whole and (int(value) != value or value < 1))
            ):
                kind = "a whole number from 1 to 1000" if whole else "a number from 0 to 1000"
                raise ConfigError(f"[plan] {key} must be {kind}, got {value!r}")
        values: dict[str, Any] = {k: int(v) if known[k].type == "int" else float(v) for k, v in section.items()}
        return cls(**values)


@dataclass(frozen=True)
class DispatchConfig:
    """`[dispatch]`: unmask = true shows full phone numbers in the lists meant for dispatch teams
    (lifecycle --list, prefer targets and churned) in every format; other tables, the report
    included, stay masked unless --unmask."""

    unmask: bool = False

    @classmethod
    def from_section(cls, section: dict | None) -> DispatchConfig:
        section = section or {}
        _refuse_unknown_keys("dispatch", section, ["unmask"])
        unmask = section.get("unmask", False)
        if not isinstance(unmask, bool):
            raise ConfigError("[dispatch] unmask must be true or false")
        return cls(unmask)


@dataclass(frozen=True)
class FunnelConfig:
    """`[funnel]`: an outbound order (which carries no campaign id) converts for the campaign
    whose reached outbound call about its product came at most `outbound_window_days` before it."""

    outbound_window_days: int = 30

    @classmethod
    def from_section(cls, section: dict | None) -> FunnelConfig:
        section = section or {}
        _refuse_unknown_keys("funnel", section, [f.name for f in fields(cls)])
        days = section.get("outbound_window_days", cls.outbound_window_days)
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 366:
            raise ConfigError(f"[funnel] outbound_window_days must be a whole number from 1 to 366, got {days!r}")
        return cls(days)


@dataclass(frozen=True)
class ReportConfig:
    """`[report]`: focus_product is the product whose online success rate the monthly report
    follows over six months (seed 000 followed 5G: 49% → 87% as conflicts were fixed)."""

    focus_product: str = "5G套餐"

    @classmethod
    def from_section(cls, section: dict | None) -> ReportConfig:
        section = section or {}
        unknown = set(section) - {"focus_product"}
        if unknown:
            raise ConfigError(f"[report]: unknown key(s) {', '.join(sorted(unknown))}")
        product = section.get("focus_product", cls.focus_product)
        if not isinstance(product, str) or not product.strip():
            raise ConfigError("[report] focus_product must be a product name")
        return cls(product.strip())


@dataclass(frozen=True)
class Config:
    """Everything chanops.toml can set, validated; the built-in defaults when there is no file."""

    path: Path | None = None
    channels: dict[str, Channel] = field(default_factory=lambda: build_catalog(None))
    column_maps: dict[str, dict[str, str]] = field(default_factory=dict)
    kpis: dict[str, Kpi] = field(default_factory=lambda: build_kpi_catalog(None))
    quota: QuotaConfig = field(default_factory=QuotaConfig)
    points: PointsConfig = field(default_factory=PointsConfig)
    prefer: PreferConfig = field(default_factory=PreferConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    check: CheckConfig = field(default_factory=CheckConfig)
    plan: PlanConfig = field(default_factory=PlanConfig)
    funnel: FunnelConfig = field(default_factory=FunnelConfig)
    dispatch: DispatchConfig = field(default_factory=DispatchConfig)
    regions: tuple[str, ...] = OFFICIAL_ORDER  # the 盟市 in the order every output lists them

    @classmethod
    def from_dict(cls, raw: dict, path: Path | None = None) -> Config:
        where = str(path) if path else "config"
        channels = build_catalog(raw.get("channels"))
        return cls(
            path=path,
            channels=channels,
            column_maps=parse_column_maps(raw.get("columns", {}), where),
            kpis=build_kpi_catalog(raw.get("kpis")),
            quota=QuotaConfig.from_section(raw.get("quota"), channels),
            points=PointsConfig.from_section(raw.get("points")),
            prefer=PreferConfig.from_section(raw.get("prefer")),
            report=ReportConfig.from_section(raw.get("report")),
            check=CheckConfig.from_section(raw.get("check")),
            plan=PlanConfig.from_section(raw.get("plan")),
            funnel=FunnelConfig.from_section(raw.get("funnel")),
            dispatch=DispatchConfig.from_section(raw.get("dispatch")),
            regions=region_order(raw.get("regions")),
        )


def read_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None


def parse_column_maps(section: dict, where: str) -> dict[str, dict[str, str]]:
    """`{kind: {header: canonical}}` from a `[columns.KIND]`-shaped table, validated."""
    maps: dict[str, dict[str, str]] = {}
    for kind_name, mapping in section.items():
        if kind_name not in KINDS:
            raise ConfigError(f"{where}: [columns.{kind_name}] is not a kind; kinds: {', '.join(KINDS)}")
        if not isinstance(mapping, dict):
            raise ConfigError(f"{where}: [columns.{kind_name}] must map header names to columns")
        known = {c.name for c in KINDS[kind_name].columns}
        for header, canonical in mapping.items():
            if canonical not in known:
                raise ConfigError(
                    f"{where}: '{header}' maps to '{canonical}', which is not a column of {kind_name} "
                    f"({', '.join(sorted(known))})"
                )
        maps[kind_name] = {str(h): str(c) for h, c in mapping.items()}
    return maps


def load_config(path: str | Path | None = None) -> Config:
    """Read the config: `path`, else ./chanops.toml if present, else built-ins only."""
    if path is None:
        candidate = Path(DEFAULT_CONFIG_NAME)
        if not candidate.is_file():
            return Config()
        path = candidate
    path = Path(path)
    return Config.from_dict(read_toml(path), path)
