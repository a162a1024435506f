"""The channel catalog (SPEC §3): every channel/touchpoint code with its labels
and the two flags KPIs depend on — `online` (counts toward 线上产能) and
`electronic` (counts as an 电子渠道). Built-ins here; chanops.toml overrides and
extends them under [channels.CODE].
"""

from __future__ import annotations

from dataclasses import dataclass

from chanops.errors import ConfigError


@dataclass(frozen=True)
class Channel:
    code: str
    zh: str
    en: str
    online: bool
    electronic: bool
    aliases: tuple[str, ...] = ()  # other spellings found in extracts (Chinese labels)


DEFAULT_CHANNELS: tuple[Channel, ...] = (
    Channel("outbound", "10086在线外呼", "10086 outbound calls", True, False, ("在线外呼", "外呼", "10086外呼")),
    Channel("hotline", "10086热线", "10086 hotline", True, True, ("10086热线", "电话营业厅", "热线")),
    Channel("app", "手机营业厅", "mobile app", True, True, ("手厅", "中国移动APP", "手机APP")),
    Channel("wechat", "微信公众号", "WeChat account", True, True, ("公众号", "微信")),
    Channel("sms", "短信营业厅", "SMS", True, True, ("短信", "短厅")),
    Channel("web", "网上营业厅", "web portal", True, True, ("网厅",)),
    Channel("ussd", "USSD", "USSD", True, True, ()),
    Channel("internet", "互联网渠道", "internet platforms", True, False, ("抖音", "快手", "互联网")),
    Channel("partner_online", "线上渠道服务商", "online partners", True, False, ("线上服务商",)),
    Channel("self_service", "自助终端", "self-service kiosk", False, True, ("自助机",)),
    Channel("store", "自有营业厅", "own stores", False, False, ("营业厅", "自有厅")),
    Channel("partner_store", "社会渠道", "partner stores", False, False, ("社会渠道网点", "代理商")),
    Channel("direct_sales", "政企直销", "enterprise direct sales", False, False, ("直销", "集团客户经理")),
)


def build_catalog(overrides: dict | None) -> dict[str, Channel]:
    """Built-in channels, with `[channels.CODE]` tables from config applied on top.

    A table for an existing code changes only the fields it names; a new code
    needs at least `online` and `electronic` so no KPI silently guesses.
    """
    catalog = {c.code: c for c in DEFAULT_CHANNELS}
    for code, fields in (overrides or {}).items():
        if not isinstance(fields, dict):
            raise ConfigError(f"[channels.{code}] must be a table of fields")
        base = catalog.get(code)
        if base is None and not {"online", "electronic"} <= fields.keys():
            raise ConfigError(f"new channel '{code}' in config needs both 'online' and 'electronic'")
        label = str(fields.get("zh", fields.get("label", base.zh if base else code)))  # TOML text
        catalog[code] = Channel(
            code=code,
            zh=label,
            en=fields.get("en", base.en if base else code),
            online=bool(fields.get("online", base.online if base else False)),
            electronic=bool(fields.get("electronic", base.electronic if base else False)),
            aliases=tuple(fields.get("aliases", base.aliases if base else ())),
        )
    return catalog


def alias_rows(catalog: dict[str, Channel]) -> list[tuple[str, str]]:
    """(spelling, code) pairs: the code itself, its labels and aliases, lowercased."""
    rows: dict[str, str] = {}
    for ch in catalog.values():
        for spelling in (ch.code, ch.zh, ch.en, *ch.aliases):
            rows.setdefault(spelling.strip().lower(), ch.code)
    return sorted(rows.items())
