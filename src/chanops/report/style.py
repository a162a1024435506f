"""The report's stylesheet, inline in the HTML so the file stays one offline document.

Full width on a wide screen (cards and charts flow into as many columns as fit), one
column on a phone, and A4 landscape on paper: navigation hidden, no forced page
breaks (they left near-empty pages), charts and cards never split across pages.
"""

CSS = """
:root { --blue: #1f6fb2; --good: #2e8b57; --bad: #c0392b; --muted: #6b7785; --line: #e3e8ee;
        --paper: #f5f7fa; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--paper); color: #1d2733;
       font: 14px/1.5 "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; }
header.top { background: #16324f; color: #fff; padding: 18px 32px 14px; }
header.top h1 { margin: 0; font-size: 24px; letter-spacing: .5px; }
header.top .meta { color: #c9d6e3; font-size: 13px; margin-top: 4px; }
nav.toc { position: sticky; top: 0; z-index: 2; background: #fff; border-bottom: 1px solid var(--line);
          padding: 8px 32px; display: flex; flex-wrap: wrap; gap: 6px 18px; font-size: 13px; }
nav.toc a { color: var(--blue); text-decoration: none; }
main { padding: 16px 32px 40px; max-width: 2200px; margin: 0 auto; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 14px 20px 18px;
          margin: 0 0 18px; scroll-margin-top: 48px; }
h2 { font-size: 18px; color: #16324f; margin: 0 0 10px; border-left: 4px solid var(--blue); padding-left: 10px; }
h3 { font-size: 14px; color: var(--muted); margin: 14px 0 6px; font-weight: 600; }
.status { border-radius: 6px; padding: 8px 14px; font-weight: 600; }
.status.ok { background: #e8f5ee; color: var(--good); }
.status.bad { background: #fdecea; color: var(--bad); }
.alerts { background: #fdecea; border-left: 4px solid var(--bad); border-radius: 6px; padding: 8px 14px;
          margin-bottom: 14px; }
.alerts strong { color: var(--bad); }
.alerts ul { margin: 4px 0 0; padding-left: 20px; }
.movers { background: #f3f7fb; border-left: 4px solid var(--blue); border-radius: 6px; padding: 8px 14px;
          margin-bottom: 14px; }
.movers ul { margin: 4px 0 0; padding-left: 20px; }
.movers .mover-line { font-weight: 600; font-variant-numeric: tabular-nums; }
.alerts .why, .movers .why { margin: 2px 0 6px; color: var(--muted, #555); font-size: 0.92em; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(230px, 1fr)); gap: 12px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; background: #fff; }
.card.breach { border: 2px solid var(--bad); background: #fffafa; }
.card .name { color: var(--muted); font-size: 13px; min-height: 20px; }
.card .value { font-size: 28px; font-weight: 700; font-variant-numeric: tabular-nums; line-height: 1.2; }
.card .change { font-size: 13px; font-variant-numeric: tabular-nums; }
.card .line { display: flex; justify-content: space-between; align-items: flex-end; gap: 8px; }
.card .limit { font-size: 12px; color: var(--muted); }
.card.breach .limit { color: var(--bad); font-weight: 600; }
.good { color: var(--good); }
.bad { color: var(--bad); }
.flat { color: var(--muted); }
.badge { display: inline-block; background: var(--bad); color: #fff; border-radius: 3px; font-size: 11px;
         padding: 0 5px; margin-left: 6px; vertical-align: middle; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr)); gap: 10px 24px; }
svg.chart { width: 100%; height: auto; display: block; }
svg.spark { width: 120px; height: 32px; }
.note { color: var(--muted); margin: 4px 0 10px; }
.note.bad { color: var(--bad); font-weight: 600; }
/* Tables sit side by side only when both fit whole: each starts at its own width (flex-basis
   auto) and wraps onto a line of its own otherwise — a grid of equal halves cut the wider one
   and hid its last columns in a scroll box. */
.tables { display: flex; flex-wrap: wrap; align-items: flex-start; gap: 4px 24px; }
.table-wrap { flex: 1 1 auto; max-width: 100%; overflow-x: auto; }
table { border-collapse: collapse; font-size: 13px; margin: 0 0 8px; width: 100%; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 10px; white-space: nowrap; }
th { background: #eef3f8; text-align: left; font-weight: 600; position: sticky; top: 0; }
/* a header may wrap (long English KPI names) so that a wide table fits the page; cells never */
th { white-space: normal; vertical-align: bottom; }
th.n, td.n { text-align: right; font-variant-numeric: tabular-nums; }
td.breach { color: var(--bad); font-weight: 700; background: #fdecea; }
tbody tr:nth-child(even) { background: #fafbfc; }
details { margin-top: 8px; }
summary { cursor: pointer; color: var(--blue); }
@media (max-width: 700px) {
  main, header.top, nav.toc { padding-left: 12px; padding-right: 12px; }
  .charts { grid-template-columns: 1fr; }
}
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { background: #fff; font-size: 11px; }
  nav.toc { display: none; }
  header.top { background: none; color: #000; padding: 0 0 6px; border-bottom: 2px solid #16324f; }
  header.top .meta { color: #333; }
  main { padding: 8px 0 0; max-width: none; }
  section { border: none; padding: 0; margin: 0 0 10px; }
  h2 { break-after: avoid; }
  .card, svg.chart, .status, .alerts, tr { break-inside: avoid; }
  .charts { grid-template-columns: repeat(3, 1fr); }
  .cards { grid-template-columns: repeat(5, 1fr); }
  th { position: static; }
  details:not([open]) { display: none; }
}
"""
