"""Reads a monthly report the way a person sees it: every table of the HTML, every sheet of
the workbook, every Markdown table, the headline cards and the prose lines — and parses the
numbers they show ("44.94%", "+3.01pp", "−4.10", "1,234.50") with their display rounding.

Nothing here knows how the report is built, so the consistency tests that use it survive the
report's internals being rewritten (issue 25, item 6; SPEC §15). The HTML is read with the
stdlib's html.parser, the workbook with openpyxl (stored values and number formats).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

# ---------------------------------------------------------------- shown numbers


@dataclass(frozen=True)
class Shown:
    """A number as a surface shows it, in the unit it names.

    unit: "pct" (value is a fraction: "44.94%" → 0.4494), "pp" (percentage points:
    "+3.01pp" → 3.01), "per_million" (a per-million figure whose text or number format names
    the unit: "638.09/百万", format '#,##0.00"/百万"') or "num" (as shown). tol: half a unit of
    the last shown digit, in the same unit as value. value None: the cell is blank.
    """

    text: str
    value: float | None
    unit: str
    tol: float


_MINUS = str.maketrans({"−": "-", "–": "-", "﹣": "-", "＋": "+"})
_NUMBER = re.compile(r"^(?P<num>[+-]?[\d,]*\.?\d+)(?P<unit>%|pp|/百万)?$")


def parse_number(text: str | None) -> Shown | None:
    """'44.94%' / '+3.01pp' / '−4.10' / '1,234.50' / '' → Shown; None when the text is no
    number (a name, '3,223 (99%)')."""
    raw = "" if text is None else str(text)
    s = raw.strip().translate(_MINUS)
    if s in ("", "—", "-", "–"):
        return Shown(raw, None, "num", 0.0)
    m = _NUMBER.match(s)
    if not m:
        return None
    num = m["num"].replace(",", "")
    decimals = len(num.split(".")[1]) if "." in num else 0
    half = 0.5 * 10.0**-decimals
    value = float(num)
    unit = m["unit"]
    if unit == "%":
        return Shown(raw, value / 100.0, "pct", half / 100.0)
    if unit == "pp":
        return Shown(raw, value, "pp", half)
    if unit == "/百万":
        return Shown(raw, value, "per_million", half)
    return Shown(raw, value, "num", half)


def find_numbers(text: str) -> list[Shown]:
    """Every number in a prose line, in order ('匹配率 70.12%' → [Shown(0.7012, pct)])."""
    out = []
    for token in re.findall(r"[+\-−]?\d[\d,]*(?:\.\d+)?(?:%|pp)?", text):
        shown = parse_number(token)
        if shown is not None:
            out.append(shown)
    return out


def _format_shown(value, number_format: str) -> Shown:
    """A workbook cell: the stored number, its unit and rounding named by its format."""
    fmt = number_format or "General"
    first = fmt.split(";")[0]
    digits = first.split(".")[1] if "." in first else ""
    decimals = len(re.match(r"[0#]*", digits).group(0))
    half = 0.5 * 10.0**-decimals if fmt != "General" else 1e-9
    if "%" in first:
        return Shown(f"{value!r} [{fmt}]", float(value), "pct", half / 100.0)
    if '"pp"' in first or "pp" in first.replace('"', ""):
        return Shown(f"{value!r} [{fmt}]", float(value), "pp", half)
    if "/百万" in first:
        return Shown(f"{value!r} [{fmt}]", float(value), "per_million", half)
    return Shown(f"{value!r} [{fmt}]", float(value), "num", half)


# ---------------------------------------------------------------- tables


@dataclass
class Table:
    """One table as shown: a title (the heading above it, the sheet name, or the Markdown
    section), header labels, and the cells of each row."""

    surface: str
    title: str
    headers: list[str]
    rows: list[list[Cell]]

    def column(self, header: str) -> int:
        return self.headers.index(header)

    def records(self) -> list[dict[str, Cell]]:
        return [dict(zip(self.headers, row, strict=False)) for row in self.rows]


@dataclass(frozen=True)
class Cell:
    text: str  # what a person reads (HTML/Markdown text; workbook: the stored value as text)
    shown: Shown | None  # the number it shows, None for a name

    @property
    def value(self) -> float | None:
        return None if self.shown is None else self.shown.value


def _text_cell(text: str) -> Cell:
    return Cell(text.strip(), parse_number(text))


# ---------------------------------------------------------------- HTML


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list = field(default_factory=list)  # Node or str
    parent: Node | None = None

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def iter(self):
        yield self
        for c in self.children:
            if isinstance(c, Node):
                yield from c.iter()

    def find_all(self, tag: str | None = None, cls: str | None = None) -> list[Node]:
        return [n for n in self.iter() if (tag is None or n.tag == tag) and (cls is None or cls in n.classes)]

    def find(self, tag: str | None = None, cls: str | None = None) -> Node | None:
        found = self.find_all(tag, cls)
        return found[0] if found else None

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent


_VOID = {"meta", "br", "img", "input", "hr", "link", "area", "base", "col", "source", "wbr"}


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.cur = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: v or "" for k, v in attrs}, parent=self.cur)
        self.cur.children.append(node)
        if tag not in _VOID:
            self.cur = node

    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, {k: v or "" for k, v in attrs}, parent=self.cur))

    def handle_endtag(self, tag):
        node = self.cur
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.cur = node.parent

    def handle_data(self, data):
        self.cur.children.append(data)


def parse_html(path: Path) -> Node:
    builder = _Builder()
    builder.feed(Path(path).read_text(encoding="utf-8"))
    builder.close()
    return builder.root


def _html_table_title(table: Node) -> str:
    """The heading a reader sees above a table: the h3 of its wrapper, else the summary of
    the <details> it folds into, else the section's h2."""
    for anc in table.ancestors():
        if "table-wrap" in anc.classes:
            h3 = next((c for c in anc.children if isinstance(c, Node) and c.tag == "h3"), None)
            if h3 is not None:
                return h3.text().strip()
        if anc.tag == "details":
            summary = anc.find("summary")
            if summary is not None:
                return summary.text().strip()
        if anc.tag == "section":
            h2 = anc.find("h2")
            return h2.text().strip() if h2 is not None else anc.attrs.get("id", "")
    return ""


