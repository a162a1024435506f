"""Calendar months as 'YYYY-MM' text, the way analysts type and the warehouse stores them."""

from __future__ import annotations

import re
from datetime import date

from chanops.errors import UsageError

_MONTH = re.compile(r"(\d{4})-?(\d{2})")
FIRST_YEAR, LAST_YEAR = 2000, 2099  # the years events are loaded for (ingest/normalize.py)
MOST_MONTHS = 60  # a --from/--to range: five years of monthly rows


def parse_month(text: str, option: str = "--month") -> str:
    """'2022-11' or '202211' → '2022-11'; anything else is a usage error naming the option."""
    match = _MONTH.fullmatch(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise UsageError(f"{option} must be a month like 2022-11, got '{text}'")
    if not FIRST_YEAR <= int(match.group(1)) <= LAST_YEAR:
        raise UsageError(f"{option} must be a month of {FIRST_YEAR}–{LAST_YEAR}, got '{text}'")
    return f"{match.group(1)}-{match.group(2)}"


def add_months(month: str, n: int) -> str:
    year, mon = int(month[:4]), int(month[5:7])
    index = year * 12 + (mon - 1) + n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_range(first: str, last: str) -> list[str]:
    """Every month from first to last inclusive."""
    if first > last:
        raise UsageError(f"--from {first} is after --to {last}")
    span = (int(last[:4]) - int(first[:4])) * 12 + int(last[5:7]) - int(first[5:7]) + 1
    if span > MOST_MONTHS:
        raise UsageError(f"--from {first} --to {last} spans {span} months; at most {MOST_MONTHS} at a time")
    months, month = [], first
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


def parse_day(text: str, option: str) -> date:
    """'2022-11-30' → date(2022, 11, 30); anything else is a usage error naming the option."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"{option} must be a date like 2022-11-30, got '{text}'") from None


def last_day(month: str) -> date:
    """The last day of 'YYYY-MM' (the day "active at month end" is judged on)."""
    import calendar

    year, number = int(month[:4]), int(month[5:7])
    return date(year, number, calendar.monthrange(year, number)[1])


def days_of(month: str) -> list[str]:
    """Every day of 'YYYY-MM' as 'YYYY-MM-DD'."""
    import calendar

    year, number = int(month[:4]), int(month[5:7])
    return [f"{month}-{day:02d}" for day in range(1, calendar.monthrange(year, number)[1] + 1)]
