"""What comes out is safe to open and to read (SPEC §9, §11): formula-like cells neutralized
in files for people, Excel's CSV, phone numbers masked in every human format, control
characters never reach the terminal, tables capped with a note, `-o -` is stdout."""

from __future__ import annotations

import codecs
import os
from pathlib import Path

import polars as pl

from chanops.present.formats import OutputOptions
from chanops.present.output import Section, emit

from .conftest import query, write_text

NAMES = ['=HYPERLINK("http://x")', "=cmd|'/c calc'!A1", "王五", "+1", "@SUM(A1)", "-", "\tx"]


def _payout() -> Section:
    return Section(pl.DataFrame({"staff_name": NAMES, "payout": [1.5] * len(NAMES)}), "payout")


def test_a_csv_file_neutralizes_formulas_but_a_pipe_stays_raw(tmp_path, capsys):
    """Written with -o, each of the 6 names starting with = + @ - or TAB gets a leading
    apostrophe, 王五 does not; the same table on stdout (a pipe) is unchanged."""
    target = tmp_path / "payout.csv"
    emit(_payout(), OutputOptions(output=target))
    cells = [line.split(",", 1)[0] for line in target.read_text(encoding="utf-8-sig").splitlines()[1:]]
    assert cells[2] == "王五"
    assert all(c.lstrip('"').startswith("'") for i, c in enumerate(cells) if i != 2)
    emit(_payout(), OutputOptions(format="csv"))
    assert "\n=cmd|'/c calc'!A1," in capsys.readouterr().out


# Staff names as an Inner Mongolian payout holds them: common characters, one GB18030 writes in
# four bytes (𠮷, CJK Extension B) and one in Mongolian script.
EXCEL_NAMES = ["王五", "乌力吉", "吉𠮷", "ᠪᠠᠲᠤ"]


def excel_opens(raw: bytes) -> str:
    """What Excel on Chinese Windows reads from a CSV it opens: UTF-8 when the file starts with
    a UTF-8 byte-order mark, else the ANSI code page, 936 (GBK) — undecodable bytes garbled."""
    if raw.startswith(codecs.BOM_UTF8):
        return raw[len(codecs.BOM_UTF8) :].decode("utf-8")
    return raw.decode("cp936", errors="replace")


def test_a_csv_file_for_people_is_what_excel_on_chinese_windows_reads(tmp_path, capsys):
    """-o payout.csv: a byte-order mark, then UTF-8 with CRLF line ends; read as Excel reads it,
    every name comes back, the four-byte and Mongolian ones too (the same names in GB18030,
    read as Excel reads it, lose those two: the reason for the mark). On stdout, for a
    program, the CSV stays plain UTF-8 without the mark, unless --excel."""
    frame = pl.DataFrame({"staff_name": EXCEL_NAMES, "payout": [100.5, 20.0, 3.25, 7.0]})
    target = tmp_path / "payout.csv"
    emit(Section(frame, "payout"), OutputOptions(output=target))
    raw = target.read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)
    text = excel_opens(raw)
    assert text.split("\r\n") == [  # for people: labels, money with its two decimals
        "姓名,奖励金额",
        "王五,100.50",
        "乌力吉,20.00",
        "吉𠮷,3.25",
        "ᠪᠠᠲᠤ,7.00",
        "",
    ]
    gb18030 = excel_opens("\r\n".join(EXCEL_NAMES).encode("gb18030")).split("\r\n")
    assert gb18030[:2] == EXCEL_NAMES[:2] and gb18030[2:] != EXCEL_NAMES[2:]
    emit(Section(frame, "payout"), OutputOptions(format="csv"))
    assert capsys.readouterr().out.startswith("staff_name,payout\n王五,")
    emit(Section(frame, "payout"), OutputOptions(format="csv", excel=True))
    assert capsys.readouterr().out.startswith("\ufeff姓名,奖励金额\r\n")


def test_excel_csv_is_neutralized_with_crlf(tmp_path):
    target = tmp_path / "payout.csv"
    emit(_payout(), OutputOptions(output=target, excel=True))
    text = excel_opens(target.read_bytes())
    assert "王五" in text and "\r\n" in text and "\n" not in text.replace("\r\n", "")
    assert "'=cmd" in text


def test_xlsx_cells_are_neutralized(tmp_path):
    import openpyxl

    target = tmp_path / "payout.xlsx"
    emit(_payout(), OutputOptions(output=target))
    sheet = openpyxl.load_workbook(target).active
    values = [sheet.cell(row=r, column=1).value for r in range(2, 2 + len(NAMES))]
    assert values[1] == "'=cmd|'/c calc'!A1" and values[2] == "王五"


def test_tables_cap_rows_and_say_how_many_more(capsys):
    """50 rows with --limit 10: 10 shown, a note says 40 more; csv is never cut."""
    notes: list[str] = []
    frame = pl.DataFrame({"n": list(range(50))})
    emit(Section(frame, "numbers"), OutputOptions(format="markdown", limit=10), notice=notes.append)
    shown = capsys.readouterr().out
    assert "| 9 " in shown and "| 10 " not in shown
    assert notes == ["numbers: 40 more rows — --limit N shows N, --limit 0 all, --format csv for a program"]
    emit(Section(frame, "numbers"), OutputOptions(format="csv", limit=10), notice=notes.append)
    assert capsys.readouterr().out.count("\n") == 51


def test_control_characters_never_reach_the_terminal(capsys):
    frame = pl.DataFrame({"region": ["包头\x1b[31m红\x07", "a\nb"]})
    emit(Section(frame, "r"), OutputOptions(format="table"))
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert "\\e[31m红\ufffd" in out and "a\\nb" in out


def test_dash_output_is_stdout(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    emit(_payout(), OutputOptions(output=Path("-"), format="csv"))
    assert capsys.readouterr().out.startswith("staff_name,payout")
    assert not os.path.exists(tmp_path / "-")


def test_rejects_mask_phone_numbers_for_people(chanops, tmp_path, db):
    """Line 2 has one field too many: its whole text is the rejected value. Markdown shows
    138****5678; CSV for a program keeps 13812345678."""
    header = "订单编号,办理时间,手机号码,地市,渠道,业务名称,办理结果\n"
    good = "".join(f"A{i},2022-11-01 10:00:00,1380000000{i},包头,app,视频彩铃,成功\n" for i in range(3))
    path = write_text(
        tmp_path / "o.csv", header + "A9,2022-11-01 10:00:00,13812345678,包头,app,视频彩铃,成功,x\n" + good
    )
    assert chanops("load", "orders", path, "--db", db, "--max-reject-rate", "0.5").exit_code == 0
    assert query(db, "SELECT count(*) FROM _rejects") == [(1,)]
    people = chanops("rejects", "--db", db, "--format", "markdown")
    assert "138****5678" in people.stdout and "13812345678" not in people.stdout
    machines = chanops("rejects", "--db", db, "--format", "csv")
    assert "13812345678" in machines.stdout