def html_tables(root: Node) -> list[Table]:
    out = []
    for table in root.find_all("table"):
        headers = [th.text().strip() for th in table.find_all("th")]
        rows = []
        for tr in table.find_all("tr"):
            tds = [td for td in tr.children if isinstance(td, Node) and td.tag == "td"]
            if tds:
                rows.append([_text_cell(td.text()) for td in tds])
        section = next((a for a in table.ancestors() if a.tag == "section"), None)
        sid = section.attrs.get("id", "") if section is not None else ""
        out.append(Table(f"html#{sid}", _html_table_title(table), headers, rows))
    return out


@dataclass(frozen=True)
class Card:
    """A headline KPI card: which KPI (data-kpi, else its name), value, change, limit line."""

    kpi: str
    name: str
    value: Shown | None
    change: Shown | None
    limit_text: str


def html_cards(root: Node) -> list[Card]:
    cards = []
    for card in root.find_all("div", "card"):
        name = card.find(cls="name")
        value = card.find(cls="value")
        change = card.find(cls="change")
        limit = card.find(cls="limit")
        change_numbers = find_numbers(change.text()) if change is not None else []
        cards.append(
            Card(
                kpi=card.attrs.get("data-kpi", ""),
                name=name.text().strip() if name is not None else "",
                value=parse_number(value.text()) if value is not None else None,
                change=change_numbers[0] if change_numbers else None,
                limit_text=limit.text().strip() if limit is not None else "",
            )
        )
    return cards


def html_alerts(root: Node) -> list[str]:
    """The alert list under the headline (role=alert)."""
    box = next((n for n in root.iter() if n.attrs.get("role") == "alert"), None)
    if box is None:
        return []
    # the alert itself; the explain sentence under it is a p.why of its own
    return [(li.find("span", "alert-line") or li).text().strip() for li in box.find_all("li")]


def html_movers(root: Node) -> list[str]:
    """The biggest moves under the headline (div.movers), one line per KPI."""
    box = next((n for n in root.iter() if "movers" in n.attrs.get("class", "").split()), None)
    if box is None:
        return []
    return [(li.find("span", "mover-line") or li).text().strip() for li in box.find_all("li")]


def html_notes(root: Node) -> dict[str, list[str]]:
    """Prose lines (p.note) per section id."""
    out: dict[str, list[str]] = {}
    for p in root.find_all("p", "note"):
        section = next((a for a in p.ancestors() if a.tag == "section"), None)
        out.setdefault(section.attrs.get("id", "") if section is not None else "", []).append(p.text().strip())
    return out


def html_meta(root: Node) -> str:
    meta = root.find(cls="meta")
    return meta.text().strip() if meta is not None else ""


# ---------------------------------------------------------------- workbook


