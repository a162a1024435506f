"""Channel preference (SPEC §7) on a hand-worked fixture: month 2022-11, window Sep–Nov,
churn comparison window Jun–Aug. Users 138000000NN are called uNN.

Scores (usage 5 per use up to 10 uses, latent 20, frequency 10 per active month, −20 per complaint):
  u01 app     12 uses Sep–Nov   50 + 0 + 30 − 0 = 80 high (cap at 10 uses)
  u01 wechat  1 use at 09-01 00:00:00 (window edge), 1 complaint:   5 + 10 − 20 → 0 low (clamped)
  u02 app     6 uses in Nov, signal 1 in Nov:   30 + 20 + 10 = 60 high (exactly 60)
  u03 sms     Oct + Nov:   10 + 20 = 30 medium (exactly 30)
  u05 web     1 use, signal in Nov:   5 + 20 + 10 = 35 medium
  u06 app     1 use at 09-01:   5 + 10 = 15 low
  u07 app     3 uses in Nov (churned customer, still scored):   15 + 10 = 25 low
  u09 app     no use, signal value 2 in Nov:   20 low
  u04 sms     no use, only a complaint in October:   0 − 20 → 0 low (listed, SPEC §7)
  u04: signal value 0 in Nov and a signal in October: no score; store usage is not electronic.
Churned from app: u03 (last use 08-31 23:59:59), u08 (06-01 00:00:00); not u06 (also in the
window) nor u09 (05-31, before Jun).
"""

from __future__ import annotations

import duckdb
import pytest

from chanops.analysis import prefer
from chanops.channels import build_catalog
from chanops.errors import ConfigError, UsageError

from . import kpi_fixture


def _uses(user: int, channel: str, *times: str) -> list[str]:
    return [f"138000000{user:02d},{channel},{t}" for t in times]


USAGE = (
    "\n".join(
        ["msisdn,channel,event_time"]
        + _uses(1, "app", *[f"2022-{m}-0{d} 10:00:00" for m in ("09", "10", "11") for d in (1, 2, 3, 4)])
        + _uses(1, "wechat", "2022-09-01 00:00:00")
        + _uses(2, "app", *[f"2022-11-0{d} 10:00:00" for d in range(1, 7)])
        + _uses(3, "sms", "2022-10-05 10:00:00", "2022-11-05 10:00:00")
        + _uses(3, "app", "2022-08-31 23:59:59")
        + _uses(4, "store", "2022-11-05 10:00:00")
        + _uses(5, "web", "2022-11-05 10:00:00")
        + _uses(6, "app", "2022-06-01 00:00:00", "2022-09-01 00:00:00")
        + _uses(6, "wechat", "2022-05-31 23:59:59")
        + _uses(7, "app", "2022-11-02 10:00:00", "2022-11-03 10:00:00", "2022-11-04 10:00:00")
        + _uses(8, "app", "2022-06-01 00:00:00")
        + _uses(9, "app", "2022-05-31 23:59:59")
    )
    + "\n"
)
SIGNALS = """month,msisdn,channel,signal,value
2022-11,13800000002,app,mailbox_active,1
2022-11,13800000004,wechat,mailbox_active,0
2022-10,13800000004,app,mailbox_active,1
2022-11,13800000005,web,mailbox_active,1
2022-11,13800000009,app,app_installed,2
"""
COMPLAINTS = """complaint_id,complaint_time,msisdn,channel
k1,2022-11-20 10:00:00,13800000001,wechat
k2,2022-08-20 10:00:00,13800000002,app
k3,2022-10-10 10:00:00,13800000004,sms
"""
CUSTOMERS = (
    "\n".join(
        ["msisdn,region,join_date,churn_date"]
        + [f"138000000{u:02d},{'A' if u % 2 else 'B'},2020-01-01," for u in (1, 2, 3, 4, 5, 6, 8, 9)]
        + ["13800000007,A,2020-01-01,2022-11-15"]
    )
    + "\n"
)
TABLES = {"usage": USAGE, "signals": SIGNALS, "complaints": COMPLAINTS, "customers": CUSTOMERS}
CHANNELS = build_catalog(None)
CONFIG = prefer.PreferConfig()


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    db = kpi_fixture.build(tmp_path_factory.mktemp("prefer"), TABLES)
    connection = duckdb.connect(str(db), read_only=True)
    yield connection
    connection.close()


