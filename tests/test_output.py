"""The output layer: one set of formats for every command; stdout carries data only."""

from __future__ import annotations

import json

import polars as pl
import pytest

from chanops.errors import UsageError
from chanops.present.output import OutputOptions, Section, emit

FRAME = pl.DataFrame({"region": ["包头", '=HYPERLINK("x")'], "rows": [3, 4], "outbound_connect_rate": [0.2952, 0.5]})
SECTION = Section(FRAME, "demo", percent=("outbound_connect_rate",))


def test_csv_keeps_ids_and_full_precision(capsys):
    emit(SECTION, OutputOptions(format="csv"))
    assert capsys.readouterr().out == ('region,rows,outbound_connect_rate\n包头,3,0.2952\n"=HYPERLINK(""x"")",4,0.5\n')


def test_json_and_jsonl(capsys):
    emit(SECTION, OutputOptions(format="json"))
    assert json.loads(capsys.readouterr().out) == [
        {"region": "包头", "rows": 3, "outbound_connect_rate": 0.2952},
        {"region": '=HYPERLINK("x")', "rows": 4, "outbound_connect_rate": 0.5},
    ]
    emit(SECTION, OutputOptions(format="jsonl"))
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(x)["rows"] for x in lines] == [3, 4]


def test_markdown_shows_labels_and_percentages(capsys):
    emit(SECTION, OutputOptions(format="markdown", lang="zh"))
    out = capsys.readouterr().out
    assert "## demo" in out and "| 地市" in out and "29.52%" in out
    emit(SECTION, OutputOptions(format="markdown", lang="en"))
    assert "| Region" in capsys.readouterr().out


def test_table_to_a_pipe_is_wide_and_labelled(capsys):
    emit(SECTION, OutputOptions(format="table", lang="en"))
    out = capsys.readouterr().out
    assert "Region" in out and "29.52%" in out and "50.00%" in out


def test_default_is_csv_when_piped_and_suffix_picks_format(tmp_path, capsys):
    emit(SECTION, OutputOptions())
    assert capsys.readouterr().out.startswith("region,rows,")
    target = tmp_path / "out" / "r.parquet"
    emit(SECTION, OutputOptions(output=target))
    assert pl.read_parquet(target).equals(FRAME)
    assert [p.name for p in target.parent.iterdir()] == ["r.parquet"]  # no temp file left behind


def test_xlsx_numbers_stay_numbers_and_formulas_stay_text(tmp_path):
    target = tmp_path / "r.xlsx"
    emit(SECTION, OutputOptions(output=target, lang="en"))
    back = pl.read_excel(target)
    assert back.columns == ["Region", "Rows", "Outbound connect rate"]
    assert back["Region"].to_list() == ["包头", '\'=HYPERLINK("x")']  # neutralized (SPEC §11)
    assert back["Rows"].dtype.is_integer()
    assert back["Outbound connect rate"].to_list() == [0.2952, 0.5]


def test_unknown_format_lists_the_choices():
    with pytest.raises(UsageError, match="Try one of: table, csv, json"):
        emit(SECTION, OutputOptions(format="yaml"))


def test_zero_rows_is_valid_output(capsys):
    emit(Section(FRAME.head(0)), OutputOptions(format="csv"))
    assert capsys.readouterr().out == "region,rows,outbound_connect_rate\n"
