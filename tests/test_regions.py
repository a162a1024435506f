"""The 盟市 in the province's official order (呼和浩特, 包头, 呼伦贝尔, …), not by code point
(乌兰察布, 乌海, 兴安盟, … put 呼和浩特 sixth): in KPIs by region, the check, lifecycle,
points and the report; `[regions] order` replaces the built-in order; a region not in it comes
after, by name."""

from __future__ import annotations

import csv
import io

import pytest

from chanops.config import Config
from chanops.errors import ConfigError
from chanops.regions import OFFICIAL_ORDER, region_sort_key

from . import kpi_fixture
from .conftest import write_text


def test_the_official_order_and_what_is_not_in_it():
    """Code-point order of these five would be 乌海, 包头, 呼和浩特, 阿拉善盟, 额济纳 (and a
    NULL total anywhere); the official order puts 呼和浩特 first, 阿拉善盟 (12th) after 乌海
    (11th), 额济纳 (a 旗, not a 盟市) after all twelve, the total last."""
    names = ["乌海", "包头", None, "额济纳", "呼和浩特", "阿拉善盟"]
    assert sorted(names, key=region_sort_key()) == ["呼和浩特", "包头", "乌海", "阿拉善盟", "额济纳", None]
    assert OFFICIAL_ORDER[:3] == ("呼和浩特", "包头", "呼伦贝尔") and len(OFFICIAL_ORDER) == 12


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"order": "呼和浩特"}, "[regions] order must be a list"),
        ({"order": ["包头", "包头"]}, "names 包头 more than once"),
        ({"sort": ["包头"]}, "unknown key(s) sort"),
    ],
)
def test_a_bad_region_order_is_refused(section, message):
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("(", r"\(").replace(")", r"\)")):
        Config.from_dict({"regions": section})


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    """The KPI fixture: regions A and B (A before B by code point)."""
    return kpi_fixture.build(tmp_path_factory.mktemp("regions"))


def _first_column(text: str) -> list[str]:
    return [row[1] for row in list(csv.reader(io.StringIO(text)))[1:]]


def test_every_listing_follows_the_configured_order(chanops, db, tmp_path):
    """With `[regions] order = ["B", "A"]` B comes first in kpi --by region (with and without
    --compare) and in the check's regions; without it, A and B are both outside the built-in
    order and come by name: A first."""
    (tmp_path / "cfg").mkdir()
    config = write_text(tmp_path / "cfg" / "regions.toml", '[regions]\norder = ["B", "A"]\n')
    kpi = ("kpi", "--db", db, "--month", "2022-11", "--by", "region", "--metric", "order_success_rate")
    plain = chanops(*kpi, "--format", "csv")
    assert plain.exit_code == 0, plain.stderr
    assert _first_column(plain.stdout) == ["A", "B"]
    for extra in ((), ("--compare", "prev")):
        ordered = chanops(*kpi, *extra, "--format", "csv", "--config", config)
        assert ordered.exit_code == 0, ordered.stderr
        assert _first_column(ordered.stdout) == ["B", "A"], extra
    check = chanops("check", "--db", db, "--month", "2022-11", "--format", "csv", "--config", config)
    regions = [row[2] for row in csv.reader(io.StringIO(check.stdout)) if row[0] == "region_volume"]
    assert regions[:2] == ["B", "A"], check.stdout
