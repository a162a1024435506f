"""Real files that were refused or broke the loader: an XLSX title block, mixed and CR-only
line ends, a thousand columns, a stray quote among quoted fields (the Pollock benchmark's
commonest pollution). Each loads — or is refused in one line — with hand-worked figures."""

from __future__ import annotations

import gzip
from pathlib import Path

import openpyxl
import pytest

from .conftest import query

HEADER = "订单编号,办理时间,手机号码,地市,渠道,业务名称,办理结果,失败原因,互斥产品,活动编号,资费"
ORDERS = "SELECT * EXCLUDE (_load_id) FROM orders ORDER BY order_id"


def row(n: int, msisdn: str | None = None, reason: str = "", fee: str = "10.00") -> str:
    return f"O{n},2022-11-01 10:00:00,{msisdn or f'138{n:08d}'},包头,app,视频彩铃,失败,{reason},,,{fee}"


def load(chanops, path: Path, db: Path, *args: str):
    return chanops("load", "orders", path, "--db", db, *args)


def test_an_xlsx_title_block_is_skipped_and_rejects_name_sheet_rows(chanops, tmp_path, db):
    """Sheet rows: 1 empty, 2 a merged title, 3 empty, 4 制表日期 and 制表人, 5 the header, 6 X1,
    7 empty, 8 X2 (msisdn a number cell), 9 X3 with a 5-digit msisdn. The header is row 5, two
    title rows are skipped, read 3, loaded 2, rejected 1 on sheet row 9."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([])
    sheet.append(["2022年11月业务办理明细"])
    sheet.merge_cells("A2:G2")
    sheet.append([])
    sheet.append(["制表日期：2022-12-01", None, "制表人：张三"])
    sheet.append(HEADER.split(",")[:7])
    sheet.append(["X1", "2022-11-01 10:00:00", "13800000001", "包头", "app", "视频彩铃", "成功"])
    sheet.append([])
    sheet.append(["X2", "2022-11-01 10:00:00", 13800000002, "包头", "app", "视频彩铃", "成功"])
    sheet.append(["X3", "2022-11-01 10:00:00", "12345", "包头", "app", "视频彩铃", "成功"])
    book.save(tmp_path / "titled.xlsx")
    result = load(chanops, tmp_path / "titled.xlsx", db, "--max-reject-rate", "0.5")
    assert result.exit_code == 0, result.stderr
    assert "read 3, loaded 2, rejected 1 (xlsx)" in result.stderr
    title = "2022年11月业务办理明细 | 制表日期：2022-12-01 制表人：张三"
    assert f"skipped 2 line(s) above the header: {title}" in result.stderr
    assert query(db, "SELECT order_id, msisdn FROM orders ORDER BY 1") == [("X1", "13800000001"), ("X2", "13800000002")]
    assert query(db, 'SELECT line, "column", value FROM _rejects') == [(9, "msisdn", "12345")]


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
@pytest.mark.parametrize(("ends", "odd"), [("\r\n", "\n"), ("\n", "\r\n")])
def test_mixed_line_ends_load_every_line(chanops, tmp_path, db, encoding, ends, odd):
    """Line 1 the header, lines 2–7 O2..O7; line 4 ends differently from the rest (one LF line
    in a CRLF file, or the reverse), line 6 has a 5-digit msisdn. Read 6, loaded 5, the reject
    on line 6; values as in the uniform file."""
    lines = [HEADER] + [row(n, "12345" if n == 6 else None) for n in range(2, 8)]
    text = "".join(line + (odd if number == 4 else ends) for number, line in enumerate(lines, 1))
    path = tmp_path / "mixed.csv"
    path.write_bytes(text.encode(encoding))
    result = load(chanops, path, db, "--max-reject-rate", "0.5")
    assert result.exit_code == 0, result.stderr
    assert f"read 6, loaded 5, rejected 1 ({encoding})" in result.stderr
    assert query(db, "SELECT line, value FROM _rejects") == [(6, "12345")]
    assert query(db, "SELECT order_id FROM orders ORDER BY 1") == [(f"O{n}",) for n in (2, 3, 4, 5, 7)]


@pytest.mark.parametrize("gz", [False, True])
def test_a_cr_only_file_loads_its_cr_separated_lines(chanops, tmp_path, db, gz):
    """An old Mac/Excel export: every line ends in a lone CR. Line 1 a title, 2 the header,
    3–6 O3..O6, O5 on line 5 with a 5-digit msisdn; line 7 empty. Its lines are the
    CR-separated records: read 4, loaded 3, the reject on line 5, one empty line skipped."""
    lines = ["2022年11月明细", HEADER] + [row(n, "12345" if n == 5 else None) for n in range(3, 7)] + [""]
    data = "\r".join(lines).encode("utf-8") + b"\r"
    path = tmp_path / ("mac.csv.gz" if gz else "mac.csv")
    path.write_bytes(gzip.compress(data) if gz else data)
    result = load(chanops, path, db, "--max-reject-rate", "0.5")
    assert result.exit_code == 0, result.stderr
    assert "read 4, loaded 3, rejected 1 (utf-8)" in result.stderr
    assert "skipped 1 line(s) above the header: 2022年11月明细" in result.stderr
    assert "skipped 1 empty line(s)" in result.stderr
    assert query(db, "SELECT line, value FROM _rejects") == [(5, "12345")]
    assert query(db, "SELECT order_id, fee FROM orders ORDER BY 1")[0] == ("O3", 10)


def test_a_thousand_extra_columns_are_ignored(chanops, tmp_path, db):
    """11 order columns then x0..x999, 1,011 in all. File a: O2..O4 on lines 2–4, O3 with a
    5-digit msisdn: read 3, loaded 2, reject on line 3. File b: O5..O7, O6 opening a quote in
    失败原因 it never closes, so it is read line by line: read 3, loaded 2, reject on line 3.
    The summary names 20 ignored columns and counts the other 980."""
    extra = ",".join(f"x{i}" for i in range(1000))
    filler = ",".join("v" for _ in range(1000))

    def wide(name: str, rows: list[str]) -> Path:
        path = tmp_path / name
        path.write_text(f"{HEADER},{extra}\n" + "".join(f"{line},{filler}\n" for line in rows), encoding="utf-8")
        return path

    a = wide("a.csv", [row(2), row(3, "12345"), row(4)])
    b = wide("b.csv", [row(5), row(6, reason='"产品互斥'), row(7, reason='"产品互斥,需先退订"')])
    result = load(chanops, a, db, "--max-reject-rate", "0.5")
    assert result.exit_code == 0, result.stderr
    assert "read 3, loaded 2, rejected 1" in result.stderr
    assert "ignored columns: x0, x1," in result.stderr and "x19 … and 980 more" in result.stderr
    result = load(chanops, b, db, "--max-reject-rate", "0.5")
    assert result.exit_code == 0, result.stderr
    assert "read 3, loaded 2, rejected 1" in result.stderr
    assert query(db, "SELECT file, line, reason FROM _rejects ORDER BY 1") == [
        (str(a), 3, "not an 11-digit mobile number"),
        (str(b), 3, "unterminated or stray quote"),
    ]
    assert query(db, "SELECT order_id, fail_reason FROM orders ORDER BY 1") == [
        ("O2", None),
        ("O4", None),
        ("O5", None),
        ("O7", "产品互斥,需先退订"),
    ]


# What a clean export's quoted fields look like, one per line in turn.
REASONS = ['"产品互斥,需先退订"', '"余额不足"', '" 系统""繁忙"" "', "", '""', ' "号码,状态异常"  ', '超时"无应答']
FEES = ['"1,288.00"', "10.00", '"¥12"', "", '"2,000"']


def test_a_stray_quote_costs_exactly_its_own_line(chanops, tmp_path):
    """Pollock's commonest pollution: 200 data lines (201 with the header), quoted fields
    holding commas and doubled quotes on most of them (失败原因 and 资费 cycle through the
    forms above), and one line, 102 (O100), whose 失败原因 opens a quote it never closes.
    The clean file loads 200 rows; the polluted one 199, with exactly one reject, on line 102,
    and the 199 rows equal the clean file's row for row. Among them O0: 失败原因
    产品互斥,需先退订 and fee 1288.00; O2: 系统"繁忙" and ¥12 → 12.00; O6: 超时"无应答 kept as
    written, as the normal reading keeps a quote inside an unquoted field."""
    lines = [row(n, reason=REASONS[n % len(REASONS)], fee=FEES[n % len(FEES)]) for n in range(200)]
    clean = tmp_path / "clean.csv"
    clean.write_text(HEADER + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    lines[100] = row(100, reason='"产品互斥,需先退订', fee="10.00")
    polluted = tmp_path / "polluted.csv"
    polluted.write_text(HEADER + "\n" + "\n".join(lines) + "\n", encoding="utf-8")

    clean_db, polluted_db = tmp_path / "clean.duckdb", tmp_path / "polluted.duckdb"
    assert "read 200, loaded 200, rejected 0" in load(chanops, clean, clean_db).stderr
    result = load(chanops, polluted, polluted_db)
    assert result.exit_code == 0, result.stderr
    assert "read 200, loaded 199, rejected 1" in result.stderr
    assert query(polluted_db, "SELECT line, reason FROM _rejects") == [(102, "unterminated or stray quote")]
    expected = [r for r in query(clean_db, ORDERS) if r[0] != "O100"]
    assert query(polluted_db, ORDERS) == expected and len(expected) == 199
    picked = "SELECT order_id, fail_reason, fee::VARCHAR FROM orders WHERE order_id IN ('O0', 'O2', 'O6') ORDER BY 1"
    assert query(polluted_db, picked) == [
        ("O0", "产品互斥,需先退订", "1288.00"),
        ("O2", '系统"繁忙"', "12.00"),
        ("O6", '超时"无应答', "10.00"),
    ]


def _duckdb_reads(con, path: Path, delimiter: str, options: str) -> list:
    """(line number, fields or None when rejected) for each data line, by DuckDB's CSV reader."""
    from chanops.sql import lit

    columns = "{'c0': 'VARCHAR', 'c1': 'VARCHAR', 'c2': 'VARCHAR'}"
    con.execute("DROP TABLE IF EXISTS reject_errors; DROP TABLE IF EXISTS reject_scans")
    kept = con.execute(
        f"SELECT c0, c1, c2 FROM read_csv({lit(str(path))}, columns={columns}, "
        f"""delim={lit(delimiter)}, quote='"', escape='"', {options})"""
    ).fetchall()
    rejected = {n for (n,) in con.execute("SELECT DISTINCT line FROM reject_errors").fetchall()}
    lines = len(path.read_text(encoding="utf-8").splitlines())
    rows = iter(kept)
    return [(n, None if n in rejected else next(rows)) for n in range(2, lines + 1)]


