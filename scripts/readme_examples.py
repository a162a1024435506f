"""Run the README's console examples and compare the figures they show with a real run.

Every ```console block of README.md is run, in order, in one temporary directory that
holds a link to `sample_data/` and a fresh warehouse (`./chanops.duckdb`, the default).
Each `$ …` line is run by bash, `chanops` being this checkout's CLI. The lines below a
command are its output (stdout and stderr together, as a terminal shows them; a trailing
`← stderr` is a note; where a pipe takes stdout alone, its output and the command's stderr
race, so an example pipes `2>&1` or shows stderr written before stdout only):

- every output line must appear in the real output, in order, with the same text once
  figures and the widths of table cells are set aside, and the same figures;
- a line holding `…` stands for output left out (zero or more lines); without one at
  the end, the real output must end where the README's does;
- a command with no output lines below it must succeed (its output is not shown).

Blocks that need more than the sample are marked by an HTML comment right before them:
`<!-- readme-example: setup NAME -->` runs the named setup of SETUPS first, and
`<!-- readme-example: not run (REASON) -->` leaves the block out, and says so.

    python scripts/readme_examples.py            # check; exit 1 on a difference
    python scripts/readme_examples.py --update   # write the real output into README.md
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DIRECTIVE = re.compile(r"<!--\s*readme-example:\s*(setup\s+(?P<setup>[\w-]+)|not run\s*\((?P<why>[^)]*)\))\s*-->")
# A figure is a run of digits with the separators and signs inside it: `19,516`, `+1.43`,
# also `976,70,167` in a CSV line (thousands and fields cannot be told apart there).
NUMBER = re.compile(r"[+-]?\d[\d.,]*")
STDERR_NOTE = re.compile(r"\s*← stderr$")
SAMPLE_KINDS = ("contacts", "entries", "valid", "rules", "complaints", "usage", "signals", "customers", "billing")


@dataclass
class Command:
    line: str  # the command as written, without "$ "
    readme_line: int  # index of the `$` line in README.md
    output: list[tuple[int, str]] = field(default_factory=list)  # (README index, text)


@dataclass
class Block:
    start: int  # index of the opening fence
    setup: str | None
    skipped: str | None
    commands: list[Command]


def parse(lines: list[str]) -> list[Block]:
    """The console blocks of the README with their directives, commands and output lines."""
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        if lines[i].strip() != "```console":
            i += 1
            continue
        setup = skipped = None
        j = i - 1
        while j >= 0 and not lines[j].strip():
            j -= 1
        if j >= 0 and (found := DIRECTIVE.search(lines[j])):
            setup, skipped = found["setup"], found["why"]
        block = Block(i, setup, skipped, [])
        i += 1
        while lines[i].strip() != "```":
            if lines[i].startswith("$ "):
                block.commands.append(Command(lines[i][2:], i))
            elif block.commands:
                block.commands[-1].output.append((i, lines[i]))
            else:
                raise SystemExit(f"README.md:{i + 1}: output before any `$` command")
            i += 1
        blocks.append(block)
        i += 1
    return blocks


def is_ellipsis(text: str) -> bool:
    return text.strip(" │┃").startswith("…")


def clean(text: str) -> str:
    return STDERR_NOTE.sub("", text.rstrip())


def skeleton(text: str) -> str:
    """The line with its figures as `#` and runs of spaces or rules as one: widths may change."""
    text = NUMBER.sub("#", clean(text))
    text = re.sub(r"([━─═])\1+", r"\1", text)
    return re.sub(r"\s+", " ", text).strip()


def figures(text: str) -> list[str]:
    return NUMBER.findall(clean(text))


def ellipsis_row(like: str) -> str:
    """A table row of `…` shaped like `like` (a real row), for --update."""
    cells = like.split("│")
    if len(cells) < 3:
        return "…"
    widths = [sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in cell) for cell in cells]
    first = " …" + " " * (widths[1] - 2)
    return "│".join([cells[0], first, *(" " * w for w in widths[2:-1]), cells[-1]])


class Workspace:
    """The temporary directory the examples run in, with `chanops` on PATH."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "sample_data").symlink_to(ROOT / "sample_data")
        bin_dir = root / "bin"
        bin_dir.mkdir()
        wrapper = bin_dir / "chanops"
        wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m chanops "$@"\n', encoding="utf-8")
        wrapper.chmod(0o755)
        env = {k: v for k, v in os.environ.items() if k not in {"CHANOPS_DB", "FORCE_COLOR", "COLUMNS", "NO_COLOR"}}
        env.update(
            PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
            PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")])),
            HOME=str(root),
            TZ="UTC",
        )
        self.env = env

    def run(self, command: str) -> tuple[int, list[str]]:
        done = subprocess.run(
            ["bash", "-c", command],
            cwd=self.root,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
        )
        return done.returncode, done.stdout.splitlines()

    def must(self, command: str) -> None:
        code, out = self.run(command)
        if code:
            raise RuntimeError(f"setup command failed ({code}): {command}\n" + "\n".join(out))


