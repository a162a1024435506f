"""`chanops check --month M`: is the month's data complete enough to report?"""

from __future__ import annotations

from chanops.cli.common import MonthOpt, Shared, notice, shared_options


@shared_options(config=True, engines=True)
def check(month: MonthOpt = None, *, shared: Shared) -> None:
    """Data completeness of a month before the report goes out: kinds loaded, volume against the
    previous 3 months (overall and per region), days without orders or contacts, reject share.
    Exits 3 on a breach."""
    from chanops.errors import CheckBreached
    from chanops.present.output import Section, emit
    from chanops.store.completeness import check_month
    from chanops.store.coverage import resolve_months

    settings = shared.config.check  # a bad [check] is a usage error before the warehouse is opened
    with shared.query_engine() as con:
        [the_month] = resolve_months(con, month)
        result = check_month(con, the_month, settings)
    emit(
        Section(result.table(), f"check {the_month}", human=lambda: _polars(result.for_people(shared.lang))),
        shared.out,
        notice=notice,
    )
    if result.breaches:
        for line in result.breach_lines():
            notice(f"breach: {line}")
        raise CheckBreached(f"{len(result.breaches)} completeness test(s) breached for {the_month}")


def _polars(table):
    import polars as pl

    return pl.from_arrow(table)
