"""`chanops points` through the CLI: reruns byte-identical, runs recorded, adjustments, bad input."""

from __future__ import annotations

import json

import pytest

from . import points_fixture


@pytest.fixture
def db(tmp_path):
    return points_fixture.build(tmp_path, adjustments=[])


def test_statement_reruns_are_byte_identical_and_recorded(chanops, db):
    first = chanops("points", "statement", "--month", "2022-11", "--budget", "10", "--db", db, "--format", "csv")
    second = chanops("points", "statement", "--month", "2022-11", "--budget", "10", "--db", db, "--format", "csv")
    assert first.exit_code == 0, first.stderr
    assert first.stdout == second.stdout
    assert first.stdout.splitlines()[0] == (
        "staff_id,staff_name,store,region,department,claims,valid,invalid,duplicate,contested,no_rule,"
        "match_rate,earned,deductions,adjustments,net,payout,rank"
    )
    assert first.stderr == "recorded run 1 (statement 2022-11)\n"
    runs = json.loads(chanops("points", "runs", "--db", db, "--format", "json").stdout)
    assert [(r["run_id"], r["command"], r["month"], r["budget"], r["payout"]) for r in runs] == [
        (1, "statement", "2022-11", 10.0, 10.0),
        (2, "statement", "2022-11", 10.0, 10.0),
    ]
    assert runs[0]["inputs_fingerprint"] == runs[1]["inputs_fingerprint"]
    assert runs[0]["output_fingerprint"] == runs[1]["output_fingerprint"]


def test_adjustment_changes_the_statement_and_the_fingerprint(chanops, db):
    before = chanops("points", "statement", "--month", "2022-11", "--db", db, "--format", "json")
    added = chanops(
        "points", "adjust", "--month", "2022-11", "--staff", "G4", "--points", "5", "--note", "dispute won", "--db", db
    )
    assert added.exit_code == 0, added.stderr
    assert added.stderr == "adjustment 1: G4 +5 points for 2022-11 (dispute won)\n"
    after = chanops("points", "statement", "--month", "2022-11", "--db", db, "--format", "json")
    g4 = next(r for r in json.loads(after.stdout) if r["staff_id"] == "G4")
    assert (g4["adjustments"], g4["net"]) == (5.0, 1.0)
    runs = json.loads(chanops("points", "runs", "--db", db, "--format", "json").stdout)
    assert runs[0]["inputs_fingerprint"] != runs[1]["inputs_fingerprint"]
    assert before.stdout != after.stdout


def test_payout_file_written_atomically(chanops, db, tmp_path):
    target = tmp_path / "out" / "payout.csv"
    result = chanops("points", "payout", "--month", "2022-11", "--budget", "10", "--db", db, "-o", target)
    assert result.exit_code == 0, result.stderr
    # no adjustments here: nets 9.50, 4.00, 3.00, 2.51 of 19.01 → cents floors 499, 210, 157, 132 (998);
    # remainders 1401, 790, 1543, 68 → the two leftover cents go to G3 and G2. The file is the
    # CSV Excel opens on Chinese Windows: a UTF-8 byte-order mark, CRLF line ends.
    raw = target.read_bytes()
    assert raw.startswith("\ufeff工号,".encode()) and raw.endswith(b"\r\n")
    assert raw.decode("utf-8-sig").split("\r\n")[:-1] == [  # for people: labelled columns
        "工号,姓名,奖励金额",
        "G2,李娜,5.00",
        "G6,杨洋,2.10",
        "G3,张敏,1.58",
        "G1,王伟,1.32",
    ]
    assert [p.name for p in target.parent.iterdir()] == ["payout.csv"]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["statement", "--month", "2022-13"], 2, "--month must be a month like 2022-11, got '2022-13'"),
        (["statement", "--month", "2022-11", "--budget", "-5"], 2, "--budget cannot be negative"),
        (["statement", "--month", "2022-11", "--budget", "lots"], 2, "--budget must be a number"),
        (["match", "--month", "2023-02"], 1, "no entries (营业员录入) in 2023-02"),
        (["summary", "--month", "2022-11", "--by", "city"], 2, "--by must be one of"),
        (["adjust", "--month", "2022-11", "--staff", "G1", "--points", "1", "--note", " "], 2, "--note is required"),
    ],
)
def test_bad_input(chanops, db, args, code, message):
    result = chanops("points", *args, "--db", db)
    assert result.exit_code == code
    assert result.stdout == ""
    assert result.stderr.startswith("chanops: error: ") and message in result.stderr