@dataclass
class Sheet:
    name: str
    rows: list[list]  # raw cell values (None for empty)
    formats: list[list[str]]

    def lines(self) -> list[str]:
        """Single-text rows (the cover's prose)."""
        out = []
        for row in self.rows:
            cells = [c for c in row if c is not None]
            if len(cells) == 1 and isinstance(cells[0], str):
                out.append(cells[0])
        return out


def read_workbook(path: Path) -> dict[str, Sheet]:
    import openpyxl

    wb = openpyxl.load_workbook(path)
    sheets = {}
    for ws in wb.worksheets:
        rows, formats = [], []
        for row in ws.iter_rows():
            rows.append([c.value for c in row])
            formats.append([c.number_format for c in row])
        sheets[ws.title] = Sheet(ws.title, rows, formats)
    return sheets


def _xlsx_cell(value, fmt: str) -> Cell:
    if value is None:
        return Cell("", Shown("", None, "num", 0.0))
    if isinstance(value, bool):
        return Cell(str(value), None)
    if isinstance(value, (int, float)):
        return Cell(repr(value), _format_shown(value, fmt))
    text = value.isoformat()[:10] if hasattr(value, "isoformat") else str(value)
    return Cell(text, None)


def sheet_tables(sheet: Sheet) -> list[Table]:
    """The tables of a sheet: a header row (all text, ≥ 2 cells) starts a table, a blank row
    or a single-text row ends it."""
    tables: list[Table] = []
    current: Table | None = None
    for row, fmts in zip(sheet.rows, sheet.formats, strict=True):
        filled = [c for c in row if c is not None]
        single_text = len(filled) == 1 and isinstance(filled[0], str)
        if not filled or (current is not None and single_text):
            current = None
            continue
        if current is None:
            if len(filled) >= 2 and all(isinstance(c, str) for c in filled):
                width = max(i for i, c in enumerate(row) if c is not None) + 1
                current = Table(f"xlsx:{sheet.name}", sheet.name, [str(c) for c in row[:width]], [])
                tables.append(current)
            continue
        n = len(current.headers)
        cells = list(zip(row, fmts, strict=True))[:n]
        cells += [(None, "General")] * (n - len(cells))
        current.rows.append([_xlsx_cell(v, f) for v, f in cells])
    return tables


# ---------------------------------------------------------------- Markdown


@dataclass
class MarkdownDoc:
    sections: dict[str, list[str]]  # heading → its lines (without the heading)
    tables: list[Table]
    preamble: list[str]

    def bullets(self, heading: str) -> list[str]:
        return [ln[2:].strip() for ln in self.sections.get(heading, []) if ln.startswith("- ")]


def _md_row(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def read_markdown(path: Path) -> MarkdownDoc:
    sections: dict[str, list[str]] = {}
    preamble: list[str] = []
    heading = None
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            heading = line[3:].strip()
            sections[heading] = []
        elif heading is None:
            preamble.append(line)
        else:
            sections[heading].append(line)
    tables = []
    for heading, lines in sections.items():
        block: list[str] = []
        for line in [*lines, ""]:
            if line.lstrip().startswith("|"):
                block.append(line)
                continue
            if len(block) >= 2:
                headers = _md_row(block[0])
                rows = [[_text_cell(c) for c in _md_row(b)] for b in block[2:]]
                tables.append(Table("md", heading, headers, rows))
            block = []
    return MarkdownDoc(sections, tables, preamble)


# ---------------------------------------------------------------- alert lines

_ALERT = re.compile(
    r"^(?P<kpi>\S+)(?: (?P<slice>\S+))? (?P<value>[+\-−]?[\d,.]+%?)，(?P<side>低于下限|高于上限) (?P<limit>\S+)$"
)


@dataclass(frozen=True)
class AlertLine:
    text: str
    kpi_name: str
    slice: str | None  # a 盟市 or a touchpoint (channel) name, in words; None for the province
    value: Shown
    side: str  # "min" | "max"
    limit: Shown


def parse_alert(text: str) -> AlertLine | None:
    """'线上产能占比 兴安盟 26.75%，低于下限 40.00%' / '办理成功率 政企直销 89.29%，低于下限 90.00%'
    → AlertLine; None if not an alert line."""
    m = _ALERT.match(text.strip().lstrip("·").strip())
    if not m:
        return None
    return AlertLine(
        text,
        m["kpi"],
        m["slice"],
        parse_number(m["value"]),
        "min" if m["side"] == "低于下限" else "max",
        parse_number(m["limit"]),
    )
