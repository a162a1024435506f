"""`chanops check --month M`: is the month's data complete enough to report?"""

from __future__ import annotations

from chanops.cli.common import MonthOpt, Shared, shared_options


@shared_options(config=True, engines=True)
def check(month: MonthOpt = None, *, shared: Shared) -> None:
    """Data completeness of a month before the report goes out: kinds loaded, volume against the
    previous 3 months (overall and per region), days without orders or contacts, reject share.
    Exits 3 on a breach."""
    from chanops.tasks.warehouse import CheckRequest

    shared.run("check", CheckRequest(month), check=True)