def _read_both(tmp_path: Path, lines: list[str], delimiter: str = ",", alone: bool = False) -> tuple[list, list]:
    """(what DuckDB's CSV reader makes of each line, what the line-by-line grammar makes of it),
    each a list of (line number, fields or None when the line is rejected). `alone`: DuckDB
    reads each line in a file of its own (an unclosed quote would run on into the next)."""
    import duckdb

    from chanops.ingest.linemode import line_mode_sql

    header = delimiter.join(["h0", "h1", "h2"])
    path = tmp_path / "lines.csv"
    path.write_text(header + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    con = duckdb.connect()
    options = "header=true, skip=0, auto_detect=false, compression='none', store_rejects=true"
    if alone:
        theirs = []
        for n, line in enumerate(lines, 2):
            single = tmp_path / "line.csv"
            single.write_text(f"{header}\n{line}\n", encoding="utf-8")
            theirs += [(n, fields) for _n, fields in _duckdb_reads(con, single, delimiter, options)]
    else:
        theirs = _duckdb_reads(con, path, delimiter, options)
    ours = con.execute(
        f"SELECT _record + 1, c0, c1, c2, _fault FROM {line_mode_sql(options, str(path), 3, delimiter)} ORDER BY 1"
    ).fetchall()
    return theirs, [(n, None if fault else (c0, c1, c2)) for n, c0, c1, c2, fault in ours]


@pytest.mark.parametrize(
    ("delimiter", "lines"),
    [
        (
            ",",
            [
                'a,"b,c",d',
                'a,"b""c",d',
                'a,b"c,d',
                'a,b""c,d',
                'a,"b"c,d',
                'a, "b,c",d',
                'a,"b,c"   ,d',
                'a,  "b,c",d',
                'a,"",d',
                "a, ,d",
                '"a","b","c"',
                'a,b,"c',
                'a,b,c"',
                'a,"b,c"\t,d',
                'a,\t"b,c",d',
                "a,b",
                "a,b,c,d",
                '"a,b",c',
                "a,b,c,",
                'a,b,c,,""',
                "a,b,c, ",
                "a,b,c,,x",
                "a,b,,",
            ],
        ),
        ("\t", ['a\t"b\tc"\td', 'a\t "b\tc"\td', 'a\t"b"x\td', "a\t\t"]),
        ("|", ['a|"b|c"|d', 'a|b"|d', 'a|"b|d']),
        (" ", ['a "b c" d', 'a  "b c" d', 'a "b" ']),
    ],
)
def test_the_line_grammar_reads_a_line_as_duckdbs_reader_does(tmp_path, delimiter, lines):
    """Each line alone: the same fields as DuckDB's CSV reader (quoted or not, doubled quotes,
    one space before a quote, spaces after it, empty fields missing), rejected where it
    rejects (text after a closing quote, an unclosed quote, too many or too few fields)."""
    theirs, ours = _read_both(tmp_path, lines, delimiter, alone=True)
    assert ours == theirs


def test_the_line_grammar_agrees_with_duckdb_on_random_csv(tmp_path):
    """400 lines written by Python's csv module from random fields over a nasty alphabet
    (quotes, commas, spaces, tabs, 中): every line read alike by both."""
    import csv
    import io
    import random

    rng = random.Random(26)
    alphabet = ['"', ",", " ", "\t", "a", "中", "1", '""']
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for _ in range(400):
        writer.writerow(["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6))) for _ in range(3)])
    theirs, ours = _read_both(tmp_path, out.getvalue().splitlines())
    assert ours == theirs
    assert sum(fields is None for _n, fields in ours) == 0
