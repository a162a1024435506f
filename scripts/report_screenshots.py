"""The monthly report of a sample province, as a manager sees it: loaded, written in
Chinese and English, and photographed in Chromium at 1440 px.

    python scripts/report_screenshots.py [SAMPLE_DIR] [OUT_DIR]

SAMPLE_DIR defaults to the bundled sample_data/, OUT_DIR to docs/ (the screenshots the
README shows). The browser test uses the same functions on a smaller sample.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from chanops.channels import build_catalog
from chanops.config import load_config
from chanops.ingest.loader import LoadOptions, load_files
from chanops.present.formats import OutputOptions
from chanops.report import ReportRequest, build_report, write_report
from chanops.store.warehouse import connect

KINDS = ("orders", "contacts", "entries", "valid", "rules", "complaints", "usage", "signals", "customers", "billing")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
WIDTH, HEIGHT = 1440, 1800
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


def load_sample(sample: Path, db: Path) -> Path:
    """Every kind of a `chanops sample` directory into a fresh warehouse."""
    con = connect(db, read_only=False)
    try:
        for kind in KINDS:
            load_files(con, kind, [sample / f"{kind}.csv"], build_catalog(None), LoadOptions())
    finally:
        con.close()
    return db


def write_reports(db: Path, config: Path, out: Path, langs=("zh", "en")) -> dict[str, Path]:
    """The report in each language under out/<lang>/; returns lang → HTML path."""
    settings = load_config(config)
    con = connect(db, read_only=True)
    pages = {}
    try:
        for lang in langs:
            report = build_report(con, settings, ReportRequest(lang=lang))
            options = OutputOptions(lang=lang, channels=settings.channels)
            written = write_report(report, out / lang, ["html", "xlsx", "md"], options)
            pages[lang] = written[0]
    finally:
        con.close()
    return pages


def screenshot(page_path: Path, target: Path, full_page: bool = False) -> None:
    """The page as Chromium draws it offline at 1440 px wide."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        try:
            page = browser.new_context(offline=True, viewport={"width": WIDTH, "height": HEIGHT}).new_page()
            page.goto(page_path.as_uri(), wait_until="load")
            page.screenshot(path=str(target), full_page=full_page)
        finally:
            browser.close()


def main(sample: Path, out: Path) -> None:
    scratch = Path(tempfile.mkdtemp(prefix="chanops-shots-"))
    try:
        db = load_sample(sample, scratch / "sample.duckdb")
        pages = write_reports(db, sample / "chanops.toml", scratch / "report")
        out.mkdir(parents=True, exist_ok=True)
        for lang, page in pages.items():
            target = out / f"report-{lang}.png"
            screenshot(page, target)
            print(f"wrote {target}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    args = sys.argv[1:]
    main(Path(args[0]) if args else Path("sample_data"), Path(args[1]) if len(args) > 1 else Path("docs"))