def test_scores_components_caps_clamps_and_tiers(con):
    rows = prefer.scores(con, "2022-11", CONFIG, CHANNELS).to_pylist()
    got = [
        (
            r["msisdn"][-2:],
            r["channel"],
            r["uses"],
            r["active_months"],
            r["usage_score"],
            r["latent_score"],
            r["frequency_bonus"],
            r["complaint_deduction"],
            r["score"],
            r["tier"],
        )
        for r in rows
    ]
    assert got == [
        ("01", "app", 12, 3, 50.0, 0.0, 30.0, 0.0, 80.0, "high"),
        ("01", "wechat", 1, 1, 5.0, 0.0, 10.0, 20.0, 0.0, "low"),
        ("02", "app", 6, 1, 30.0, 20.0, 10.0, 0.0, 60.0, "high"),
        ("03", "sms", 2, 2, 10.0, 0.0, 20.0, 0.0, 30.0, "medium"),
        ("04", "sms", 0, 0, 0.0, 0.0, 0.0, 20.0, 0.0, "low"),
        ("05", "web", 1, 1, 5.0, 20.0, 10.0, 0.0, 35.0, "medium"),
        ("06", "app", 1, 1, 5.0, 0.0, 10.0, 0.0, 15.0, "low"),
        ("07", "app", 3, 1, 15.0, 0.0, 10.0, 0.0, 25.0, "low"),
        ("09", "app", 0, 0, 0.0, 20.0, 0.0, 0.0, 20.0, "low"),
    ]
    only = prefer.scores(con, "2022-11", CONFIG, CHANNELS, channel="app", tier="high")
    assert [r["msisdn"][-2:] for r in only.to_pylist()] == ["01", "02"]
    assert prefer.scores(con, "2022-11", CONFIG, CHANNELS, min_score=30).num_rows == 4


def test_weights_and_window_from_config(con):
    config = prefer.PreferConfig.from_section({"window": 1, "usage_cap": 4, "high": 50})
    rows = {(r["msisdn"][-2:], r["channel"]): r for r in prefer.scores(con, "2022-11", config, CHANNELS).to_pylist()}
    # window = November only: u01 app has 4 uses (cap 4 → 50), 1 of 1 months → 30; u01 wechat's
    # September use is out of the window, its November complaint is in: listed with score 0, low
    assert rows[("01", "app")]["score"] == 80.0
    assert (rows[("01", "wechat")]["uses"], rows[("01", "wechat")]["score"], rows[("01", "wechat")]["tier"]) == (
        0,
        0.0,
        "low",
    )
    assert rows[("07", "app")]["usage_score"] == 37.5  # 50 × 3 / 4
    with pytest.raises(ConfigError, match="unknown key"):
        prefer.PreferConfig.from_section({"weight": 1})


def test_churned_users_at_the_window_edges(con):
    rows = prefer.churned(con, "2022-11", "app", CONFIG, CHANNELS).to_pylist()
    assert [(r["msisdn"][-2:], str(r["last_use"]), r["uses_before"]) for r in rows] == [
        ("03", "2022-08-31 23:59:59", 1),
        ("08", "2022-06-01 00:00:00", 1),
    ]


def test_targets_order_and_flags(con):
    rows = prefer.targets(con, "2022-11", "app", CONFIG, CHANNELS).to_pylist()
    # active customers without app use in Sep–Nov: u03 u04 u05 u08 u09 (u07 is no longer active)
    assert [
        (
            r["rank"],
            r["msisdn"][-2:],
            r["latent_score"],
            r["best_other_channel"],
            r["best_other_score"],
            r["churned_from_channel"],
        )
        for r in rows
    ] == [
        (1, "09", 20.0, None, 0.0, False),
        (2, "05", 0.0, "web", 35.0, False),
        (3, "03", 0.0, "sms", 30.0, True),
        (4, "04", 0.0, "sms", 0.0, False),
        (5, "08", 0.0, None, 0.0, True),
    ]
    assert prefer.targets(con, "2022-11", "app", CONFIG, CHANNELS, top=2).num_rows == 2
    with pytest.raises(UsageError, match="not an electronic channel"):
        prefer.targets(con, "2022-11", "store", CONFIG, CHANNELS)


def test_summary_per_channel(con):
    rows = {r["channel"]: r for r in prefer.summary(con, "2022-11", CONFIG, CHANNELS).to_pylist()}
    app = rows["app"]
    # November app users u01 u02 u07; u07 churned 11-15, so 2 of them are among the 8 customers
    # active on 11-30: penetration counts members of the base only (SPEC §4) → 2 / 8, not 3 / 8
    assert (app["users_month"], app["active_users_month"], app["customers_month_end"]) == (3, 2, 8)
    assert app["penetration"] == 2 / 8
    # tiers counted over the window Sep–Nov, churned over Jun–Aug used and Sep–Nov not
    assert (app["high_window"], app["medium_window"], app["low_window"], app["churned_window"]) == (2, 0, 3, 2)
    assert (rows["wechat"]["users_month"], rows["wechat"]["low_window"], rows["wechat"]["churned_window"]) == (0, 1, 0)
    # sms: u03 medium, and u04's complaint-only pair counts as low
    assert (rows["sms"]["medium_window"], rows["sms"]["low_window"]) == (1, 1)


def test_summary_says_which_window_each_column_counts(con, tmp_path):
    """The labels name the window (本月 / 窗口内 / 前一窗口) and a note gives the months."""
    from chanops.present.labels import label

    assert label("users_month", "zh") == "本月用户数" and label("high_window", "zh").startswith("窗口内评分")
    assert label("churned_window", "en") == "Churned (window before)"
    assert label("users_month", "en") == "Users this month"
    assert prefer.window_note("2022-11", CONFIG, "en") == (
        "users and penetration: 2022-11 (penetration = this month's users active at month end / customers "
        "active at month end); scored over 2022-09..2022-11; churned: used in 2022-06..2022-08, not in 2022-09..2022-11"
    )
    assert "评分窗口：2022-08..2022-11" in prefer.window_note("2022-11", prefer.PreferConfig(window=4), "zh")
