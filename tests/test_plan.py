"""`chanops plan` (SPEC §12) on a hand-made warehouse where every status occurs.

Customers 138000000NN are written as NN below. All active since 2020 except 11 (churned
2022-10-01). The plan is for 2022-12; windows reach back from 2022-12-01.

History (2022-09..2022-11) for the expected conversion:
  5G套餐 on sms: reached 20, 21, 22, 23; 20 bought on sms        → 1/4 = 0.25
  5G套餐 on outbound: reached 20, 21, 23; 21 bought on outbound  → 1/3 = 0.3333
  视频彩铃 on sms: reached 22, who bought it on sms              → 1/1 = 1.0
Customer 07 used sms 10 times over 2022-09..11: preference 50 + 30 = 80, tier high, weight
1.5, so 07's sms expectation is 0.375 — above outbound's 0.3333. Everyone else has no
tier (weight 1.0) and prefers outbound (0.3333 > 0.25).

Campaign MK-A (5G套餐, priority 1, sms + outbound), list by score:
  01 0.9  eligible
  02 0.8  already_has: 5G套餐 ordered 2022-10-15
  03 0.7  conflict: holds 4G飞享套餐 (ordered 2022-03-01, within 12 months); 2 failed 5G套餐
          orders named it
  04 0.6  do_not_disturb: complaint 2022-11-20
  05 0.5  do_not_disturb: reached 2022-11-28 (流量包)
  06 0.4  eligible
  07 0.3  eligible, tier high on sms
  11 0.2  invalid: not active on 2022-12-01
  12345   invalid: not an 11-digit number
  08 0.1  eligible
Campaign MK-B (视频彩铃, priority 2, sms only, cap 1), list: 01, 09, 10.
  01 is duplicate (MK-A serves it first); 09 and 10 are eligible, 10 beyond the cap.

Quota for 2022-12: sms 3 less 1 contact already in December = 2 left; outbound 1.
Served in order 01, 06, 07, 08 (MK-A by score), then 09 (MK-B; 10 is capped):
  01 → outbound (0.3333; outbound now full)
  06 → sms (0.25; outbound full)                  sms 1 left
  07 → sms (0.375)                                sms full
  08 → over_quota (no quota left on outbound, sms)
  09 → over_quota (no quota left on sms)
  10 → over_quota (campaign cap of 1 reached)
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

from .conftest import write_text

ACTIVE = [f"138000000{n:02d}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20, 21, 22, 23)]


def n(num: int) -> str:
    return f"138000000{num:02d}"


def _warehouse(chanops, tmp_path: Path, db: Path) -> None:
    customers = "msisdn,region,join_date,churn_date\n" + "".join(f"{m},包头,2020-01-01,\n" for m in ACTIVE)
    customers += f"{n(11)},包头,2020-01-01,2022-10-01\n"
    orders = "order_id,order_time,msisdn,region,channel,product,status,fail_reason,conflict_product,campaign_id\n"
    orders += "".join(
        f"{row}\n"
        for row in [
            f"O1,2022-10-05 10:00:00,{n(20)},包头,sms,5G套餐,success,,,C1",
            f"O2,2022-10-06 10:00:00,{n(21)},包头,outbound,5G套餐,success,,,",
            f"O3,2022-10-07 10:00:00,{n(22)},包头,sms,视频彩铃,success,,,C2",
            f"O4,2022-10-15 10:00:00,{n(2)},包头,store,5G套餐,success,,,",
            f"O5,2022-03-01 10:00:00,{n(3)},包头,store,4G飞享套餐,success,,,",
            f"O6,2022-09-01 10:00:00,{n(20)},包头,app,5G套餐,fail,产品互斥,4G飞享套餐,",
            f"O7,2022-09-02 10:00:00,{n(21)},包头,app,5G套餐,fail,产品互斥,4G飞享套餐,",
        ]
    )
    contacts = "contact_id,contact_time,msisdn,region,touchpoint,campaign_id,product,reached\n"
    rows = [(n(m), "sms", "5G套餐") for m in (20, 21, 22, 23)]
    rows += [(n(m), "outbound", "5G套餐") for m in (20, 21, 23)]
    rows += [(n(22), "sms", "视频彩铃")]
    contacts += "".join(f"K{i},2022-10-01 09:00:00,{m},包头,{t},C1,{p},是\n" for i, (m, t, p) in enumerate(rows))
    contacts += f"K90,2022-11-28 09:00:00,{n(5)},包头,sms,C3,流量包,是\n"
    contacts += f"K91,2022-12-01 09:00:00,{n(10)},包头,sms,C4,视频彩铃,否\n"
    complaints = f"complaint_id,complaint_time,msisdn,channel\nP1,2022-11-20 09:00:00,{n(4)},hotline\n"
    usage = "msisdn,channel,event_time\n" + "".join(
        f"{n(7)},sms,2022-{month}-0{day} 08:00:00\n"
        for month, days in (("09", 4), ("10", 3), ("11", 3))
        for day in range(1, days + 1)
    )
    for kind, text in [
        ("customers", customers),
        ("orders", orders),
        ("contacts", contacts),
        ("complaints", complaints),
        ("usage", usage),
    ]:
        result = chanops("load", kind, write_text(tmp_path / f"{kind}.csv", text), "--db", db, "--as-of", "2022-11-30")
        assert result.exit_code == 0, result.stderr


def _plan(tmp_path: Path) -> Path:
    (tmp_path / "targets").mkdir()
    write_text(
        tmp_path / "targets" / "a.csv",
        "手机号码,得分\n"
        + "".join(
            f"{m},{s}\n"
            for m, s in [
                (n(1), 0.9),
                (n(2), 0.8),
                (n(3), 0.7),
                (n(4), 0.6),
                (n(5), 0.5),
                (n(6), 0.4),
                (n(7), 0.3),
                (n(11), 0.2),
                ("12345", 0.15),
                (n(8), 0.1),
            ]
        ),
    )
    write_text(tmp_path / "targets" / "b.csv", f"手机号码\n{n(1)}\n{n(9)}\n{n(10)}\n")
    write_text(tmp_path / "chanops.toml", '[quota."2022-12"]\nsms = 3\noutbound = 1\n')
    return write_text(
        tmp_path / "plan.toml",
        """
