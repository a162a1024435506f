"""Amounts typed by people — a points budget, a manual adjustment — parsed one way everywhere.

Money and points are exact decimals with two places (DECIMAL(18,2) in the warehouse),
so an amount must be finite and fit that type; `1,000` and `¥1,000.50` are accepted,
`NaN`, `inf` and `1e30` are refused with the option's name.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import overload

from chanops.errors import UsageError

# DECIMAL(18,2) holds 16 digits before the point; sums of many amounts need headroom too.
LARGEST_AMOUNT = Decimal("1e14")


@overload
def parse_amount(text: str, option: str, *, allow_negative: bool = False) -> Decimal: ...
@overload
def parse_amount(text: str | None, option: str, *, allow_negative: bool = False) -> Decimal | None: ...
def parse_amount(text: str | None, option: str, *, allow_negative: bool = False) -> Decimal | None:
    """`text` as an exact amount, or None when not given; a UsageError naming `option` otherwise."""
    if text is None:
        return None
    cleaned = str(text).strip().replace(",", "").replace("¥", "").replace("￥", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise UsageError(f"{option} must be a number, got '{text}'") from None
    if not value.is_finite():
        raise UsageError(f"{option} must be a number, got '{text}'")
    if value < 0 and not allow_negative:
        raise UsageError(f"{option} cannot be negative")
    if abs(value) >= LARGEST_AMOUNT:
        raise UsageError(f"{option} is too large: {text} (at most {LARGEST_AMOUNT:,.0f})")
    if value != value.quantize(Decimal("0.01")):
        raise UsageError(f"{option} has more than two decimal places: {text}")
    return value