def _broken_orders(ws: Workspace) -> None:
    """broken.csv: an orders extract without its region column."""
    (ws.root / "broken.csv").write_text(
        "订单编号,办理时间,手机号码\nX1,2022-11-01 08:00:00,13800000001\n", encoding="utf-8"
    )


def _billing_months(ws: Workspace) -> None:
    """extracts/2022-10|11/billing.csv from the sample's billing, and a corrected November:
    95 revenues changed, written with CRLF."""
    text = (ws.root / "sample_data" / "billing.csv").read_text(encoding="utf-8").splitlines()
    header, rows = text[0], text[1:]
    for month in ("2022-10", "2022-11"):
        folder = ws.root / "extracts" / month
        folder.mkdir(parents=True, exist_ok=True)
        chosen = [r for r in rows if r.startswith(month + ",")]
        (folder / "billing.csv").write_text("\n".join([header, *chosen]) + "\n", encoding="utf-8")
    november = [r for r in rows if r.startswith("2022-11,")]
    corrected, changed = [], 0
    for row in november:
        month, msisdn, revenue = row.split(",")
        if changed < 95 and re.fullmatch(r"\d+\.\d\d", revenue):
            row, changed = f"{month},{msisdn},{float(revenue) + 1:.2f}", changed + 1
        corrected.append(row)
    (ws.root / "extracts" / "2022-11" / "billing_corrected.csv").write_bytes(
        ("\r\n".join([header, *corrected]) + "\r\n").encode("utf-8")
    )


def _load_sample(ws: Workspace) -> None:
    """The rest of sample_data/ loaded, as `make demo` does; billing back to the sample's."""
    for kind in SAMPLE_KINDS:
        as_of = " --as-of 2022-11-30" if kind == "customers" else ""  # the sample's month-end snapshot
        ws.must(f"chanops load {kind} sample_data/{kind}.csv --replace{as_of}")


def _november_cut_short(ws: Workspace) -> None:
    """November's orders after the 27th and contacts after the 29th never arrived: the month
    reloaded (`--replace`) from extracts cut short."""
    for kind, last_day in (("orders", 27), ("contacts", 29)):
        with (ws.root / "sample_data" / f"{kind}.csv").open(encoding="utf-8", newline="") as source:
            rows = list(csv.reader(source))
        kept = [rows[0]]
        for row in rows[1:]:
            digits = re.sub(r"\D", "", row[1]) if len(row) > 1 else ""
            if digits.startswith("202211") and int(digits[6:8] or 99) <= last_day:
                kept.append(row)
        cut = ws.root / "late" / f"{kind}.csv"
        cut.parent.mkdir(exist_ok=True)
        with cut.open("w", encoding="utf-8", newline="") as target:
            csv.writer(target, lineterminator="\n").writerows(kept)
        ws.must(f"chanops load {kind} late/{kind}.csv --replace")


def _app_campaign(ws: Workspace) -> None:
    """app-plan.toml: an app-adoption campaign for a product no order names yet, over the list
    `prefer targets … -o app-targets.csv` writes."""
    (ws.root / "app-plan.toml").write_text(
        '[[campaigns]]\nid = "APP2212-01"\nproduct = "手机营业厅推广"\nnew_product = true\n'
        'list = "app-targets.csv"\npriority = 1\ntouchpoints = ["sms", "wechat", "outbound"]\n',
        encoding="utf-8",
    )


SETUPS: dict[str, Callable[[Workspace], None]] = {
    "app-campaign": _app_campaign,
    "broken-orders": _broken_orders,
    "billing-months": _billing_months,
    "load-sample": _load_sample,
    "november-cut-short": _november_cut_short,
}


@dataclass
class Outcome:
    problems: list[str] = field(default_factory=list)
    replacements: dict[int, str] = field(default_factory=dict)  # README index -> new text
    skipped: list[str] = field(default_factory=list)
    commands: int = 0


