"""Reject reasons as codes (SPEC §11): every reject carries a stable code beside its words,
code decides (duplicates against bad data, counts, a refusal's most common reason), and
rejects recorded before codes get theirs from their words once, at migration."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from chanops.ingest.reject_codes import CODES, DUPLICATE_CODES, TEXT_ERRORS, TYPE_CODES
from chanops.store.warehouse import SCHEMA_VERSION

from .conftest import query, write_text

SRC = Path(__file__).resolve().parents[1] / "src" / "chanops"
README = Path(__file__).resolve().parents[1] / "README.md"
ORDERS = "订单编号,办理时间,手机号码,地市,渠道,产品,办理结果\n"


def test_no_code_tells_rejects_apart_by_their_words():
    """No module matches a reject's reason text: `starts_with(reason`, `startswith(reason`,
    `starts_with(_bad_reason` and a 'duplicate' prefix test appear nowhere in src (the one
    place old wording is read, code_of_reason_sql, matches with LIKE at migration)."""
    wording = re.compile(
        r"starts_?with\(\s*(_bad_)?reason|\breason\s*\.\s*startswith|startswith\(\s*DUPLICATE|"
        r"starts_with\([^)]*'duplicate'|reason\s+LIKE\s+'duplicate"
    )
    offenders = [
        f"{path.relative_to(SRC)}:{n}: {line.strip()}"
        for path in SRC.rglob("*.py")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if wording.search(line)
    ]
    assert offenders == []


def test_every_code_is_documented_and_every_produced_code_is_listed():
    """The README's table lists CODES exactly; the codes the loaders produce are all in it."""
    documented = re.findall(r"^\| `([a-z_]+)` \|", README.read_text(encoding="utf-8"), flags=re.M)
    assert documented == list(CODES)
    produced = {*DUPLICATE_CODES, *TYPE_CODES.values(), *(c for c, _r in TEXT_ERRORS.values())}
    produced |= {"missing_value", "year_out_of_range", "rate_or_points", "valid_to_before_from", "overlapping_rule"}
    produced |= {"unreadable_line", "other"}
    assert produced == set(CODES)


def test_a_refusal_names_the_most_common_bad_reason_not_a_duplicate(chanops, tmp_path, db):
    """A file of 6 orders: o1 twice more (lines 3, 4: duplicate_in_file, 2 rows) and o5, o6
    with a 10-digit number (lines 6, 7: bad_phone, 2 rows); bad 2 of 6 = 33% > 1%: refused,
    and the most common reason named is the bad phone, not the duplicate (which sorts first
    by its words at equal count)."""
    row = "{k},2022-11-01 08:00:00,{p},包头,app,流量包,成功\n"
    good, short = "13800000001", "1380000000"
    body = "".join(
        row.format(k=k, p=p)
        for k, p in (("o1", good), ("o1", good), ("o1", good), ("o4", good), ("o5", short), ("o6", short))
    )
    result = chanops("load", "orders", write_text(tmp_path / "o.csv", ORDERS + body), "--db", db)
    assert result.exit_code == 1
    assert "2 of 6 rows rejected" in result.stderr and "most common: not an 11-digit mobile number" in result.stderr
    assert query(db, "SELECT line, code FROM _rejects ORDER BY line") == [
        (3, "duplicate_in_file"),
        (4, "duplicate_in_file"),
        (6, "bad_phone"),
        (7, "bad_phone"),
    ]


def test_old_rejects_get_codes_from_their_words_at_migration(chanops, tmp_path, db):
    """A schema-3 warehouse: its _rejects had no code. Five old rows — a duplicate already
    loaded, a missing region, a year out of range, a stray quote, and words no code knows —
    get duplicate_loaded, missing_value, year_out_of_range, unterminated_quote, other; the
    schema is 4."""
    assert (
        chanops(
            "load",
            "orders",
            write_text(tmp_path / "o.csv", ORDERS + "o1,2022-11-01 08:00:00,13800000001,包头,app,流量包,成功\n"),
            "--db",
            db,
        ).exit_code
        == 0
    )
    con = duckdb.connect(str(db))
    con.execute("ALTER TABLE _rejects DROP COLUMN code")
    reasons = [
        "duplicate order_id (already loaded)",
        "missing region",
        "year outside 2000–2099",
        "unterminated or stray quote",
        "a newer state of this customer is loaded (as of 2022-12-31); load snapshots oldest first",
    ]
    for line, reason in enumerate(reasons, 2):
        con.execute("INSERT INTO _rejects VALUES (1, 'orders', 'o.csv', ?, 'x', 'y', ?)", [line, reason])
    con.execute("UPDATE _meta SET value = '3' WHERE key = 'schema_version'")
    con.close()
    assert chanops("db", "migrate", "--db", db).exit_code == 0
    assert query(db, "SELECT code FROM _rejects ORDER BY line") == [
        ("duplicate_loaded",),
        ("missing_value",),
        ("year_out_of_range",),
        ("unterminated_quote",),
        ("other",),
    ]
    assert query(db, "SELECT value FROM _meta WHERE key = 'schema_version'") == [(str(SCHEMA_VERSION),)]
