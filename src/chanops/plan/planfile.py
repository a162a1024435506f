"""PLAN.toml: the campaigns a plan dispatches, read and checked before anything runs.

    [[campaigns]]
    id = "MK2212-01"
    product = "视频彩铃"
    list = "targets/mk01.csv"          # relative to the plan file; CSV/XLSX with msisdn, optional score
    priority = 1                        # 1 is served first
    touchpoints = ["sms", "outbound", "app"]
    cap = 50000                         # optional: at most this many assigned
    new_product = true                  # optional: a product no order or contact names yet

A mistake is one line naming the plan file, the campaign and the key (exit 2).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from chanops.channels import Channel
from chanops.config import read_toml
from chanops.errors import ConfigError

KEYS = {"id", "product", "list", "priority", "touchpoints", "cap", "new_product"}


@dataclass(frozen=True)
class Campaign:
    id: str
    product: str
    list: Path
    priority: int
    touchpoints: tuple[str, ...]
    cap: int | None = None
    # launches a product the warehouse has never seen: no order or contact names it, so its
    # expected conversion is the touchpoint's over all products
    new_product: bool = False


@dataclass(frozen=True)
class PlanFile:
    path: Path
    campaigns: tuple[Campaign, ...]


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _campaign(entry: object, n: int, path: Path, channels: Mapping[str, Channel]) -> Campaign:
    where = f"{path}: campaign {n}"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: must be a [[campaigns]] table")
    if isinstance(entry.get("id"), str) and entry["id"].strip():
        where = f"{path}: campaign {entry['id']}"
    unknown = set(entry) - KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(KEYS))}")
    for key in ("id", "product", "list"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise ConfigError(f"{where}: '{key}' must be a non-empty text")
    priority = entry.get("priority", 1)
    if not _whole(priority) or priority < 1:
        raise ConfigError(f"{where}: 'priority' must be a whole number ≥ 1 (1 is served first), got {priority!r}")
    touchpoints = entry.get("touchpoints")
    if not isinstance(touchpoints, list) or not touchpoints or not all(isinstance(t, str) for t in touchpoints):
        raise ConfigError(f'{where}: \'touchpoints\' must be a list of touchpoint codes, e.g. ["sms", "app"]')
    for code in touchpoints:
        if code not in channels:
            raise ConfigError(f"{where}: unknown touchpoint '{code}'; codes: {', '.join(channels)}")
    if len(set(touchpoints)) != len(touchpoints):
        raise ConfigError(f"{where}: a touchpoint is listed twice")
    cap = entry.get("cap")
    if cap is not None and (not _whole(cap) or cap < 0):
        raise ConfigError(f"{where}: 'cap' must be a whole number ≥ 0, got {cap!r}")
    new_product = entry.get("new_product", False)
    if not isinstance(new_product, bool):
        raise ConfigError(f"{where}: 'new_product' must be true or false, got {new_product!r}")
    target = (path.parent / entry["list"]).resolve()
    if not target.is_file():
        raise ConfigError(f"{where}: list file {entry['list']} not found (looked at {target})")
    return Campaign(
        entry["id"].strip(), entry["product"].strip(), target, priority, tuple(touchpoints), cap, new_product
    )


def read_plan(path: Path, channels: Mapping[str, Channel]) -> PlanFile:
    raw = read_toml(path)
    unknown = set(raw) - {"campaigns"}
    if unknown:
        raise ConfigError(f"{path}: unknown section(s) {', '.join(sorted(unknown))}; a plan holds [[campaigns]]")
    entries = raw.get("campaigns")
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{path}: no [[campaigns]]; a plan needs at least one")
    campaigns = tuple(_campaign(entry, n, path, channels) for n, entry in enumerate(entries, 1))
    ids = [c.id for c in campaigns]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise ConfigError(f"{path}: campaign id {repeated[0]} is used twice")
    return PlanFile(path, campaigns)