def compare(command: Command, code: int, actual: list[str], outcome: Outcome) -> None:
    """Match the README's output lines of one command against its real output."""
    where = f"README.md:{command.readme_line + 1}: $ {command.line}"
    if not command.output:
        if code:
            outcome.problems.append(f"{where}\n  exited {code}:\n    " + "\n    ".join(actual[-10:]))
        return
    # segments of consecutive shown lines, split at `…` lines
    segments: list[list[tuple[int, str]]] = [[]]
    ellipses: list[tuple[int, str]] = []
    for index, text in command.output:
        if is_ellipsis(text):
            ellipses.append((index, text))
            segments.append([])
        else:
            segments[-1].append((index, text))
    ends_open = is_ellipsis(command.output[-1][1])
    real = [clean(line) for line in actual]
    matched: dict[int, str] = {}  # README index -> the real line it stands for
    pos = 0
    for n, segment in enumerate(segments):
        if not segment:
            continue
        starts = [pos] if n == 0 else range(pos, len(real) - len(segment) + 1)
        shape = [skeleton(text) for _, text in segment]
        shapes = [[skeleton(x) for x in real[p : p + len(segment)]] for p in starts]
        found = next((p for p, got in zip(starts, shapes, strict=True) if got == shape), None)
        if found is None:
            outcome.problems.append(
                f"{where}\n  these README lines are not in the output (exit {code}):\n    "
                + "\n    ".join(text for _, text in segment)
                + "\n  real output:\n    "
                + "\n    ".join(real[:60])
            )
            return
        for (index, text), line in zip(segment, real[found : found + len(segment)], strict=True):
            if figures(text) != figures(line):
                outcome.problems.append(f"{where}\n  README.md:{index + 1}: {clean(text)}\n  real:         {line}")
            note = STDERR_NOTE.search(text.rstrip())
            matched[index] = line + (text.rstrip()[note.start() :] if note else "")
        pos = found + len(segment)
    if not ends_open and pos != len(real):
        outcome.problems.append(
            f"{where}\n  the real output goes on after the README's last line (mark it with `…`):\n    "
            + "\n    ".join(real[pos : pos + 10])
        )
    # a `…` table row takes the shape of the real row before it
    for index, text in ellipses:
        if text.lstrip().startswith("│") and index - 1 in matched:
            matched[index] = ellipsis_row(matched[index - 1])
    for index, line in matched.items():
        if line != dict(command.output)[index].rstrip():
            outcome.replacements[index] = line


def check(readme: Path = README, log: Callable[[str], None] | None = None) -> Outcome:
    """Run every console block of `readme` and compare; the outcome lists every difference."""
    lines = readme.read_text(encoding="utf-8").splitlines()
    outcome = Outcome()
    with tempfile.TemporaryDirectory(prefix="chanops-readme-") as tmp:
        ws = Workspace(Path(tmp))
        for block in parse(lines):
            if block.skipped is not None:
                outcome.skipped.append(f"README.md:{block.start + 1}: not run ({block.skipped})")
                continue
            if block.setup:
                if block.setup not in SETUPS:
                    outcome.problems.append(f"README.md:{block.start + 1}: unknown setup {block.setup!r}")
                    continue
                SETUPS[block.setup](ws)
            for command in block.commands:
                started = time.perf_counter()
                code, actual = ws.run(command.line)
                outcome.commands += 1
                if log:
                    log(f"{time.perf_counter() - started:5.1f}s  $ {command.line}")
                compare(command, code, actual, outcome)
    return outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="write the real output lines into README.md")
    parser.add_argument("--readme", type=Path, default=README)
    parser.add_argument("-v", "--verbose", action="store_true", help="time each command")
    args = parser.parse_args()
    outcome = check(args.readme, (lambda s: print(s, file=sys.stderr)) if args.verbose else None)
    for line in outcome.skipped:
        print(line)
    if args.update and outcome.replacements:
        lines = args.readme.read_text(encoding="utf-8").splitlines()
        for index, text in outcome.replacements.items():
            lines[index] = text
        args.readme.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"updated {len(outcome.replacements)} lines of {args.readme}")
    for problem in outcome.problems:
        print(problem, file=sys.stderr)
    print(
        f"{outcome.commands} commands run, {len(outcome.skipped)} blocks not run, {len(outcome.problems)} differences"
    )
    if outcome.problems and not args.update:
        sys.exit(1)


if __name__ == "__main__":
    main()
