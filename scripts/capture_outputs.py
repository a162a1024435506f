"""Run every command on the bundled sample data and keep what each one prints.

A refactor that must not change any number is checked by running this before and
after and comparing the two directories (`diff -r BEFORE AFTER`). XLSX workbooks
are stored as their cell values (the zip carries a creation time), and the points
run ledger without its timestamps.

    python scripts/capture_outputs.py OUT_DIR
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("orders", "contacts", "entries", "valid", "rules", "complaints", "usage", "signals", "customers", "billing")
CONFIG = """
[quota]
sms = 4000
outbound = 2500
app = 100

[points]
complaint_deduction = 10

[prefer]
usage_weight = 40
"""

COMMANDS: dict[str, list[str]] = {
    "db-info": ["db", "info"],
    "rejects": ["rejects", "--limit", "1000"],
    "kpi": ["kpi"],
    "kpi-prev": ["kpi", "--compare", "prev"],
    "kpi-range": ["kpi", "--from", "2022-08", "--to", "2022-11", "--compare", "prev"],
    "kpi-region": ["kpi", "--by", "region", "--month", "2022-11"],
    "kpi-channel": ["kpi", "--by", "channel", "--month", "2022-10"],
    "kpi-product": ["kpi", "--by", "product,channel", "--month", "2022-11"],
    "kpi-campaign-wave": ["kpi", "--by", "campaign_id,wave", "--month", "2022-11"],
    "kpi-base": ["kpi", "--metric", "user_retention,revenue_retention", "--base", "2022-08"],
    "kpi-list": ["kpi", "list"],
    "funnel": ["funnel", "--month", "2022-11"],
    "quota": ["quota", "--month", "2022-11"],
    "failures": ["failures", "--month", "2022-11"],
    "failures-5g": ["failures", "--from", "2022-06", "--to", "2022-11", "--product", "5G套餐", "--online"],
    "points-match": ["points", "match", "--month", "2022-11"],
    "points-statement": ["points", "statement", "--month", "2022-11"],
    "points-statement-budget": ["points", "statement", "--month", "2022-11", "--budget", "1000"],
    "points-payout": ["points", "payout", "--month", "2022-11", "--budget", "2,500.50"],
    "points-summary-store": ["points", "summary", "--month", "2022-11", "--by", "store"],
    "points-summary-product": ["points", "summary", "--month", "2022-10", "--by", "product"],
    "points-unclaimed": ["points", "unclaimed", "--month", "2022-11"],
    "prefer-scores": ["prefer", "scores", "--month", "2022-11"],
    "prefer-scores-high": ["prefer", "scores", "--month", "2022-11", "--tier", "high", "--channel", "app"],
    "prefer-targets": ["prefer", "targets", "--channel", "app", "--month", "2022-11", "--top", "200"],
    "prefer-churned": ["prefer", "churned", "--channel", "wechat", "--month", "2022-11"],
    "prefer-summary": ["prefer", "summary", "--month", "2022-11"],
    "retention": ["retention", "--month", "2022-11"],
    "retention-region": ["retention", "--month", "2022-11", "--by", "region", "--base", "2022-09"],
    "lifecycle": ["lifecycle", "--month", "2022-11"],
    "lifecycle-region": ["lifecycle", "--month", "2022-11", "--by", "region"],
    "lifecycle-list": ["lifecycle", "--month", "2022-11", "--stage", "at_risk", "--list"],
}
HUMAN_FORMATS = {"kpi-prev", "kpi-region", "failures", "points-statement", "prefer-summary", "lifecycle", "db-info"}


def xlsx_values(path: Path) -> str:
    from openpyxl import load_workbook

    workbook = load_workbook(path)
    sheets = {}
    for sheet in workbook.worksheets:
        sheets[sheet.title] = [
            [
                (cell.value if not hasattr(cell.value, "isoformat") else cell.value.isoformat(), cell.number_format)
                for cell in row
            ]
            for row in sheet.iter_rows()
        ]
    return json.dumps(sheets, ensure_ascii=False, indent=0, default=str)


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    chanops = shutil.which("chanops") or str(Path(sys.executable).with_name("chanops"))
    work = Path(tempfile.mkdtemp(prefix="chanops-capture-"))
    env = {**os.environ, "CHANOPS_DB": str(work / "wh.duckdb"), "COLUMNS": "200"}
    (work / "chanops.toml").write_text(CONFIG, encoding="utf-8")

    def run(name: str, args: list[str], stdout_file: str | None = None) -> None:
        done = subprocess.run([chanops, *args], cwd=work, env=env, capture_output=True)
        target = out / (stdout_file or f"{name}.out")
        target.write_bytes(done.stdout)
        (out / f"{name}.err").write_text(f"exit {done.returncode}\n" + done.stderr.decode(errors="replace"))

    for kind in KINDS:
        run(f"load-{kind}", ["load", kind, str(ROOT / "sample_data" / f"{kind}.csv")])
    for name, args in COMMANDS.items():
        run(name, [*args, "--format", "csv"], f"{name}.csv")
        if name in HUMAN_FORMATS:
            for fmt in ("table", "markdown", "json"):
                run(f"{name}.{fmt}", [*args, "--format", fmt], f"{name}.{fmt}")
            run(f"{name}.xlsx", [*args, "-o", str(work / f"{name}.xlsx")])
            (out / f"{name}.xlsx.json").write_text(xlsx_values(work / f"{name}.xlsx"), encoding="utf-8")
    for lang in ("zh", "en"):
        report_dir = work / f"report-{lang}"
        run(
            f"report-{lang}",
            ["report", "monthly", "--out", str(report_dir), "--month", "2022-11", "--budget", "3000", "--lang", lang],
        )
        for path in sorted(report_dir.iterdir()):
            if path.suffix == ".xlsx":
                (out / f"report-{lang}.xlsx.json").write_text(xlsx_values(path), encoding="utf-8")
            else:
                shutil.copy(path, out / f"report-{lang}{path.suffix}")
    run("export", ["export", "--to", str(work / "export")])
    import duckdb

    export_rows = []
    for directory in sorted((work / "export").iterdir()):
        count = duckdb.sql(
            f"SELECT count(*), sum(hash(columns(*))) FROM read_parquet('{directory}/**/*.parquet')"
        ).fetchall()
        export_rows.append(f"{directory.name}: {count}")
    (out / "export.txt").write_text("\n".join(export_rows) + "\n")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
