"""Output format names and options: the light half of the output layer.

Kept free of Polars so the CLI can parse options without paying its import time;
output.py does the writing.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from chanops.errors import UsageError

FORMATS = ("table", "csv", "json", "jsonl", "parquet", "markdown", "xlsx")
BINARY_FORMATS = {"parquet", "xlsx"}
SUFFIX_FORMATS = {
    ".csv": "csv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".md": "markdown",
    ".xlsx": "xlsx",
    ".txt": "table",
}


@dataclass
class OutputOptions:
    format: str | None = None
    output: Path | None = None
    lang: str = "zh"
    unmask: bool = False  # human formats mask phone numbers (个人信息保护) unless asked not to
    limit: int | None = None  # rows of a table/markdown section; None: 40 on a terminal, 0: all
    excel: bool = False  # CSV as Excel opens it (UTF-8 with BOM, CRLF, formulas neutralized), even on stdout
    channels: dict | None = None  # the config's channel catalog, for channel names (default: built-in)
    unmask_dispatch: bool = False  # `[dispatch] unmask`: full numbers in lists meant for dispatch teams
    layout: str | None = None  # long | wide; None: long for people, wide for programs (present/layout.py)
    pivot: str | None = None  # a dimension put across the columns
    regions: tuple[str, ...] | None = None  # the config's region order, for regions across columns

    def for_people(self, fmt: str) -> bool:
        """Table, markdown, xlsx and Excel's CSV are read by people; csv on stdout, json, jsonl
        and parquet by programs."""
        return fmt in ("table", "markdown", "xlsx") or self.for_excel(fmt)

    def shows_numbers(self, dispatch: bool) -> bool:
        """Whether a human format shows full phone numbers in a section (a dispatch list or not)."""
        return self.unmask or (dispatch and self.unmask_dispatch)

    @property
    def to_stdout(self) -> bool:
        """No -o, or `-o -` (the Unix convention for stdout)."""
        return self.output is None or str(self.output) == "-"

    def for_excel(self, fmt: str) -> bool:
        """CSV for people — a file written with -o, or any CSV with --excel — is Excel's CSV;
        CSV on stdout for a program stays plain UTF-8."""
        return fmt == "csv" and (self.excel or not self.to_stdout)

    def resolved_format(self) -> str:
        """Explicit --format, else from the -o suffix, else table on a terminal and csv in a pipe."""
        if self.format:
            if self.format not in FORMATS:
                raise UsageError(f"unknown format '{self.format}'. Try one of: {', '.join(FORMATS)}")
            return self.format
        if self.output is not None and not self.to_stdout:
            return SUFFIX_FORMATS.get(self.output.suffix.lower(), "csv")
        # isatty, not Rich's terminal detection: FORCE_COLOR makes Rich treat pipes as terminals.
        return "table" if sys.stdout.isatty() else "csv"
