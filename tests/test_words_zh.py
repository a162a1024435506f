"""Chinese output reads as Chinese: reject reasons, extract kinds, the check's breach lines,
the quota table and `--base` help — each was English or a raw id under `--lang zh`."""

from __future__ import annotations

import pytest

from chanops.ingest.normalize import REASONS
from chanops.present.reject_words import BY_TYPE_ZH, reason_words
from chanops.store.completeness import CheckResult

from . import kpi_fixture
from .conftest import write_text
from .test_terminal import _help


@pytest.mark.parametrize(
    ("recorded", "chinese"),
    [
        ("not an 11-digit mobile number", "不是 11 位手机号码"),
        ("unknown channel code 'fax'", "未知的渠道编码 'fax'"),
        ("year outside 2000–2099", "年份不在 2000–2099 之间"),
        ("missing msisdn", "缺少 msisdn"),
        ("duplicate order_id (already loaded)", "重复的 order_id（已加载过）"),
        ("duplicate order_id (repeated in file)", "重复的 order_id（文件内重复）"),
        ("invalid gb18030 bytes (shown as \ufffd)", "无效的 gb18030 字节（显示为 \ufffd）"),
        ("something new", "something new"),  # a reason without a wording stays as recorded
    ],
)
def test_reject_reasons_read_in_chinese(recorded, chinese):
    assert reason_words(recorded, "zh") == chinese
    assert reason_words(recorded, "en") == recorded


def test_every_reason_the_loader_gives_by_type_has_a_chinese_wording():
    assert set(REASONS) <= set(BY_TYPE_ZH)


def test_rejects_and_db_info_name_kinds_and_reasons_in_chinese(chanops, tmp_path, db):
    """One order with a 7-digit number: rejected; `rejects` and `db info` in Chinese say
    业务办理记录 and 不是 11 位手机号码, in English orders and the recorded reason."""
    header = "order_id,order_time,msisdn,region,channel,product,status\n"
    rows = (
        "O1,2022-11-01 10:00:00,1380000,包头,app,视频彩铃,成功\n"
        "O2,2022-11-01 10:00:00,13800000002,包头,app,视频彩铃,成功\n"
    )
    path = write_text(tmp_path / "orders.csv", header + rows)
    assert chanops("load", "orders", path, "--db", db, "--max-reject-rate", "0.9").exit_code == 0
    zh = chanops("rejects", "--db", db, "--format", "markdown")
    assert "| 业务办理记录 |" in zh.stdout and "不是 11 位手机号码" in zh.stdout, zh.stdout
    info = chanops("db", "info", "--db", db, "--format", "markdown")
    assert "业务办理记录 | bad_phone | 不是 11 位手机号码 | 1" in info.stdout.replace("  ", " "), info.stdout
    en = chanops("rejects", "--db", db, "--format", "markdown", "--lang", "en")
    assert "| orders " in en.stdout and "not an 11-digit mobile number" in en.stdout
    machine = chanops("rejects", "--db", db, "--format", "csv")
    assert ",orders," in machine.stdout and "not an 11-digit mobile number" in machine.stdout


def test_the_checks_chinese_breach_lines_name_the_kind_in_chinese():
    """No contacts in the month: the line the Markdown digest and the cover show reads
    '数据已加载 触点接触记录：0（预期：本月有数据）', not '数据已加载 contacts'."""
    result = CheckResult("2022-11")
    result.add("kind_loaded", "contacts", None, 0, ("本月有数据", "> 0 rows for the month"), False)
    assert result.breach_lines("zh") == ["数据已加载 触点接触记录：0（预期：本月有数据）"]
    assert result.breach_lines("en") == ["kind_loaded contacts: 0 (expected > 0 rows for the month)"]


def test_the_quota_table_names_each_touchpoint_once(chanops, tmp_path):
    """For people the touchpoint column already reads 短信营业厅; the label column beside it
    said it again. CSV keeps both the code and its label."""
    (tmp_path / "fixture").mkdir()
    db = kpi_fixture.build(tmp_path / "fixture")
    shown = chanops("quota", "--db", db, "--month", "2022-11", "--format", "markdown")
    header = shown.stdout.splitlines()[2]
    assert [c.strip() for c in header.strip("|").split("|")] == ["触点", "已用", "配额", "使用率", "超配额"]
    assert "| 短信营业厅 " in shown.stdout
    machine = chanops("quota", "--db", db, "--month", "2022-11", "--format", "csv")
    assert machine.stdout.splitlines()[0] == "touchpoint,label,used,quota,utilization,over_quota"


def test_base_help_is_chinese():
    """(Rich cuts a long help line at the terminal's width: the start is what is held.)"""
    assert "保有率的基期月份" in _help("kpi", "--help", "--lang", "zh", lang_env="C.UTF-8")
    assert "基期月份" in _help("retention", "--help", "--lang", "zh", lang_env="C.UTF-8")
