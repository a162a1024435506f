from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from chanops.cli import app


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "wh.duckdb"


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    """No test sees the developer's $CHANOPS_DB or ./chanops.toml."""
    monkeypatch.delenv("CHANOPS_DB", raising=False)
    monkeypatch.delenv("CHANOPS_DEBUG", raising=False)
    monkeypatch.chdir(tmp_path)


def write_text(path: Path, text: str, encoding: str = "utf-8", newline: str = "\n") -> Path:
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return path


class Chanops:
    """Runs the CLI in-process; stdout and stderr are kept apart."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str | Path):
        return self.runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def chanops() -> Chanops:
    return Chanops()


@pytest.fixture
def chanops_cli() -> Chanops:
    """The CLI runner, for test modules where `chanops` names the library."""
    return Chanops()


def spy_direct(monkeypatch) -> list:
    """Record what each direct append returned (an Appended, or None when the file was staged)."""
    from chanops.ingest import direct

    outcomes: list = []
    real = direct.append

    def spy(*args, **kwargs):
        outcomes.append(real(*args, **kwargs))
        return outcomes[-1]

    monkeypatch.setattr(direct, "append", spy)
    return outcomes


def query(db: Path, sql: str, params=None):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


# `make test-all` and CI set this: there the slow tier must run, so a missing Java, pyspark or
# Chromium fails the run instead of quietly skipping the tests that need it.
SLOW_TIER_REQUIRED = os.environ.get("CHANOPS_REQUIRE_SLOW_TIER", "") not in ("", "0")


def require(available: bool, what: str, *, module_level: bool = False) -> None:
    """Skip when `what` is missing on a developer's machine; fail when the slow tier is required."""
    if available:
        return
    if SLOW_TIER_REQUIRED:
        pytest.fail(
            f"{what} is missing but the Spark/browser/LibreOffice tier is required (CHANOPS_REQUIRE_SLOW_TIER)",
            pytrace=False,
        )
    pytest.skip(f"{what} is missing", allow_module_level=module_level)
