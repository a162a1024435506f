"""One error hierarchy for chanops.

The library raises these; only the CLI turns them into a one-line message on
stderr and an exit code (0 ok, 1 data/runtime, 2 usage, 3 check breached).
"""

from __future__ import annotations

import re

# An 11-digit mobile number standing alone in text (not part of a longer run of digits), also
# with its country code (+86, 86, 0086) or in groups (138-0000-0001), as raw extracts hold it.
_PHONE = re.compile(r"(?<![0-9])((?:\+?86|0086)?1[3-9][0-9])[- ]?[0-9]{4}[- ]?([0-9]{4})(?![0-9])")


def mask_phones(text: str) -> str:
    """`text` with every mobile number masked as 138****5678: error and summary lines echo
    input values, and a phone number must not reach a terminal or a cron log in full."""
    return _PHONE.sub(r"\1****\2", text)


class ChanopsError(Exception):
    """Base of every error chanops reports to a user."""

    exit_code = 1


class UsageError(ChanopsError):
    """The command was called wrongly (bad option value, unknown kind or KPI)."""

    exit_code = 2


class ConfigError(ChanopsError):
    """chanops.toml or a --map file is unreadable or inconsistent."""

    exit_code = 2


class InputFileError(ChanopsError):
    """An input file is missing, empty, binary, or its header does not fit the kind."""


class LoadRejected(ChanopsError):
    """A load was rolled back because of bad rows (--strict or too high a reject share)."""


class WarehouseBusy(ChanopsError):
    """Another process holds the DuckDB file longer than --wait allowed."""


class WarehouseMissing(ChanopsError):
    """No usable warehouse: none at the path, or the path is not a chanops warehouse."""


class WarehouseUnwritable(ChanopsError):
    """Writing to the warehouse failed (full disk, read-only target); nothing was changed."""


class NoData(ChanopsError):
    """The requested month or slice has no data in the warehouse."""


class CheckBreached(ChanopsError):
    """A --check found a KPI beyond its alert threshold."""

    exit_code = 3