[[campaigns]]
id = "MK-A"
product = "5G套餐"
list = "targets/a.csv"
priority = 1
touchpoints = ["sms", "outbound"]

[[campaigns]]
id = "MK-B"
product = "视频彩铃"
list = "targets/b.csv"
priority = 2
touchpoints = ["sms"]
cap = 1
""",
    )


def _read(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_every_status_and_the_assignment_worked_out_by_hand(chanops, tmp_path, db):
    """The module docstring works every row out."""
    _warehouse(chanops, tmp_path, db)
    plan = _plan(tmp_path)
    out = tmp_path / "out"
    config = tmp_path / "chanops.toml"
    result = chanops("plan", plan, "--month", "2022-12", "--db", db, "--config", config, "--out", out, "--lang", "en")
    assert result.exit_code == 0, result.stderr
    rows = {(r["campaign_id"], r["msisdn"]): r for r in _read(out / "candidates.csv")}
    got = {key: (r["status"], r["touchpoint"], r["expected_conversion"], r["evidence"]) for key, r in rows.items()}
    assert got == {
        ("MK-A", n(1)): ("assigned", "outbound", "0.333333", "33.33% of customers reached on outbound bought"),
        ("MK-A", n(2)): ("already_has", "", "", "ordered 5G套餐 on 2022-10-15"),
        ("MK-A", n(3)): (
            "conflict",
            "",
            "",
            "holds 4G飞享套餐 (ordered on 2022-03-01), named in 2 failed 5G套餐 orders",
        ),
        ("MK-A", n(4)): ("do_not_disturb", "", "", "complaint on 2022-11-20"),
        ("MK-A", n(5)): ("do_not_disturb", "", "", "reached on 2022-11-28"),
        ("MK-A", n(6)): ("assigned", "sms", "0.25", "25.00% of customers reached on sms bought"),
        ("MK-A", n(7)): ("assigned", "sms", "0.375", "25.00% of customers reached on sms bought × preference high"),
        ("MK-A", n(11)): ("invalid", "", "", "not a customer active on 2022-12-01"),
        ("MK-A", "12345"): ("invalid", "", "", "msisdn: not an 11-digit mobile number"),
        ("MK-A", n(8)): ("over_quota", "", "", "no quota left on outbound, sms"),
        ("MK-B", n(1)): ("duplicate", "", "", "also a candidate of MK-A, served first"),
        ("MK-B", n(9)): ("over_quota", "", "", "no quota left on sms"),
        ("MK-B", n(10)): ("over_quota", "", "", "campaign cap of 1 reached"),
    }
    summary = [
        (
            r["campaign_id"],
            r["touchpoint"],
            r["assigned"],
            r["expected_conversions"],
            r["touchpoint_quota_before"],
            r["touchpoint_assigned"],
            r["touchpoint_quota_after"],
        )
        for r in _read(out / "summary.csv")
    ]
    # each row: the campaign's own assignments, then the touchpoint's quota over the whole plan
    # (sms: 2 before, MK-A's 2 + MK-B's 0 taken, 0 after — the same on MK-A's and MK-B's rows)
    assert summary == [
        ("MK-A", "outbound", "1", "0.33", "1", "1", "0"),
        ("MK-A", "sms", "2", "0.63", "2", "2", "0"),
        ("MK-B", "sms", "0", "0.0", "2", "2", "0"),
    ]
    statuses = {r["campaign_id"]: r for r in _read(out / "statuses.csv")}
    assert [statuses["MK-A"][s] for s in ("candidates", "invalid", "assigned", "over_quota")] == ["10", "2", "3", "1"]
    assert _read(out / "dispatch_sms.csv") == [
        {"campaign_id": "MK-A", "product": "5G套餐", "msisdn": n(6), "expected_conversion": "0.25"},
        {"campaign_id": "MK-A", "product": "5G套餐", "msisdn": n(7), "expected_conversion": "0.375"},
    ]
    assert [r["msisdn"] for r in _read(out / "dispatch_outbound.csv")] == [n(1)]
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    again = chanops("plan", plan, "--month", "2022-12", "--db", db, "--config", config, "--out", out, "--lang", "en")
    assert again.exit_code == 0 and {p.name: p.read_bytes() for p in out.iterdir()} == first


def test_people_see_masked_numbers_and_chinese_labels(chanops, tmp_path, db):
    """The table for people masks 13800000001 as 138****0001 and heads the status column 状态."""
    _warehouse(chanops, tmp_path, db)
    plan = _plan(tmp_path)
    result = chanops(
        "plan", plan, "--month", "2022-12", "--db", db, "--config", tmp_path / "chanops.toml", "-f", "markdown"
    )
    assert result.exit_code == 0, result.stderr
    assert "138****0001" in result.stdout and n(1) not in result.stdout
    assert "状态" in result.stdout and "触点计划前余量" in result.stdout


@pytest.mark.parametrize(
    ("plan_text", "message"),
    [
        (
            '[[campaigns]]\nid = "X"\nproduct = "5G套餐"\nlist = "targets/a.csv"\ntouchpoints = ["fax"]\n',
            "unknown touchpoint 'fax'",
        ),
        (
            '[[campaigns]]\nid = "X"\nproduct = "5G套查"\nlist = "targets/a.csv"\ntouchpoints = ["sms"]\n',
            "product '5G套查'",
        ),
        (
            '[[campaigns]]\nid = "X"\nproduct = "5G套餐"\nlist = "nope.csv"\ntouchpoints = ["sms"]\n',
            "list file nope.csv not found",
        ),
        (
            '[[campaigns]]\nid = "X"\nproduct = "5G套餐"\nlist = "targets/a.csv"\n'
            'touchpoints = ["sms"]\npriority = 0\n',
            "'priority'",
        ),
        ("campaigns = 3\n", "no [[campaigns]]"),
    ],
)
def test_a_bad_plan_is_one_line_and_exit_2(chanops, tmp_path, db, plan_text, message):
    _warehouse(chanops, tmp_path, db)
    _plan(tmp_path)
    bad = write_text(tmp_path / "bad.toml", plan_text)
    result = chanops("plan", bad, "--month", "2022-12", "--db", db)
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def _one_by_one(order, options, quota_left, caps):
    """The reference: serve candidates one at a time (what assign.py must equal)."""
    left = dict(quota_left)
    served_per_campaign: dict[str, int] = {}
    result = {}
    for seq, campaign in order:
        if caps.get(campaign) is not None and served_per_campaign.get(campaign, 0) >= caps[campaign]:
            continue
        served_per_campaign[campaign] = served_per_campaign.get(campaign, 0) + 1
        for touchpoint, _expected in sorted(options[seq], key=lambda o: (-o[1], o[0])):
            if left[touchpoint] is None or left[touchpoint] > 0:
                if left[touchpoint] is not None:
                    left[touchpoint] -= 1
                result[seq] = touchpoint
                break
    return result


@pytest.mark.parametrize("seed", range(6))
def test_the_rounds_equal_serving_one_by_one(seed):
    """Random candidates, options and quotas: assign.py's rounds give exactly the one-by-one
    result; no touchpoint exceeds its quota; each candidate gets at most one touchpoint."""
    import duckdb

    from chanops.engines import as_engine
    from chanops.plan import assign

    rng = random.Random(seed)
    touchpoints = ["app", "outbound", "sms", "wechat"]
    quota_left = {t: rng.choice([None, 0, rng.randint(1, 40)]) for t in touchpoints}
    options = {}
    order = []
    for seq in range(1, 301):
        allowed = rng.sample(touchpoints, rng.randint(1, 4))
        options[seq] = [(t, rng.choice([0.0, 0.1, 0.2, 0.3, rng.random()])) for t in allowed]
        order.append((seq, "all"))
    con = duckdb.connect()
    rows = [(seq, t, e) for seq, opts in options.items() for t, e in opts]
    con.execute("CREATE TEMP TABLE raw(seq BIGINT, touchpoint VARCHAR, expected DOUBLE)")
    con.executemany("INSERT INTO raw VALUES (?, ?, ?)", rows)
    con.execute(f"""CREATE TEMP TABLE {assign.OPTIONS} AS SELECT seq, touchpoint, expected, NULL AS tier,
                    row_number() OVER (PARTITION BY seq ORDER BY expected DESC, touchpoint) AS choice FROM raw""")
    assign.assign(as_engine(con), quota_left)
    got = dict(con.execute(f"SELECT seq, touchpoint FROM {assign.ASSIGNED}").fetchall())
    assert got == _one_by_one(order, options, quota_left, {})
    for t, q in quota_left.items():
        if q is not None:
            assert sum(1 for v in got.values() if v == t) <= q


@pytest.mark.parametrize("seed", range(3))
def test_any_plan_gives_each_candidate_one_status_and_keeps_quotas(chanops, tmp_path, db, seed):
    """Random lists (repeats, unknown and unreadable numbers), touchpoints, caps and quotas over
    the fixture warehouse: every list row comes out once with one status; no number is assigned
    twice; no touchpoint gets more than its quota left (quota less December's 1 sms contact)."""
    from chanops.plan.run import STATUSES

    rng = random.Random(seed)
    _warehouse(chanops, tmp_path, db)
    (tmp_path / "targets").mkdir()
    pool = [*ACTIVE, n(11), "13900000000", "12345", ""]
    campaigns, listed = [], 0
    for i, product in enumerate(["5G套餐", "视频彩铃", "流量包"]):
        rows = [rng.choice(pool) for _ in range(rng.randint(1, 25))]
        listed += len(rows)
        write_text(
            tmp_path / "targets" / f"c{i}.csv", "手机号码,得分\n" + "".join(f"{m},{rng.random():.2f}\n" for m in rows)
        )
        touchpoints = rng.sample(["sms", "outbound", "app"], rng.randint(1, 3))
        cap = f"cap = {rng.randint(0, 5)}\n" if rng.random() < 0.5 else ""
        campaigns.append(
            f'[[campaigns]]\nid = "C{i}"\nproduct = "{product}"\nlist = "targets/c{i}.csv"\n'
            f"priority = {rng.randint(1, 3)}\ntouchpoints = {touchpoints!r}\n{cap}".replace("'", '"')
        )
    quotas = {"sms": rng.randint(1, 6), "outbound": rng.randint(0, 3), "app": rng.randint(0, 4)}
    config = write_text(tmp_path / "q.toml", '[quota."2022-12"]\n' + "".join(f"{t} = {q}\n" for t, q in quotas.items()))
    plan = write_text(tmp_path / "plan.toml", "\n".join(campaigns))
    out = tmp_path / "out"
    result = chanops("plan", plan, "--month", "2022-12", "--db", db, "--config", config, "--out", out)
    assert result.exit_code == 0, result.stderr
    rows = _read(out / "candidates.csv")
    assert len(rows) == listed and all(r["status"] in STATUSES for r in rows)
    assigned = [r for r in rows if r["status"] == "assigned"]
    assert len({r["msisdn"] for r in assigned}) == len(assigned)
    left = {**quotas, "sms": quotas["sms"] - 1}
    for touchpoint, quota in left.items():
        assert sum(r["touchpoint"] == touchpoint for r in assigned) <= max(quota, 0)


def test_a_plan_without_conversion_history_says_so(chanops, tmp_path, db):
    """Planned for 2023-06, the history window 2023-03..2023-05 holds no contacts: the plan
    still runs, and says every expected conversion is 0."""
    _warehouse(chanops, tmp_path, db)
    plan = _plan(tmp_path)
    result = chanops("plan", plan, "--month", "2023-06", "--db", db, "-f", "csv")
    assert result.exit_code == 0, result.stderr
    assert "no reached contacts of the plan's products in 2023-03..2023-05" in result.stderr


def _holdings_plan(chanops, tmp_path: Path, db: Path, more: str = "") -> Path:
    """The fixture warehouse with the holdings of the test below added, and campaign H's plan
    (`more`: further [[campaigns]])."""
    _warehouse(chanops, tmp_path, db)
    orders = "order_id,order_time,msisdn,region,channel,product,status,fail_reason,conflict_product\n"
    orders += f"O20,2022-10-02 10:00:00,{n(23)},包头,app,5G套餐,fail,产品互斥,4G飞享套餐\n"
    valid = "month,msisdn,product,fee\n"
    valid += f"2022-11,{n(22)},5G套餐,128\n2022-11,{n(9)},4G飞享套餐,58\n2022-10,{n(10)},5G套餐,128\n"
    for kind, text in (("orders", orders), ("valid", valid)):
        loaded = chanops("load", kind, write_text(tmp_path / f"more_{kind}.csv", text), "--db", db)
        assert loaded.exit_code == 0, loaded.stderr
    (tmp_path / "targets").mkdir()
    write_text(tmp_path / "targets" / "h.csv", "手机号码\n" + "".join(f"{n(m)}\n" for m in (23, 22, 9, 10)))
    return write_text(
        tmp_path / "plan.toml",
        '[[campaigns]]\nid = "H"\nproduct = "5G套餐"\nlist = "targets/h.csv"\ntouchpoints = ["sms"]\n' + more,
    )


def test_holdings_count_valid_rows_and_the_customers_own_failure_log(chanops, tmp_path, db):
    """A customer holds a product (SPEC §12 decision) by a successful order in 12 months, a
    `valid` row for M−1, or an own failed order in 6 months naming it as conflict_product.
    Added to the fixture: 23's failed 5G套餐 order of 2022-10-02 names 4G飞享套餐 (so 3 failed
    5G套餐 orders name it); valid rows for 2022-11: 22 holds 5G套餐, 09 holds 4G飞享套餐; a
    valid row of 10 for 2022-10 (not M−1). Campaign H (5G套餐, sms, no quota):
      23  never ordered 4G飞享套餐: held only by its own failure log → conflict
      22  5G套餐 in force in 2022-11 → already_has
      09  4G飞享套餐 in force in 2022-11 → conflict
      10  its valid row is of 2022-10 → assigned to sms, 5G套餐 on sms 1/4 = 0.25
    Before this decision 23, 22 and 09 were all assigned."""
    plan = _holdings_plan(chanops, tmp_path, db)
    config = write_text(tmp_path / "none.toml", "")
    got = {}
    for lang in ("en", "zh"):
        out = tmp_path / f"out_{lang}"
        result = chanops(
            "plan", plan, "--month", "2022-12", "--db", db, "--config", config, "--out", out, "--lang", lang
        )
        assert result.exit_code == 0, result.stderr
        got[lang] = {
            r["msisdn"]: (r["status"], r["expected_conversion"], r["evidence"]) for r in _read(out / "candidates.csv")
        }
    assert got["en"] == {
        n(23): (
            "conflict",
            "",
            "holds 4G飞享套餐 (named by own failed 5G套餐 order on 2022-10-02), named in 3 failed 5G套餐 orders",
        ),
        n(22): ("already_has", "", "5G套餐 in force (valid) in 2022-11"),
        n(9): ("conflict", "", "holds 4G飞享套餐 (valid in 2022-11), named in 3 failed 5G套餐 orders"),
        n(10): ("assigned", "0.25", "25.00% of customers reached on sms bought"),
    }
    # the same evidence in Chinese for a Chinese table (--lang zh, the default)
    assert got["zh"] == {
        n(23): (
            "conflict",
            "",
            "已持有4G飞享套餐（2022-10-02本人办理5G套餐失败时被列为互斥产品），3笔5G套餐失败订单因与其互斥",
        ),
        n(22): ("already_has", "", "2022-11 5G套餐业务有效"),
        n(9): ("conflict", "", "已持有4G飞享套餐（2022-11业务有效），3笔5G套餐失败订单因与其互斥"),
        n(10): ("assigned", "0.25", "短信营业厅触达客户中25.00%办理"),
    }


def test_a_new_product_is_planned_on_the_touchpoints_conversion_over_all_products(chanops, tmp_path, db):
    """`new_product = true` plans a product no order or contact names (an app-adoption
    campaign). Its expected conversion is sms's over all products in 2022-09..11: reached
    pairs (20, 21, 22, 23 about 5G套餐; 22 about 视频彩铃; 05 about 流量包) = 6, bought on sms
    (20 its 5G套餐, 22 its 视频彩铃) = 2 → 0.333333, and a note says so. Without the flag the
    product is refused as unknown; with it on a known product, refused as not new (exit 2)."""
    _warehouse(chanops, tmp_path, db)
    (tmp_path / "targets").mkdir()
    write_text(tmp_path / "targets" / "n.csv", f"手机号码\n{n(6)}\n")
    config = write_text(tmp_path / "none.toml", "")

    def plan_for(product: str, flag: str) -> Path:
        return write_text(
            tmp_path / "plan.toml",
            f'[[campaigns]]\nid = "N"\nproduct = "{product}"\nlist = "targets/n.csv"\ntouchpoints = ["sms"]\n{flag}',
        )

    out = tmp_path / "out"
    new = plan_for("手机营业厅登录", "new_product = true\n")
    result = chanops("plan", new, "--month", "2022-12", "--db", db, "--config", config, "--out", out, "--lang", "en")
    assert result.exit_code == 0, result.stderr
    assert [
        (r["status"], r["touchpoint"], r["expected_conversion"], r["evidence"]) for r in _read(out / "candidates.csv")
    ] == [
        (
            "assigned",
            "sms",
            "0.333333",
            "33.33% of customers reached on sms bought what they were offered (new product: all products)",
        )
    ]
    assert "campaign N launches 手机营业厅登录, which no order or contact names yet" in result.stderr
    unknown = chanops("plan", plan_for("手机营业厅登录", ""), "--month", "2022-12", "--db", db, "--config", config)
    assert unknown.exit_code == 2 and "needs new_product = true" in unknown.stderr
    known = chanops("plan", plan_for("5G套餐", "new_product = true\n"), "--month", "2022-12", "--db", db)
    assert known.exit_code == 2 and "'5G套餐' is not new" in known.stderr


def test_plan_files_neutralize_formulas_and_keep_whole_numbers(chanops, tmp_path, db):
    """Every --out file is opened in a spreadsheet: a list cell =HYPERLINK("x") comes out as
    '=HYPERLINK("x") in candidates.csv (an invalid number, shown as read), and a campaign id
    @SUM(1) as '@SUM(1) in candidates.csv, summary.csv and dispatch_sms.csv — whose number
    stays whole (13800000006) for the team that calls it."""
    _warehouse(chanops, tmp_path, db)
    (tmp_path / "targets").mkdir()
    write_text(tmp_path / "targets" / "f.csv", f'手机号码\n"=HYPERLINK(""x"")"\n{n(6)}\n')
    plan = write_text(
        tmp_path / "plan.toml",
        '[[campaigns]]\nid = \'@SUM(1)\'\nproduct = "5G套餐"\nlist = "targets/f.csv"\ntouchpoints = ["sms"]\n',
    )
    out = tmp_path / "out"
    config = write_text(tmp_path / "none.toml", "")
    result = chanops("plan", plan, "--month", "2022-12", "--db", db, "--config", config, "--out", out)
    assert result.exit_code == 0, result.stderr
    candidates = _read(out / "candidates.csv")
    assert [(r["campaign_id"], r["msisdn"], r["status"]) for r in candidates] == [
        ("'@SUM(1)", '\'=HYPERLINK("x")', "invalid"),
        ("'@SUM(1)", n(6), "assigned"),
    ]
    assert [r["campaign_id"] for r in _read(out / "summary.csv")] == ["'@SUM(1)"]
    assert _read(out / "dispatch_sms.csv") == [
        {"campaign_id": "'@SUM(1)", "product": "5G套餐", "msisdn": n(6), "expected_conversion": "0.25"}
    ]
