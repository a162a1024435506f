"""One example per command, and what its output holds, added to --help (both languages)
where the command's own text has none."""

from __future__ import annotations

# command path: (example, output in words; "" for a command that writes files or nothing)
EXAMPLES = {
    "chanops load": ("chanops load orders extracts/2022-11/orders.csv", "a summary line per file on stderr"),
    "chanops sample": ("chanops sample --out extracts --rows 20000", "ten extract files, a sample plan and its lists"),
    "chanops rejects": ("chanops rejects --kind orders", "load_id, kind, file, line, column, value, reason"),
    "chanops funnel": (
        "chanops funnel --month 2022-11 --campaign MK2211-02",
        "campaign, wave, contacted, reached, converted, reach and conversion rates, cumulative converted",
    ),
    "chanops quota": ("chanops quota --month 2022-11 --check", "touchpoint, used, quota, utilization, over_quota"),
    "chanops failures": (
        "chanops failures --from 2022-06 --to 2022-11 --product 5G套餐",
        "attempts, failures and success rate per month and product; reasons; mutual-exclusion pairs",
    ),
    "chanops retention": (
        "chanops retention --month 2022-11 --by region",
        "base customers, retained, user retention, base revenue, revenue, revenue retention",
    ),
    "chanops lifecycle": ("chanops lifecycle --month 2022-11", "region, stage, customers, revenue"),
    "chanops export": ("chanops export --to warehouse-parquet/", "kind/month=YYYY-MM/*.parquet files"),
    "chanops check": ("chanops check --month 2022-11", "test, figure, expected, pass or breach"),
    "chanops explain": (
        "chanops explain online_share --month 2022-11 --vs province --region 兴安盟",
        "per segment: weights, values, mix and rate effects, share of the change; one sentence",
    ),
    "chanops kpi list": (
        "chanops kpi list --format markdown",
        "id, labels, numerator, denominator, dimensions, thresholds",
    ),
    "chanops points match": ("chanops points match --month 2022-11", "one row per claim: status, held_by, fee, earned"),
    "chanops points statement": (
        "chanops points statement --month 2022-11 --budget 50000",
        "per staff: claims by status, match rate, earned, deductions, net, payout, rank",
    ),
    "chanops points summary": (
        "chanops points summary --month 2022-11 --by store",
        "claims by status, match rate, earned",
    ),
    "chanops points unclaimed": ("chanops points unclaimed --month 2022-11", "month, msisdn, product, fee"),
    "chanops points adjust": (
        "chanops points adjust --month 2022-11 --staff G1001 --points -20 --note 'dispute outcome'",
        "the adjustment recorded",
    ),
    "chanops points runs": (
        "chanops points runs",
        "run id, time, month, budget, totals, input and config fingerprints",
    ),
    "chanops prefer scores": (
        "chanops prefer scores --month 2022-11 --channel app --tier high",
        "msisdn, channel, uses, active months, score components, score, tier",
    ),
    "chanops prefer targets": (
        "chanops prefer targets --month 2022-11 --channel app --top 1000",
        "msisdn, region, latent score, best score elsewhere, churned user",
    ),
    "chanops prefer churned": ("chanops prefer churned --month 2022-11 --channel app", "msisdn, channel, last use"),
    "chanops prefer summary": (
        "chanops prefer summary --month 2022-11",
        "per channel: users, penetration, tiers, churned",
    ),
    "chanops report monthly": ("chanops report monthly --out reports/ --check", "HTML, XLSX and Markdown files"),
    "chanops db info": ("chanops db info", "tables with rows and months, recent loads, rejects by reason"),
    "chanops db migrate": ("chanops db migrate --db old.duckdb", "the schema version"),
    "chanops db refresh": ("chanops db refresh --config chanops.toml", "months whose KPI pre-aggregates it computed"),
    "chanops db schema": ("chanops db schema --format markdown", "table or view, its columns and types, what it holds"),
}


def add_examples(command, zh: bool, path: str = "chanops") -> None:
    """Append the example (and the output in words) to each command's help, in place."""
    if path in EXAMPLES and command.help and "Example" not in command.help and "例：" not in command.help:
        example, output = EXAMPLES[path]
        lines = [f"例：{example}" if zh else f"Example: {example}"]
        if output:
            lines.append(f"Output: {output}." if not zh else f"输出：{output}。")
        command.help = command.help.rstrip() + "\n\n" + "\n\n".join(lines)
    for name, sub in getattr(command, "commands", {}).items():
        add_examples(sub, zh, f"{path} {name}")


# Typer's type tags read like Python ("<float range>", "<list[Path]>"); help shows words.
TYPE_WORDS = {
    "<bool>": None,
    "<float>": "NUMBER",
    "<float range>": "NUMBER",
    "<int>": "N",
    "<int range>": "N",
    "<str>": "TEXT",
    "<path>": "PATH",
    "<list[Path]>": "FILES",
    "<list[str]>": "TEXT",
}


def plain_types() -> None:
    """Show each option's type as a word (NUMBER, N, TEXT, PATH), none for a flag; choices
    such as <table|csv|…> stay as they are. Patched on Typer's classes, in the help path only
    (the process prints help and ends), so --help's own flag is covered too."""
    from typer.core import TyperArgument, TyperOption

    for cls in (TyperOption, TyperArgument):
        shown = cls.display_type_rich

        def display(self, ctx, _shown=shown):
            tag = _shown(self, ctx=ctx)
            return TYPE_WORDS.get(tag, tag) if tag is not None else None

        cls.display_type_rich = display  # type: ignore[method-assign]  # a patch on purpose, help path only
