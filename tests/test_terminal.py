"""The analyst's terminal tools (SPEC §9): init, read-only SQL, the schema it queries."""

from __future__ import annotations

from chanops.config import Config, load_config

from .conftest import query, write_text

ORDERS = "订单编号,办理时间,手机号码,地市,渠道,业务名称,办理结果\n"


def _orders(chanops, tmp_path, db):
    rows = "".join(
        f"A{i},2022-11-0{i} 10:00:00,1380000000{i},{r},app,视频彩铃,成功\n"
        for i, r in [(1, "包头"), (2, "包头"), (3, "赤峰")]
    )
    assert chanops("load", "orders", write_text(tmp_path / "o.csv", ORDERS + rows), "--db", db).exit_code == 0


def test_init_writes_every_default_and_reads_back_as_the_defaults(chanops, tmp_path):
    """The written file, read back, is the built-in configuration section by section; a
    second init refuses to overwrite it (exit 2) unless --force."""
    target = tmp_path / "chanops.toml"
    assert chanops("init", target).exit_code == 0
    written, default = load_config(target), Config()
    for section in ("channels", "kpis", "quota", "points", "prefer", "report", "check", "plan"):
        assert getattr(written, section) == getattr(default, section), section
    text = target.read_text(encoding="utf-8")
    assert "[plan]" in text and "[kpis.online_share]" in text and "# [quota]" in text
    again = chanops("init", target)
    assert again.exit_code == 2 and "--force" in again.stderr
    assert chanops("init", target, "--force").exit_code == 0


