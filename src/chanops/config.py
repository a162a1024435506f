"""chanops.toml: `--config PATH`, else ./chanops.toml if present, else defaults.

Sections read here: [channels.CODE] (catalog), [columns.KIND] (header mapping
"header in file" = "canonical column"), [load] (defaults for load options).
Later features (KPIs, quotas, points, preference weights) read their own
sections from `Config.raw` so this module stays small.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .catalog import Channel, build_catalog
from .errors import ConfigError
from .schema import KINDS

DEFAULT_CONFIG_NAME = "chanops.toml"
DEFAULT_MAX_REJECT_RATE = 0.01  # SPEC §11: a load rejecting more than 1% of a file is rolled back


@dataclass
class Config:
    path: Path | None = None
    raw: dict = field(default_factory=dict)
    channels: dict[str, Channel] = field(default_factory=dict)
    column_maps: dict[str, dict[str, str]] = field(default_factory=dict)


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
    """Read the config the SPEC §9 way; missing default file means built-ins only."""
    if path is None:
        candidate = Path(DEFAULT_CONFIG_NAME)
        if not candidate.is_file():
            return Config(channels=build_catalog(None))
        path = candidate
    path = Path(path)
    raw = read_toml(path)
    return Config(
        path=path,
        raw=raw,
        channels=build_catalog(raw.get("channels")),
        column_maps=parse_column_maps(raw.get("columns", {}), str(path)),
    )
