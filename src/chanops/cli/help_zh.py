"""Chinese help: `--lang zh` on the command line, or a Chinese locale (LANG=zh_CN…), gives
`--help` in Chinese. Commands are translated by their path, options by their English help
text (shared options share one entry); anything without an entry stays English.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

COMMANDS = {
    "chanops": "移动运营商渠道运营分析工具：加载数据、计算渠道指标、积分写实核对、活动规划。",
    "chanops load": "把抽取文件加载到数据仓库的 KIND 表（所有文件一个事务）。\n\n例：chanops load orders extracts/2022-11/orders.csv",
    "chanops sample": "生成一套一致的模拟数据（十类抽取，内蒙古 12 盟市）与示例活动计划。\n\n例：chanops sample --out extracts --rows 20000",
    "chanops rejects": "列出隔离的坏行：文件、物理行号、列、值、原因（手机号默认脱敏）。\n\n例：chanops rejects --kind orders",
    "chanops funnel": "活动分波次漏斗：接触、触达、转化用户数（多波次营销）。\n\n例：chanops funnel --month 2022-11",
    "chanops quota": "各触点接触量与 chanops.toml 中 quota 段的月配额对比（配额管理）。\n\n例：chanops quota --month 2022-11 --check",
    "chanops failures": "办理失败原因：各产品成功率及趋势、失败原因、产品互斥对。\n\n例：chanops failures --from 2022-06 --to 2022-11 --product 5G套餐",
    "chanops retention": "相对基期的用户保有率与收入保有率。\n\n例：chanops retention --month 2022-11",
    "chanops lifecycle": "各生命周期阶段（入网期、在网期、离网预警期、离网期）的客户数与收入，或某阶段清单。",
    "chanops export": "按月分区导出 Parquet，供 Spark / Hive 读取。",
    "chanops check": "报表发出前检查当月数据完整性：各类数据是否加载、数据量对比前 3 个月、无数据日期、拒绝行占比；有问题退出码 3。",
    "chanops plan": "接触前检查活动目标清单（无效、已订购、互斥冲突、免打扰、跨活动重复），再按配额为每位客户分派预计转化最高的触点（配额管理、智能调度）。\n\n例：chanops plan plan.toml --month 2022-12 --out dispatch/",
    "chanops sql": '在数据仓库及命令计算结果的视图（claims 积分核对、preference 偏好得分、lifecycle 生命周期、current_customers 当前客户）上执行只读 SQL，支持所有输出格式；SQL 本身不能读写文件，--file 可把本地抽取文件作为一次查询的只读表。\n\n例：chanops sql "SELECT month, status, count(*) AS claims FROM claims GROUP BY ALL ORDER BY ALL"',
    "chanops init": "写出 chanops.toml：所有设置取默认值并附说明。\n\n例：chanops init",
    "chanops kpi": "渠道指标：线上产能占比、呼通率、成功率、电子渠道占比、保有率等。\n\n例：chanops kpi --month 2022-11 --by region --compare prev",
    "chanops explain": "指标为什么变化：把环比、同比或某盟市与全区的差距精确拆分到各分段（结构效应与比率效应），并用一句话说明主要原因。\n\n例：chanops explain online_share --month 2022-11 --vs province --region 兴安盟",
    "chanops kpi list": "指标目录：编号、名称、口径说明、可用维度、预警阈值。",
    "chanops points": "新业务积分写实：员工录入与出账记录核对。",
    "chanops points match": "当月每条录入一行：状态、归属、资费、积分。",
    "chanops points statement": "员工积分结算单：各状态录入数、积分、扣减、调整、净积分、奖励、排名。\n\n例：chanops points statement --month 2022-11 --budget 50000",
    "chanops points payout": "银行转账文件：工号、姓名、奖励金额（1 积分 = 1 元）。\n\n例：chanops points payout --month 2022-11 -o payout.csv",
    "chanops points summary": "按营业厅、区域、营业部或产品汇总录入状态、匹配率、积分。",
    "chanops points unclaimed": "出账有记录但无人录入的业务。",
    "chanops points adjust": "记录一笔人工调整，计入当月结算单。",
    "chanops points runs": "每次结算/发放的记录：时间、月份、预算、合计及输入与配置指纹。",
    "chanops prefer": "电子渠道偏好得分与推广目标客户。",
    "chanops prefer scores": "每个（手机号，电子渠道）的偏好得分及各分项（电子渠道偏好得分）。",
    "chanops prefer targets": "某渠道的推广目标：未使用该渠道的在网客户，潜力高者在前。",
    "chanops prefer churned": "窗口前使用过某渠道、之后不再使用的流失客户及其最后使用时间。",
    "chanops prefer summary": "各电子渠道：用户数、普及率、偏好档分布、流失用户。",
    "chanops report": "给管理者与定时任务的报表。",
    "chanops report monthly": "生成月报：HTML（离线、内嵌图表）、XLSX、Markdown，原子写入。\n\n例：chanops report monthly --out reports/ --check",
    "chanops db": "查看数据仓库。",
    "chanops db info": "各表行数与覆盖月份、最近加载、按原因统计的拒绝行。",
    "chanops db migrate": "把旧版本写的数据仓库就地升级（chanops load 也会自动升级）。",
    "chanops db refresh": "为有数据的每个月重新计算缺失或定义已变的 KPI 预聚合（加载会自动保持其最新）。",
    "chanops db schema": "数据仓库的表与列及各表内容，以及 chanops sql 的视图——chanops sql 可查询的对象。",
}

OPTIONS = {
    "Warehouse file (default: $CHANOPS_DB, else ./chanops.duckdb).": "数据仓库文件（默认 $CHANOPS_DB，否则 ./chanops.duckdb）。",
    "Seconds to wait while another process holds the warehouse.": "仓库被其他进程占用时最多等待的秒数。",
    "chanops.toml to use (default: ./chanops.toml if present).": "使用的 chanops.toml（默认当前目录的 chanops.toml）。",
    "Output format (default: table on a terminal, csv in a pipe).": "输出格式（终端默认 table，管道默认 csv）。",
    "long: one row per KPI (or measure), the default for people (table, markdown, xlsx, -o FILE.csv, --excel); wide: one row per month and slice, a column per measure, the default for programs (csv on stdout, json, jsonl, parquet).": "long：每个指标（度量）一行，给人看的格式默认如此（table、markdown、xlsx、-o FILE.csv、--excel）；wide：每个月份与切片一行、每个度量一列，给程序的格式默认如此（标准输出的 csv、json、jsonl、parquet）。",
    "Put a dimension of the rows (month, region, channel, product …) across the columns: --by region --pivot month gives a row per region and a column per month.": "把行上的一个维度转到列上，如 month、region、channel、product。--by region --pivot month 即每个盟市一行、每个月一列。",
    "Write to FILE (atomically) instead of stdout; - is stdout.": "写入文件（原子写入）而非标准输出；- 表示标准输出。",
    "Labels for tables and reports.": "表格与报表的语言。",
    "Show full phone numbers in table/markdown/xlsx (masked by default).": "在 table/markdown/xlsx 中显示完整手机号（默认脱敏）。",
    "Rows of a table or Markdown section (default 40 on a terminal; 0: all). CSV/JSON/Parquet are never cut.": "表格或 Markdown 显示的行数（终端默认 40；0 为全部）。CSV/JSON/Parquet 从不截断。",
    "CSV as Excel on Chinese Windows opens it (UTF-8 with BOM, CRLF, formula-like cells neutralized) also on stdout; -o FILE.csv always writes it.": "标准输出也写成 Excel（中文 Windows）能直接打开的 CSV：带 BOM 的 UTF-8、CRLF 换行、类公式单元格已中和；-o FILE.csv 总是这样写。",
    "Base month (default: the previous month).": "基期月份（默认上个月）。",
    "Base month for retention (default: previous month).": "保有率的基期月份（默认上个月）。",
    "Month YYYY-MM (default: latest with data).": "月份 YYYY-MM（默认有数据的最近月份）。",
    "First month of a range.": "区间的第一个月。",
    "Last month of a range.": "区间的最后一个月。",
    "Show tracebacks for errors.": "出错时显示调用栈。",
    "Print the version.": "显示版本。",
    "Install completion for the current shell.": "为当前 shell 安装命令补全。",
    "Show completion for the current shell, to copy it or customize the installation.": "显示当前 shell 的补全脚本。",
    "Which extract: orders, contacts, entries, valid, rules, complaints, usage, signals, customers, billing.": "抽取类型：orders、contacts、entries、valid、rules、complaints、usage、signals、customers、billing。",
    "CSV/TSV/TXT (optionally .gz), Parquet or XLSX files.": "CSV/TSV/TXT（可为 .gz）、Parquet 或 XLSX 文件。",
    "auto | utf-8 | gb18030 | utf-16 (text files).": "文本文件编码：auto | utf-8 | gb18030 | utf-16。",
    "Roll back if any row is rejected.": "有任何拒绝行即回滚。",
    "Roll back when a file rejects more than this share of its rows.": "某文件拒绝行占比超过此值时回滚。",
    "Replace what the file covers: its months (customers: its customers; rules: its products).": "替换文件覆盖的分区：其月份（客户为其客户，规则为其产品）。",
    "customers: the date the snapshot describes (default: a date in the file name, e.g. customers_20221130.csv or _2022-11 for its last day, else a 数据日期/统计日期/snapshot_date column; with none, the load is refused — never today).": "客户快照所描述的日期（默认取文件名中的日期，如 customers_20221130.csv，或 _2022-11 取该月最后一天；否则取 数据日期/统计日期/snapshot_date 列；都没有则拒绝加载，绝不默认今天）。",
    "Compute the KPI pre-aggregates the load makes stale right after it (default). With --no-refresh they stay stale, and kpi reads the raw rows, until `chanops db refresh` (e.g. once after a night's loads).": "加载后立即重新计算本次加载涉及的 KPI 预聚合（默认）。用 --no-refresh 则暂不计算，kpi 直接读明细，直到执行 `chanops db refresh`（例如一夜的加载全部完成后执行一次）。",
    "TOML header mapping for this load.": "本次加载的表头映射 TOML 文件。",
    "Slice by region,channel,product,campaign_id,wave.": "按 region、channel、product、campaign_id、wave 切分。",
    "A KPI id (chanops kpi list).": "指标编号（见 chanops kpi list）。",
    "prev | yoy | YYYY-MM | province (a --region's gap to the province).": "对比：prev 环比 | yoy 同比 | YYYY-MM 指定月份 | province 某 --region 与全区的差距。",
    "Split by region, channel, product, campaign_id or wave (default: the one that explains most).": "按 region、channel、product、campaign_id 或 wave 拆分（默认：最能说明变化的维度）。",
    "Explain one region's figure.": "说明某一个盟市的指标。",
    "One 盟市's own report.": "生成某一个盟市自己的月报。",
    "Explain one product's figure.": "说明某一个产品的指标。",
    "Only these regions (盟市), comma-separated.": "只看这些盟市，逗号分隔。",
    "Only these products, comma-separated.": "只看这些产品，逗号分隔。",
    "Only these staff ids (工号), comma-separated.": "只看这些工号，逗号分隔。",
    "KPI ids, comma-separated (default: all that the slice supports).": "指标编号，逗号分隔（默认该切分支持的全部指标）。",
    "prev | yoy: add the earlier value and the change.": "prev（环比）| yoy（同比）：增加对比值与变化。",
    "Exit 3 when a KPI crosses its threshold.": "有指标越过阈值时退出码 3。",
    "Exit 3 when a touchpoint is over its quota.": "有触点超配额时退出码 3。",
    "Month to plan (default: the month after the latest with data).": "规划的月份（默认最近有数据月份的下一个月）。",
    "Directory for candidates.csv, summary.csv, statuses.csv and one dispatch_<touchpoint>.csv each.": "输出目录：candidates.csv、summary.csv、statuses.csv 及每个触点的 dispatch_<触点>.csv。",
    "PLAN.toml: campaigns with product, list file, priority, touchpoints, optional cap.": "PLAN.toml：各活动的产品、清单文件、优先级、触点、可选上限。",
    "One SQL statement (DuckDB dialect); tables and views: chanops db schema.": "一条 SQL 语句（DuckDB 方言）；表与视图见 chanops db schema。",
    "A local extract as the read-only table NAME for this query (repeatable); NAME:KIND=PATH maps its headers and values as `chanops load KIND` does.": "把本地抽取文件作为本次查询的只读表 NAME（可重复）；NAME:KIND=PATH 按 `chanops load KIND` 的方式映射表头并规范取值。",
    "Where to write it.": "写到哪里。",
    "Overwrite an existing file.": "覆盖已有文件。",
    "The month to reconcile (YYYY-MM).": "核对的月份（YYYY-MM）。",
    "Total to pay out; positive nets are prorated to add up to it exactly.": "奖励总额；正的净积分按比例分配，合计恰好等于总额。",
    "Only this kind.": "只看此类数据。",
    "Only this load id.": "只看此次加载。",
    "Only this product.": "只看此产品。",
    "Only this campaign id.": "只看此活动。",
    "Only this channel.": "只看此渠道。",
    "Only this month.": "只看此月。",
}


def wanted(argv: Sequence[str]) -> bool:
    """`--lang zh` (or --lang=zh) among the arguments, or a Chinese locale without --lang en."""
    args = list(argv)
    for i, arg in enumerate(args):
        if arg == "--lang" and i + 1 < len(args):
            return args[i + 1] == "zh"
        if arg.startswith("--lang="):
            return arg == "--lang=zh"
    locale = os.environ.get("LC_ALL") or os.environ.get("LC_MESSAGES") or os.environ.get("LANG") or ""
    return locale.lower().startswith("zh")


def use_chinese_panels() -> None:
    """Typer's own panel titles, in Chinese."""
    from typer import rich_utils

    rich_utils.OPTIONS_PANEL_TITLE = "选项"
    rich_utils.COMMANDS_PANEL_TITLE = "命令"
    rich_utils.ARGUMENTS_PANEL_TITLE = "参数"
    # Rich wraps help at spaces and cuts a longer run with "…"; Chinese has no spaces, so its
    # help folds at the column's edge instead (any two characters may part in Chinese).
    make_text = rich_utils._make_rich_text

    def folding(*args, **kwargs):
        text = make_text(*args, **kwargs)
        if hasattr(text, "overflow"):
            text.overflow = "fold"
        return text

    rich_utils._make_rich_text = folding


def without_lang(argv: Sequence[str]) -> list[str]:
    """The arguments less --lang X, for help on a command that has no --lang option."""
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--lang":
            skip = True
        elif not arg.startswith("--lang="):
            out.append(arg)
    return out


def translate(command, path: str = "chanops") -> None:
    """Put the Chinese texts on a Click command tree, in place."""
    if path in COMMANDS:
        command.help = COMMANDS[path]
        command.short_help = COMMANDS[path].split("\n")[0]
    for param in command.params:
        text = getattr(param, "help", None)
        if text in OPTIONS:
            param.help = OPTIONS[text]
    for name, sub in getattr(command, "commands", {}).items():
        translate(sub, f"{path} {name}")