def test_sql_reads_the_warehouse_and_nothing_else(chanops, tmp_path, db):
    """Orders per region: 包头 2, 赤峰 1. Reading a file, writing one, a second statement or
    a DELETE are each one line, exit 2, and the warehouse keeps its 3 orders."""
    _orders(chanops, tmp_path, db)
    result = chanops("sql", "SELECT region, count(*) AS n FROM orders GROUP BY 1 ORDER BY 1", "--db", db, "-f", "csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == ["region,n", "包头,2", "赤峰,1"]
    leak = tmp_path / "leak.csv"
    for statement in (
        "SELECT * FROM read_text('/etc/passwd')",
        f"COPY orders TO '{leak}'",
        "SELECT 1; SELECT 2",
        "DELETE FROM orders",
        "SET enable_external_access = true",
    ):
        refused = chanops("sql", statement, "--db", db)
        assert refused.exit_code == 2 and len(refused.stderr.strip().splitlines()) == 1, (statement, refused.stderr)
        assert "root:" not in refused.stderr
    assert not leak.exists()
    assert query(db, "SELECT count(*) FROM orders") == [(3,)]


def test_sql_masks_numbers_for_people(chanops, tmp_path, db):
    _orders(chanops, tmp_path, db)
    people = chanops(
        "sql", "SELECT msisdn, 'call ' || msisdn AS note FROM orders ORDER BY 1", "--db", db, "-f", "markdown"
    )
    assert "138****0001" in people.stdout and "call 138****0001" in people.stdout
    assert "13800000001" not in people.stdout


def test_db_schema_lists_kinds_and_ledgers(chanops, tmp_path, db):
    _orders(chanops, tmp_path, db)
    result = chanops("db", "schema", "--db", db, "-f", "csv")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "orders,table,order_id,VARCHAR,业务办理记录" in lines
    assert any(line.startswith("_rejects,table,reason,VARCHAR,") for line in lines)


def test_implausible_years_are_rejected_and_never_the_default_month(chanops, tmp_path, db):
    """Orders dated 0001, 1999 and 2100 are rejected as 'year outside 2000–2099' (2022-13-01
    stays 'not a timestamp'); one dated 2099-12 loads but the default month stays 2022-11."""
    rows = [
        ("A1", "2022-11-01 10:00:00"),
        ("A2", "0001-01-01 10:00:00"),
        ("A3", "1999-12-31 10:00:00"),
        ("A4", "2100-01-01 10:00:00"),
        ("A5", "2022-13-01 10:00:00"),
        ("A6", "2099-12-01 10:00:00"),
    ]
    text = ORDERS + "".join(f"{i},{t},13800000001,包头,app,视频彩铃,成功\n" for i, t in rows)
    load = chanops("load", "orders", write_text(tmp_path / "o.csv", text), "--db", db, "--max-reject-rate", "0.9")
    assert load.exit_code == 0, load.stderr
    assert query(db, "SELECT line, reason FROM _rejects ORDER BY line") == [
        (3, "year outside 2000–2099"),
        (4, "year outside 2000–2099"),
        (5, "year outside 2000–2099"),
        (6, "not a timestamp (e.g. 2022-11-30 08:01:02, 20221130080102)"),
    ]
    kpi = chanops("kpi", "--db", db, "--metric", "order_success_rate", "-f", "csv")
    assert kpi.exit_code == 0, kpi.stderr
    assert kpi.stdout.splitlines()[1].startswith("2022-11,")


def test_bad_numbers_and_month_ranges_are_usage_errors(chanops, tmp_path, db):
    _orders(chanops, tmp_path, db)
    for args, words in [
        (["kpi", "--from", "2002-01", "--to", "2022-11"], "spans 251 months; at most 60"),
        (["kpi", "--month", "0001-01"], "a month of 2000–2099"),
        (["prefer", "scores", "--min-score", "nan"], "--min-score must be a number from 0 to 100"),
        (["prefer", "scores", "--min-score", "inf"], "--min-score must be a number from 0 to 100"),
    ]:
        result = chanops(*args, "--db", db)
        assert result.exit_code == 2, (args, result.stderr)
        assert words in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_progress_moves_within_a_step_and_never_backwards():
    """Two files of 100 and 300 bytes: DuckDB at 50% of the first → 50; a later statement of
    the same file starting again at 10% → still 50; the first done → 100; the second at 50%
    → 100 + 150 = 250. Rows add up per file."""
    from chanops.present.progress import Steps

    class Bar:
        def __init__(self):
            self.completed, self.rows = 0.0, ""

        def update(self, _task, completed=None, rows=None, description=None):
            self.completed = self.completed if completed is None else completed
            self.rows = self.rows if rows is None else rows

    class Con:
        percent = -1.0

        def query_progress(self):
            return self.percent

    con, bar = Con(), Bar()
    tracker = Steps(con, bar, 0, "rows")
    tracker.start("a.csv", 100)
    seen = []
    for percent in (-1.0, 50.0, 10.0):
        con.percent = percent
        tracker.poll()
        seen.append(bar.completed)
    tracker.done(7)
    tracker.start("b.csv", 300)
    con.percent = 50.0
    tracker.poll()
    seen.append(bar.completed)
    assert seen == [0.0, 50.0, 50.0, 250.0]
    assert bar.rows == "7 rows"


def _help(*args: str, lang_env: str, columns: int = 100) -> str:
    import os
    import subprocess
    import sys
    from pathlib import Path

    chanops = str(Path(sys.executable).with_name("chanops"))
    env = {**os.environ, "LANG": lang_env, "LC_ALL": "", "LC_MESSAGES": "", "COLUMNS": str(columns)}
    done = subprocess.run([chanops, *args], capture_output=True, text=True, env=env, check=True)
    return done.stdout


def test_help_speaks_chinese_for_a_chinese_locale_or_lang_zh():
    """A zh_CN locale: root help in Chinese (命令 panel, the plan summary); --lang zh does the
    same on a command in an English locale, even one without a --lang option; --lang en
    keeps English in a Chinese locale."""
    root = _help("--help", lang_env="zh_CN.UTF-8")
    assert "命令" in root and "接触前检查活动目标清单" in root
    plan = _help("plan", "--help", "--lang", "zh", lang_env="C.UTF-8")
    assert "例：chanops plan plan.toml" in plan and "数据仓库文件" in plan
    init = _help("init", "--lang", "zh", "--help", lang_env="C.UTF-8")
    assert "所有设置取默认值" in init
    english = _help("kpi", "--help", "--lang", "en", lang_env="zh_CN.UTF-8")
    assert "Output format" in english and "输出格式" not in english


def test_chinese_help_folds_at_80_columns_and_loses_no_words():
    """Rich cuts a run without spaces at the column's edge with "…"; Chinese help has none, so
    at 80 columns (a help column of about 19 cells) it must fold instead: every character of
    the --as-of help is there, read down the column."""
    text = _help("load", "--help", lang_env="zh_CN.UTF-8", columns=80)
    assert "…" not in text
    # the help column: what follows the last wide gap of each row
    column = "".join(line.rstrip().rstrip("│").rstrip().rsplit("  ", 1)[-1].strip() for line in text.splitlines())
    whole = column.replace(" ", "")
    assert "客户快照所描述的日期（默认取文件名中的日期，如customers_20221130.csv，或_2022-11取该月最后一天" in whole
    assert "都没有则拒绝加载，绝不默认今天）。" in column


def _leaves_without(marker: str, node, path: str = "chanops") -> list[str]:
    subs = getattr(node, "commands", {})
    if not subs:
        return [] if marker in (node.help or "") else [path]
    return [leaf for name, sub in subs.items() for leaf in _leaves_without(marker, sub, f"{path} {name}")]


def test_every_command_has_an_example_in_its_help():
    """Every command a user runs (each leaf of the tree) shows 'Example:' in English help and
    '例：' in Chinese help."""
    import typer

    from chanops.cli import app, help_zh
    from chanops.cli.examples import add_examples

    for zh, marker in ((False, "Example: chanops "), (True, "例：chanops ")):
        command = typer.main.get_command(app)
        if zh:
            help_zh.translate(command)
        add_examples(command, zh)
        assert _leaves_without(marker, command) == [], zh


def test_a_wide_table_leaves_out_columns_from_the_right_but_keeps_the_result(capsys):
    """Widest cells msisdn 11, a b c 12, score 5, tier 4, each + 3: 14+15+15+15+8+7 = 74, + 1
    border = 75 cells. On 59 columns c goes (60 > 59), then b (45 ≤ 59); score and tier stay
    although they are last; the note names the two on stderr."""
    import polars as pl

    from chanops.present.output import _fitted

    frame = pl.DataFrame(
        {
            "msisdn": ["138****0001"],
            "a": ["x" * 12],
            "b": ["y" * 12],
            "c": ["z" * 12],
            "score": ["80.0"],
            "tier": ["high"],
        }
    )
    fitted, numeric = _fitted(frame, [False] * 6, frame.columns, 59, "scores")
    assert fitted.columns == ["msisdn", "a", "score", "tier"] and len(numeric) == 4
    assert "scores: 2 column(s) left out to fit 59 columns (b, c)" in capsys.readouterr().err


def test_help_shows_types_as_words():
    text = _help("load", "--help", lang_env="C.UTF-8")
    assert "<float" not in text and "<bool>" not in text and "<str>" not in text
    assert "NUMBER [0.0<=x<=1.0]" in text and "FILES" in text


def test_a_long_load_summary_breaks_after_the_file_name():
    from chanops.cli.load_cmd import _fit_line

    line = "/data/extracts/2022-11/orders.csv → orders: read 19,482, loaded 19,463, rejected 19 (utf-8)"
    assert _fit_line(line, 80) == [
        "/data/extracts/2022-11/orders.csv",
        "  → orders: read 19,482, loaded 19,463, rejected 19 (utf-8)",
    ]
    assert _fit_line(line, 120) == [line]


def test_months_across_a_narrow_terminal_leave_out_the_oldest_first(capsys):
    """A pivot by month: 地市 (4 CJK characters: 8 cells, + 3 = 11) and six months of 7-cell
    percentages (2022-06 is 7 + 3 = 10 each): 11 + 60 + 1 border = 72 cells. On 51 columns the
    three oldest months go (72 → 62 → 52 → 42 ≤ 51), the latest three stay."""
    import polars as pl

    from chanops.present.output import _fitted

    months = [f"2022-{m:02d}" for m in range(6, 12)]
    frame = pl.DataFrame({"地市": ["锡林郭勒"], **{m: ["44.87%"] for m in months}})
    fitted, _numeric = _fitted(frame, [False] * 7, frame.columns, 51, "kpi")
    assert fitted.columns == ["地市", "2022-09", "2022-10", "2022-11"]
    assert "kpi: 3 column(s) left out to fit 51 columns (2022-06, 2022-07, 2022-08)" in capsys.readouterr().err
